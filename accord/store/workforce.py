"""The workforce's SQL: memberships' onboarding and pause state, quota counters, phase and
attention gold records, attribute-matched open records and the time report rows.

Costs (docs/settings.md, "Workforce"): the common next-record call adds one primary-key
lookup of the membership row; a quota adds one conditional UPDATE of that row; a match
rule turns the open-record lookup into the same index range scan on
``(dataset_id, queue_state, priority DESC, id)`` with a JSON filter, so it reads the open
records that do not match before the first one that does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from accord.store.detached import columns_of
from accord.store.models import (
    QUEUE_GOLD,
    QUEUE_OPEN,
    Aggregate,
    GoldAnswer,
    Lease,
    Membership,
    Record,
    Response,
    SettingsVersion,
    User,
)
from accord.store.queue import NOT_SEEN, ONE, skipping_locked

__all__ = ["UNTRACKED", "mark_untracked", "membership", "MemberRow", "member_row",
           "note_member_row", "MEMBER_COLUMNS", "guidelines_version", "phase_gold_ids",
           "phase_answers", "find_attention_record", "claim_quota", "release_quota",
           "recount_quota",
           "find_open_matching", "recent_gold_scores", "recent_consensus_pairs",
           "workforce_members", "timesheet_rows", "gold_extras", "set_gold_extras",
           "lock_membership"]

_rec = Record.__table__
_resp = Response.__table__
_lease = Lease.__table__
_gold = GoldAnswer.__table__
_mem = Membership.__table__


class MemberRow(NamedTuple):
    """A membership row as read, for reading: the workforce gate and the write policy read
    it on every loop request (:func:`member_row`); changing it goes through the ORM
    object of :func:`membership` or an UPDATE here."""

    dataset_id: int
    user_id: int
    guidelines_seen: int
    created_at: datetime
    phase: str | None
    phase_started_at: datetime | None
    attempts: int
    last_score: float | None
    passed_at: datetime | None
    failed_at: datetime | None
    retry_at: datetime | None
    paused: bool
    pause_reason: str | None
    paused_at: datetime | None
    monitor_since: datetime | None
    quota: int | None
    claimed: int


MEMBER_COLUMNS, _MEMBER_KEYS = columns_of(Membership)
"""The membership columns in :class:`MemberRow`'s order, for a statement that reads them."""
if tuple(_MEMBER_KEYS) != MemberRow._fields:  # a new column needs a field here too
    raise AssertionError(f"MemberRow's fields differ from the memberships table: {_MEMBER_KEYS}")

_MEMBER = "accord_member_row"


def note_member_row(session: Session, dataset_id: int, user_id: int,
                    row: MemberRow | None) -> None:
    """Remember the membership row (None: not a member) that the transaction's first
    statement read with the caller and the dataset (:mod:`accord.store.access`), for
    :func:`member_row`. Anything here that changes the row forgets it."""
    session.info[_MEMBER] = (session.get_transaction(), dataset_id, user_id, row)


def _forget_member_row(session: Session) -> None:
    session.info.pop(_MEMBER, None)


def member_row(session: Session, dataset_id: int, user_id: int) -> MemberRow | Membership | None:
    """The membership row to READ (None: not a member): the one this transaction read first
    (:func:`note_member_row`) while nothing changed it, else :func:`membership`'s object.
    Both have the same attributes; change the row only through :func:`membership`."""
    kept = session.info.get(_MEMBER)
    if kept is not None and kept[1] == dataset_id and kept[2] == user_id \
            and kept[0] is session.get_transaction():
        return kept[3]  # type: ignore[no-any-return]
    return membership(session, dataset_id, user_id)


def membership(session: Session, dataset_id: int, user_id: int) -> Membership | None:
    """The membership row as an ORM object, to change it (a primary-key lookup, from the
    identity map after the first)."""
    _forget_member_row(session)
    return session.get(Membership, (dataset_id, user_id))


def lock_membership(session: Session, dataset_id: int, user_id: int) -> Membership | None:
    """The membership row, locked for this transaction on PostgreSQL (SQLite serializes
    writers already), re-read from the database."""
    _forget_member_row(session)
    stmt = select(Membership).where(Membership.dataset_id == dataset_id,
                                    Membership.user_id == user_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def guidelines_version(session: Session, dataset_id: int, current_version: int,
                       guidelines: str) -> int:
    """The first settings version of the trailing run with today's guidelines text: a
    settings change that keeps the guidelines does not ask for a new acknowledgement."""
    last_other = session.scalar(select(func.max(SettingsVersion.version)).where(
        SettingsVersion.dataset_id == dataset_id, SettingsVersion.version <= current_version,
        SettingsVersion.guidelines != guidelines))
    return 1 if last_other is None else int(last_other) + 1


_PHASE_GOLD = (select(_rec.c.id).join(_gold, _gold.c.record_id == _rec.c.id)
               .where(_rec.c.dataset_id == bindparam("ds"), _rec.c.queue_state == QUEUE_GOLD,
                      ~_gold.c.attention)
               .order_by(_rec.c.priority.desc(), _rec.c.id)
               .offset(bindparam("off")).limit(bindparam("lim")))


def phase_gold_ids(session: Session, dataset_id: int, offset: int, limit: int) -> list[int]:
    """Ids of the non-attention gold records at positions ``offset .. offset+limit-1`` in
    (priority DESC, id) order: the training set, then the qualification set."""
    return list(session.execute(_PHASE_GOLD, {"ds": dataset_id, "off": offset,
                                              "lim": limit}).scalars())


def phase_answers(session: Session, user_id: int, record_ids: list[int],
                  since: datetime | None) -> dict[int, float]:
    """``{record_id: gold score}`` of the user's submitted responses to ``record_ids`` last
    changed at or after ``since`` (a retry re-submits the same responses)."""
    if not record_ids:
        return {}
    stmt = select(_resp.c.record_id, _resp.c.gold_correct).where(
        _resp.c.user_id == user_id, _resp.c.record_id.in_(record_ids),
        _resp.c.status == "submitted")
    if since is not None:
        stmt = stmt.where(_resp.c.updated_at >= since)
    return {rid: float(score or 0.0) for rid, score in session.execute(stmt)}


_ATTENTION = (select(_rec.c.id).join(_gold, _gold.c.record_id == _rec.c.id)
              .where(_rec.c.dataset_id == bindparam("ds"), _rec.c.queue_state == QUEUE_GOLD,
                     _gold.c.attention, NOT_SEEN)
              .order_by(_rec.c.priority.desc(), _rec.c.id).limit(ONE))


def find_attention_record(session: Session, dataset_id: int, user_id: int) -> int | None:
    """An attention-check record the user has never seen."""
    return session.execute(_ATTENTION, {"ds": dataset_id, "uid": user_id}).scalar()


_CLAIM_QUOTA = (update(_mem).where(_mem.c.dataset_id == bindparam("ds"),
                                   _mem.c.user_id == bindparam("uid"),
                                   _mem.c.claimed >= 0, _mem.c.claimed < bindparam("limit_"))
                .values(claimed=_mem.c.claimed + 1))
_RELEASE_QUOTA = (update(_mem).where(_mem.c.dataset_id == bindparam("ds"),
                                     _mem.c.user_id == bindparam("uid"), _mem.c.claimed > 0)
                  .values(claimed=_mem.c.claimed - 1))


def claim_quota(session: Session, dataset_id: int, user_id: int, quota: int) -> bool:
    """Take one unit of the member's quota: a single conditional UPDATE, so the check and
    the claim are atomic under concurrent requests (the row lock serializes them). A
    negative counter (:data:`UNTRACKED`) never claims: the caller recounts first."""
    _forget_member_row(session)
    result = session.connection().execute(_CLAIM_QUOTA, {"ds": dataset_id, "uid": user_id,
                                                         "limit_": quota})
    return result.rowcount == 1


UNTRACKED = -1  # memberships.claimed while no quota applied: recount before the next claim


def mark_untracked(session: Session, dataset_id: int, user_id: int) -> None:
    """Records are being handed out without a quota: the counter is no longer exact."""
    _forget_member_row(session)
    session.connection().execute(update(_mem).where(
        _mem.c.dataset_id == dataset_id, _mem.c.user_id == user_id,
        _mem.c.claimed != UNTRACKED).values(claimed=UNTRACKED))


def release_quota(session: Session, dataset_id: int, user_id: int) -> None:
    _forget_member_row(session)
    session.connection().execute(_RELEASE_QUOTA, {"ds": dataset_id, "uid": user_id})


def recount_quota(session: Session, dataset_id: int, user_id: int, now: datetime) -> int:
    """Reset the member's counter to what they really hold: submitted responses to ordinary
    records plus live counted leases (leases that expired or were given back free their
    unit). Locks the membership row first (PostgreSQL) so that a concurrent claim either
    committed before the count or waits for it."""
    lock_membership(session, dataset_id, user_id)
    submitted = select(func.count()).select_from(_resp).join(
        _rec, _rec.c.id == _resp.c.record_id).where(
        _resp.c.dataset_id == dataset_id, _resp.c.user_id == user_id,
        _resp.c.status == "submitted", ~_rec.c.is_gold).scalar_subquery()
    leased = select(func.count()).select_from(_lease).where(
        _lease.c.dataset_id == dataset_id, _lease.c.user_id == user_id, _lease.c.counted,
        _lease.c.expires_at > now,
        ~exists().where(_resp.c.record_id == _lease.c.record_id,
                        _resp.c.user_id == user_id,
                        _resp.c.status.in_(("submitted", "discarded")))).scalar_subquery()
    total = int(session.execute(select(submitted + leased)).scalar() or 0)
    session.connection().execute(update(_mem).where(
        _mem.c.dataset_id == dataset_id, _mem.c.user_id == user_id).values(claimed=total))
    row = session.get(Membership, (dataset_id, user_id))
    if row is not None:
        set_committed_value(row, "claimed", total)  # mirror the UPDATE in the loaded row
    return total


def _match_clause(dialect: str, key: str, param: str) -> Any:
    """Record metadata ``key`` is absent, or its value (or any item of a list) is among the
    bound list ``param``."""
    if dialect == "postgresql":
        # metadata is json (migration 0014): the key's value is cast to jsonb for ?|
        value = _rec.c["metadata"][key]
        return or_(value.is_(None),
                   cast(value, postgresql.JSONB).has_any(bindparam(
                       param, type_=postgresql.ARRAY(postgresql.TEXT))))
    path = '$."' + key.replace('"', "") + '"'
    each = func.json_each(_rec.c["metadata"], path).table_valued("value")
    return or_(func.json_type(_rec.c["metadata"], path).is_(None),
               exists(select(literal(1)).select_from(each).where(
                   each.c.value.in_(bindparam(param, expanding=True)))))


def find_open_matching(session: Session, dataset_id: int, user_id: int,
                       rules: list[tuple[str, list[str]]], *,
                       skip_locked: bool = False) -> int | None:
    """Like :func:`accord.store.queue.find_open_from_start`, limited to records whose metadata
    match every ``(metadata key, allowed values)`` rule."""
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"ds": dataset_id, "uid": user_id}
    stmt = select(_rec.c.id).where(_rec.c.dataset_id == bindparam("ds"),
                                   _rec.c.queue_state == QUEUE_OPEN, NOT_SEEN)
    for i, (key, values) in enumerate(rules):
        stmt = stmt.where(_match_clause(dialect, key, f"m{i}"))
        params[f"m{i}"] = [str(v) for v in values]
    stmt = stmt.order_by(_rec.c.priority.desc(), _rec.c.id).limit(ONE)
    if skip_locked:
        stmt = skipping_locked(stmt)
    return session.execute(stmt, params).scalar()


def recent_gold_scores(session: Session, dataset_id: int, user_id: int,
                       since: datetime | None, limit: int) -> list[tuple[float, bool]]:
    """The user's last ``limit`` scored gold answers since ``since``, newest first, as
    ``(score, is attention check)``."""
    stmt = (select(_resp.c.gold_correct, func.coalesce(_gold.c.attention, False))
            .join(_gold, _gold.c.record_id == _resp.c.record_id, isouter=True)
            .where(_resp.c.user_id == user_id, _resp.c.dataset_id == dataset_id,
                   _resp.c.status == "submitted", _resp.c.gold_correct.is_not(None)))
    if since is not None:
        stmt = stmt.where(_resp.c.submitted_at >= since)
    rows = session.execute(stmt.order_by(_resp.c.submitted_at.desc(), _resp.c.id.desc())
                           .limit(limit))
    return [(float(score), bool(att)) for score, att in rows]


def recent_consensus_pairs(session: Session, dataset_id: int, user_id: int,
                           since: datetime | None, limit: int
                           ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The user's last ``limit`` submitted responses to records with a consensus, as
    ``(their values, {question: consensus value})``."""
    agg = Aggregate.__table__
    has_agg = exists().where(agg.c.record_id == _resp.c.record_id)
    stmt = (select(_resp.c.record_id, _resp.c["values"])
            .where(_resp.c.user_id == user_id, _resp.c.dataset_id == dataset_id,
                   _resp.c.status == "submitted", _resp.c.gold_correct.is_(None), has_agg))
    if since is not None:
        stmt = stmt.where(_resp.c.submitted_at >= since)
    rows = session.execute(stmt.order_by(_resp.c.submitted_at.desc(), _resp.c.id.desc())
                           .limit(limit)).all()
    if not rows:
        return []
    consensus: dict[int, dict[str, Any]] = {}
    for rid, question, value in session.execute(
            select(agg.c.record_id, agg.c.question, agg.c["value"])
            .where(agg.c.record_id.in_([r for r, _ in rows]))):
        consensus.setdefault(rid, {})[question] = value
    return [(values or {}, consensus.get(rid, {})) for rid, values in rows]


def workforce_members(session: Session, dataset_id: int) -> list[tuple[Membership, User]]:
    """Every member of the dataset with their user, by name."""
    rows = session.execute(select(Membership, User).join(User, User.id == Membership.user_id)
                           .where(Membership.dataset_id == dataset_id).order_by(User.name))
    return [(m, u) for m, u in rows]


def timesheet_rows(session: Session, dataset_id: int, *, since: datetime | None = None,
                   until: datetime | None = None) -> Iterator[tuple[str, datetime, float]]:
    """``(user name, submitted_at, time_spent)`` of every submitted response, streamed."""
    stmt = (select(User.name, _resp.c.submitted_at, _resp.c.time_spent)
            .join(User, User.id == _resp.c.user_id)
            .where(_resp.c.dataset_id == dataset_id, _resp.c.status == "submitted",
                   _resp.c.submitted_at.is_not(None)))
    if since is not None:
        stmt = stmt.where(_resp.c.submitted_at >= since)
    if until is not None:
        stmt = stmt.where(_resp.c.submitted_at < until)
    for name, at, spent in session.execute(stmt.execution_options(yield_per=5000)):
        yield name, at, float(spent or 0.0)


def gold_extras(session: Session, record_id: int) -> GoldAnswer | None:
    """The gold answer row (values, explanation, attention flag)."""
    return session.get(GoldAnswer, record_id)


def set_gold_extras(session: Session, record_id: int, *, explanation: str | None,
                    attention: bool) -> None:
    """Set a gold answer's explanation and attention flag (the row must exist)."""
    row = session.get(GoldAnswer, record_id)
    if row is None:
        return
    row.explanation = explanation
    row.attention = attention
    session.flush()
