"""Responses and suggestions written in bulk: migration imports and fast test/bench fixtures.

A migration (Label Studio, Argilla, TRL, OpenAI files) brings answers that
were given elsewhere. They are stored like any other response, attributed to
users whose names say where they came from (``imported:trl``), with a
history row each, and the records' distribution counters (``claims``,
``submitted``, ``status``, ``queue_state``) updated with the same rule as the
annotator loop (:mod:`accord.store.record_status`). Nothing here commits: the
caller's transaction (one per import) owns every write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accord.store.json_text import json_text
from accord.store.models import (
    Lease,
    Membership,
    Record,
    Response,
    ResponseHistory,
    Suggestion,
    User,
)
from accord.store.record_status import queue_state_after, status_after
from accord.store.users import check_user_name, user_name_taken

__all__ = [
    "ImportedResponse",
    "ImportedSuggestion",
    "add_members",
    "ensure_users",
    "insert_submitted_fast",
    "record_ids",
    "recount_records",
    "write_responses",
    "write_suggestions",
]

_IN_CHUNK = 900


class ImportedResponse(NamedTuple):
    """One answer to store: ``values`` is ``{question: value}``."""

    record_id: int
    user_id: int
    values: dict[str, Any]
    status: str = "submitted"
    time_spent: float = 0.0
    created_at: datetime | None = None


class ImportedSuggestion(NamedTuple):
    record_id: int
    question: str
    value: Any
    score: float | None = None
    agent: str = ""


def ensure_users(session: Session, names: Iterable[str], *, role: str = "annotator"
                 ) -> dict[str, int]:
    """Ids of the users called ``names``, creating the missing ones (no password: they
    cannot log in; they only own imported answers)."""
    wanted = sorted(set(names))
    for name in wanted:
        check_user_name(name, field="annotator")
    found: dict[str, int] = {}
    for i in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[i:i + _IN_CHUNK]
        found.update({n: uid for uid, n in session.execute(
            select(User.id, User.name).where(User.name.in_(chunk)))})
    for name in wanted:
        if name in found:
            continue
        # user names are unique ignoring case: 'Alice' answers as the existing 'alice'
        taken = user_name_taken(session, name)
        if taken is not None:
            found[name] = session.scalar(select(User.id).where(User.name == taken))
            continue
        user = User(name=name, role=role, active=True)
        session.add(user)
        session.flush()
        found[name] = user.id
    return found


def record_ids(session: Session, dataset_id: int, external_ids: Sequence[str]) -> dict[str, int]:
    """``{external_id: record id}`` for the records of a dataset that exist."""
    out: dict[str, int] = {}
    ids = list(dict.fromkeys(external_ids))
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i:i + _IN_CHUNK]
        out.update({ext: rid for rid, ext in session.execute(
            select(Record.id, Record.external_id).where(Record.dataset_id == dataset_id,
                                                        Record.external_id.in_(chunk)))})
    return out


def add_members(session: Session, dataset_id: int, user_ids: Iterable[int], *,
                stamp: datetime) -> None:
    """Make the users members of the dataset (idempotent)."""
    ids = sorted(set(user_ids))
    existing = set(session.scalars(select(Membership.user_id).where(
        Membership.dataset_id == dataset_id, Membership.user_id.in_(ids)))) if ids else set()
    for uid in ids:
        if uid not in existing:
            session.add(Membership(dataset_id=dataset_id, user_id=uid, created_at=stamp))
    session.flush()


def write_responses(session: Session, dataset_id: int, rows: Sequence[ImportedResponse], *,
                    overlap: int, stamp: datetime) -> tuple[int, int]:
    """Insert or update responses by ``(record_id, user_id)``; returns ``(inserted, updated)``.

    Every write adds a history row; records' counters follow the status
    changes (a new submitted response is one more claim and submission).
    """
    if not rows:
        return 0, 0
    keys = {(r.record_id, r.user_id) for r in rows}
    existing: dict[tuple[int, int], tuple[int, str, int, dict[str, Any]]] = {}
    rec_ids = sorted({k[0] for k in keys})
    for i in range(0, len(rec_ids), _IN_CHUNK):
        chunk = rec_ids[i:i + _IN_CHUNK]
        for rid, uid, resp_id, status, version, values in session.execute(
                select(Response.record_id, Response.user_id, Response.id, Response.status,
                       Response.version, Response.values).where(Response.record_id.in_(chunk))):
            if (rid, uid) in keys:
                existing[(rid, uid)] = (resp_id, status, version, values)
    latest = {(r.record_id, r.user_id): r for r in rows}  # one response per user and record
    d_sub: dict[int, int] = defaultdict(int)
    history: list[dict[str, Any]] = []
    fresh = [r for key, r in latest.items() if key not in existing]
    if fresh:
        table = Response.__table__
        returned = session.execute(
            table.insert().returning(table.c.id, table.c.record_id, table.c.user_id,
                                     sort_by_parameter_order=True),
            [{"record_id": r.record_id, "dataset_id": dataset_id, "user_id": r.user_id,
              "values": r.values, "status": r.status, "time_spent": r.time_spent, "version": 1,
              "created_at": r.created_at or stamp, "updated_at": stamp,
              "submitted_at": (r.created_at or stamp) if r.status == "submitted" else None}
             for r in fresh]).all()
        for (resp_id, _rid, _uid), r in zip(returned, fresh, strict=True):
            history.append({"response_id": resp_id, "user_id": r.user_id, "version": 1,
                            "old_status": None, "new_status": r.status, "old_values": None,
                            "new_values": r.values, "changed_at": stamp})
            d_sub[r.record_id] += r.status == "submitted"
    updated = 0
    for key, row in latest.items():
        prev = existing.get(key)
        if prev is None:
            continue
        resp_id, old_status, version, old_values = prev
        when = row.created_at or stamp
        extra = {"submitted_at": when} if row.status == "submitted" != old_status else {}
        session.execute(update(Response).where(Response.id == resp_id).values(
            values=row.values, status=row.status, version=version + 1, updated_at=stamp,
            **extra).execution_options(synchronize_session=False))
        history.append({"response_id": resp_id, "user_id": row.user_id, "version": version + 1,
                        "old_status": old_status, "new_status": row.status,
                        "old_values": old_values, "new_values": row.values, "changed_at": stamp})
        d_sub[row.record_id] += (row.status == "submitted") - (old_status == "submitted")
        updated += 1
    inserted = len(fresh)
    session.execute(ResponseHistory.__table__.insert(), history)
    _bump(session, d_sub, overlap)
    return inserted, updated


def _bump(session: Session, deltas: dict[int, int], overlap: int) -> None:
    """Apply submission deltas (each submission is also a claim), grouped by delta."""
    by_delta: dict[int, list[int]] = defaultdict(list)
    for rid, d in deltas.items():
        if d:
            by_delta[d].append(rid)
    for d, ids in by_delta.items():
        for i in range(0, len(ids), _IN_CHUNK):
            session.execute(update(Record).where(Record.id.in_(ids[i:i + _IN_CHUNK])).values(
                claims=Record.claims + d, submitted=Record.submitted + d,
                status=status_after(overlap, d), queue_state=queue_state_after(overlap, d, d),
            ).execution_options(synchronize_session=False))


def write_suggestions(session: Session, rows: Sequence[ImportedSuggestion], *,
                      stamp: datetime) -> int:
    """Insert or replace suggestions by ``(record_id, question, agent)``."""
    if not rows:
        return 0
    table = Suggestion.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    latest = {(r.record_id, r.question, r.agent): r for r in rows}
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.record_id, table.c.question, table.c.agent],
        set_={"value": stmt.excluded.value, "score": stmt.excluded.score,
              "created_at": stmt.excluded.created_at})
    session.execute(stmt, [{"record_id": r.record_id, "question": r.question, "value": r.value,
                            "score": r.score, "agent": r.agent, "created_at": stamp}
                           for r in latest.values()])
    return len(latest)


_SQLITE_RESPONSE = (
    'INSERT INTO responses (record_id, dataset_id, user_id, "values", status, time_spent, '
    "version, created_at, updated_at, submitted_at) VALUES (?, ?, ?, ?, 'submitted', ?, 1, ?, ?, ?)"
)


def insert_submitted_fast(session: Session, dataset_id: int,
                          rows: Sequence[tuple[int, int, dict[str, Any], float]], *,
                          stamp: datetime) -> None:
    """Bulk-insert new submitted responses ``(record_id, user_id, values, time_spent)``.

    For benchmarks and large fixtures: no history rows and no counter
    updates (call :func:`recount_records` afterwards). On SQLite it is one
    prepared statement with bound tuples, like the import hot path.
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        when = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")
        params = [(r, dataset_id, u, json_text(v), t, when, when, when)
                  for r, u, v, t in rows]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(_SQLITE_RESPONSE, params)
        finally:
            cursor.close()
        return
    conn.execute(Response.__table__.insert(), [
        {"record_id": r, "dataset_id": dataset_id, "user_id": u, "values": v,
         "status": "submitted", "time_spent": t, "version": 1, "created_at": stamp,
         "updated_at": stamp, "submitted_at": stamp} for r, u, v, t in rows])


def recount_records(session: Session, dataset_id: int, *, overlap: int) -> None:
    """Recompute ``submitted``, ``claims``, ``status`` and ``queue_state`` of every record
    from its submitted responses (after :func:`insert_submitted_fast`; live leases are
    kept as claims)."""
    sub = (select(func.count()).select_from(Response)
           .where(Response.record_id == Record.id, Response.status == "submitted")
           .scalar_subquery())
    leases = (select(func.count()).select_from(Lease)
              .where(Lease.record_id == Record.id, Lease.counted.is_(True)).scalar_subquery())
    session.execute(update(Record).where(Record.dataset_id == dataset_id)
                    .values(submitted=sub, claims=sub + leases)
                    .execution_options(synchronize_session=False))
    session.execute(update(Record).where(Record.dataset_id == dataset_id).values(
        status=status_after(overlap), queue_state=queue_state_after(overlap),
    ).execution_options(synchronize_session=False))
