"""The distribution queue's SQL: leases, claims and record counters.

A record's ``claims`` counts its live leases plus its submitted responses;
``queue_state`` is OPEN while claims < overlap, FULL when every needed
annotator holds it, DONE when completed, GOLD for gold records. Every counter
change is a single UPDATE with arithmetic in SQL, so concurrent workers on
PostgreSQL never lose an increment, and ``claims < overlap`` is re-checked
under the row lock before a record is handed out.

The statements are built once at import with bound parameters: the annotator
loop runs them thousands of times a second and SQLAlchemy then reuses their
compiled form (bench/loop_bench.py); :func:`accord.store.direct.run` executes them on the
DBAPI cursor.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from accord.store.detached import (
    RESPONSE_COLUMNS,
    RESPONSE_KEYS,
    columns_of,
    detached,
    load_record,
    load_response,
)
from accord.store.direct import Rows, run
from accord.store.models import (
    QUEUE_GOLD,
    QUEUE_OPEN,
    Dataset,
    Lease,
    QueueCursor,
    Record,
    Response,
)
from accord.store.record_status import queue_state_after, status_after
from accord.store.suggestion_rows import SuggestionRow, suggestion_rows, suggestions_json

__all__ = ["reclaim_expired", "live_lease", "claim_record", "find_gold_record",
           "add_lease", "drop_lease", "extend_lease", "bump_counters", "cursor_of",
           "find_open_after", "find_open_from_start", "set_cursor", "bump_epoch",
           "bump_epoch_of_record", "NOT_SEEN", "LeaseFact", "lease_of", "held_by_other",
           "take_lease", "touch_lease", "insert_if_new", "skipping_locked",
           "NextState", "next_state", "counter_update", "Claimed", "claim_and_lease", "RECORD_KEYS",
           "response_and_lease", "record_response_and_lease", "find_and_claim", "NOT_FOUND", "ONE"]

_rec = Record.__table__
_lease = Lease.__table__
_resp = Response.__table__
_ds = Dataset.__table__
_cur = QueueCursor.__table__


def _queue_state(d_claims, d_submitted):  # type: ignore[no-untyped-def]
    """CASE computing the new queue_state from the old row and the deltas."""
    return queue_state_after(bindparam("overlap"), d_claims, d_submitted)


# LIMIT 1 written in the statement, not a bound parameter: PostgreSQL plans a prepared
# statement once (a generic plan) only when that plan does not look dearer than the
# custom plans of its first executions, and with LIMIT $n it cannot know the limit is 1
# (it costs the plan for a tenth of the rows): the queue's finders were planned again at
# every execution (0.2-0.3 ms of PostgreSQL's CPU each at a load of 10)
ONE = literal_column("1")
_EXPIRED = (select(_lease.c.record_id, _lease.c.user_id)
            .where(_lease.c.dataset_id == bindparam("ds"), _lease.c.expires_at <= bindparam("now"))
            .limit(bindparam("lim")))
_DELETE_EXPIRED = (delete(_lease).where(_lease.c.record_id == bindparam("rid"),
                                        _lease.c.user_id == bindparam("uid"),
                                        _lease.c.expires_at <= bindparam("now"))
                   .returning(_lease.c.counted))
_LIVE = (select(_lease.c.record_id).where(
    _lease.c.user_id == bindparam("uid"), _lease.c.dataset_id == bindparam("ds"),
    _lease.c.expires_at > bindparam("now"),
    ~exists().where(_resp.c.record_id == _lease.c.record_id,
                    _resp.c.user_id == bindparam("uid"),
                    # two comparisons, not IN: an IN list is expanded at every execution
                    or_(_resp.c.status == "submitted", _resp.c.status == "discarded")))
    .order_by(_lease.c.created_at, _lease.c.record_id).limit(ONE))
# a record the user has neither answered nor holds (one statement shape for every finder)
NOT_SEEN = and_(
    ~exists().where(_resp.c.record_id == _rec.c.id, _resp.c.user_id == bindparam("uid")),
    ~exists().where(_lease.c.record_id == _rec.c.id, _lease.c.user_id == bindparam("uid")))
# the same walk resumed after a cursor at (priority p, id r): first the rest of priority p
# (id > r), then lower priorities; each is one seek in ix_records_queue
_OPEN_FROM_START = (select(_rec.c.id, _rec.c.priority)
                    .where(_rec.c.dataset_id == bindparam("ds"),
                           _rec.c.queue_state == QUEUE_OPEN, NOT_SEEN)
                    .order_by(_rec.c.priority.desc(), _rec.c.id).limit(ONE))
_OPEN_SAME_PRIORITY = (select(_rec.c.id, _rec.c.priority)
                       .where(_rec.c.dataset_id == bindparam("ds"),
                              _rec.c.queue_state == QUEUE_OPEN,
                              _rec.c.priority == bindparam("p"), _rec.c.id > bindparam("r"),
                              NOT_SEEN)
                       .order_by(_rec.c.priority.desc(), _rec.c.id).limit(ONE))
_OPEN_LOWER_PRIORITY = (select(_rec.c.id, _rec.c.priority)
                        .where(_rec.c.dataset_id == bindparam("ds"),
                               _rec.c.queue_state == QUEUE_OPEN,
                               _rec.c.priority < bindparam("p"), NOT_SEEN)
                        .order_by(_rec.c.priority.desc(), _rec.c.id).limit(ONE))
_CURSOR = (select(_cur.c.priority, _cur.c.record_id)
           .join_from(_cur, _ds, _ds.c.id == _cur.c.dataset_id)
           .where(_cur.c.dataset_id == bindparam("ds"), _cur.c.user_id == bindparam("uid"),
                  _cur.c.epoch == _ds.c.queue_epoch))
# what ``next`` reads before it finds a record, in one statement (one round trip on
# PostgreSQL instead of three): whether any lease of the dataset expired (the reclaim then
# runs), the caller's live lease and their queue cursor (NULLs when it is stale or unset)
_NEXT_STATE = (select(
    exists(_EXPIRED.with_only_columns(_lease.c.record_id).limit(None)).label("expired"),
    _LIVE.scalar_subquery().label("held"), _cur.c.priority, _cur.c.record_id)
    .select_from(_ds).outerjoin(_cur, and_(_cur.c.dataset_id == _ds.c.id,
                                           _cur.c.user_id == bindparam("uid"),
                                           _cur.c.epoch == _ds.c.queue_epoch))
    .where(_ds.c.id == bindparam("ds")))
_EPOCH = select(_ds.c.queue_epoch).where(_ds.c.id == bindparam("ds")).scalar_subquery()
_BUMP_EPOCH = (update(_ds).where(_ds.c.id == bindparam("ds"))
               .values(queue_epoch=_ds.c.queue_epoch + 1))
_BUMP_EPOCH_OF_RECORD = (update(_ds).where(_ds.c.id == select(_rec.c.dataset_id).where(
    _rec.c.id == bindparam("rid")).scalar_subquery()).values(queue_epoch=_ds.c.queue_epoch + 1))


def _upsert_cursor(dialect: str):  # type: ignore[no-untyped-def]
    ins = (postgresql.insert(_cur) if dialect == "postgresql" else sqlite.insert(_cur)).values(
        dataset_id=bindparam("ds"), user_id=bindparam("uid"), epoch=_EPOCH,
        priority=bindparam("p"), record_id=bindparam("r"))
    return ins.on_conflict_do_update(
        index_elements=[_cur.c.dataset_id, _cur.c.user_id],
        set_={"epoch": ins.excluded.epoch, "priority": ins.excluded.priority,
              "record_id": ins.excluded.record_id})


_SET_CURSOR = {"postgresql": _upsert_cursor("postgresql"), "sqlite": _upsert_cursor("sqlite")}
_GOLD = (select(_rec.c.id).where(_rec.c.dataset_id == bindparam("ds"),
                                 _rec.c.queue_state == QUEUE_GOLD, NOT_SEEN)
         .order_by(_rec.c.priority.desc(), _rec.c.id).limit(ONE))


def _same_state(d_claims, d_submitted):  # type: ignore[no-untyped-def]
    """SQLite: the condition under which a counter UPDATE with these deltas leaves the
    record's ``status`` and ``queue_state`` as they are; the UPDATE then sets only the
    counters (the ``same_state`` forms of :func:`_claim_of` and :func:`counter_update`).

    SQLite rewrites the index entries of every column an UPDATE's SET names, whether or
    not its value changes: setting ``status`` and ``queue_state`` to what they were wrote a
    page of ``ix_records_status`` and of ``ix_records_queue`` to the WAL in most claims
    and submissions (a record changes state once per ``overlap`` of them), three of the
    21 pages of a next + submit cycle. :func:`_counters` runs the ``same_state`` form
    first and the full one when it matched no row; the condition compares the row with
    the expressions the full statement sets, so the rule stays in
    :mod:`accord.store.record_status`."""
    return and_(_rec.c.status == status_after(bindparam("overlap"), d_submitted),
                _rec.c.queue_state == _queue_state(d_claims, d_submitted))


def _claim_of(record_id, same_state: bool = False):  # type: ignore[no-untyped-def]
    """The claim's UPDATE of the record ``record_id`` (a parameter or a sub-SELECT)."""
    stmt = update(_rec).where(_rec.c.id == record_id, _rec.c.queue_state == QUEUE_OPEN,
                              _rec.c.claims < bindparam("overlap"))
    if same_state:
        return stmt.where(_same_state(1, 0)).values(claims=_rec.c.claims + 1)
    return stmt.values(claims=_rec.c.claims + 1, queue_state=_queue_state(1, 0))


_CLAIM = _claim_of(bindparam("rid"))


def _claim_lease_cursor(with_cursor: bool, finder=None):  # type: ignore[no-untyped-def]
    """PostgreSQL: the claim, the caller's lease and (``with_cursor``) their queue cursor in
    ONE statement (data-modifying CTEs; three round trips on PostgreSQL otherwise),
    returning the claimed record's columns (the new row), whether the lease was written and
    the record's suggestions (:func:`accord.store.suggestion_rows.suggestions_json`: the
    record ``next`` answers with, without a statement of its own).
    The parts are the statements SQLite runs one by one (:data:`_CLAIM`, :data:`_ADD_LEASE`,
    :data:`_SET_CURSOR`): no row when the claim found no room, ``leased`` NULL when the
    caller held a lease on the record already (their concurrent request won).

    With ``finder`` (one of the queue's finders, locking as :func:`skipping_locked` or
    not) the record is the one the finder returns, in the same statement (the queue's
    ``UPDATE ... WHERE id = (SELECT ... FOR NO KEY UPDATE SKIP LOCKED LIMIT 1)``): the
    first column then says whether it found one (no row: it found none; ``claimed``
    columns NULL: the claim found no room) and the cursor moves to the found record's
    priority."""
    found = None if finder is None else finder.cte("found")
    claim = _CLAIM if found is None else _claim_of(select(found.c.id).scalar_subquery())
    claimed = claim.returning(*_RECORD_COLUMNS).cte("claimed")
    ins = postgresql.insert(_lease).from_select(
        ["record_id", "user_id", "dataset_id", "counted", "expires_at", "created_at"],
        select(claimed.c.id, bindparam("uid", type_=_lease.c.user_id.type),
               bindparam("ds", type_=_lease.c.dataset_id.type), true(),
               bindparam("until", type_=_lease.c.expires_at.type),
               bindparam("now", type_=_lease.c.created_at.type)))
    leased = (ins.on_conflict_do_nothing(index_elements=[_lease.c.record_id, _lease.c.user_id])
              .returning(_lease.c.record_id).cte("leased"))
    # the claimed record's suggestions, which ``next`` answers with (record_extras)
    suggestions = suggestions_json(claimed.c.id).scalar_subquery().label("suggestions")
    if found is None:
        stmt = (select(*claimed.c, leased.c.record_id.label("leased"), suggestions)
                .select_from(claimed.outerjoin(leased, true())))
        priority = bindparam("p", type_=_cur.c.priority.type)
    else:
        stmt = (select(found.c.id.label("found"), *claimed.c,
                       leased.c.record_id.label("leased"), suggestions)
                .select_from(found.outerjoin(claimed, true()).outerjoin(leased, true())))
        priority = found.c.priority
    if with_cursor:
        cur = postgresql.insert(_cur).from_select(
            ["dataset_id", "user_id", "epoch", "priority", "record_id"],
            select(bindparam("ds", type_=_cur.c.dataset_id.type),
                   bindparam("uid", type_=_cur.c.user_id.type), _EPOCH,
                   priority, leased.c.record_id))
        moved = cur.on_conflict_do_update(
            index_elements=[_cur.c.dataset_id, _cur.c.user_id],
            set_={"epoch": cur.excluded.epoch, "priority": cur.excluded.priority,
                  "record_id": cur.excluded.record_id}).cte("moved")
        stmt = stmt.add_cte(moved)
    return stmt


_RECORD_COLUMNS, RECORD_KEYS = columns_of(Record)
_CLAIM_RECORD = _CLAIM.returning(*_RECORD_COLUMNS)
_CLAIM_RECORD_SAME_STATE = _claim_of(bindparam("rid"), same_state=True) \
    .returning(*_RECORD_COLUMNS)

_CLAIM_LEASE = {True: _claim_lease_cursor(True), False: _claim_lease_cursor(False)}


def insert_if_new(dialect: str, table, conflict):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT DO NOTHING: a row that exists already (a concurrent request
    of the same user won) is not an error, and costs no savepoint (two round trips on
    PostgreSQL) around the insert."""
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing(index_elements=conflict)


# RETURNING says whether the row was written (an INSERT's rowcount is not kept)
_ADD_LEASE = {d: insert_if_new(d, _lease, [_lease.c.record_id, _lease.c.user_id])
              .returning(_lease.c.record_id) for d in ("postgresql", "sqlite")}
_DROP_LEASE_ROWS = delete(_lease).where(_lease.c.record_id == bindparam("rid"),
                                        _lease.c.user_id == bindparam("uid"))
_DROP_LEASE = _DROP_LEASE_ROWS.returning(_lease.c.counted)
_LEASE_FACT = (_lease.c.counted, _lease.c.created_at)
_LEASE_OF = select(*_LEASE_FACT).where(_lease.c.record_id == bindparam("rid"),
                                       _lease.c.user_id == bindparam("uid"))
_HELD_BY_OTHER = (select(_lease.c.user_id).where(
    _lease.c.record_id == bindparam("rid"), _lease.c.user_id != bindparam("uid"),
    _lease.c.expires_at > bindparam("now")).limit(ONE))
_TAKE_LEASE = _DROP_LEASE_ROWS.returning(*_LEASE_FACT)
_TOUCH_LEASE = (update(_lease).where(_lease.c.record_id == bindparam("rid"),
                                     _lease.c.user_id == bindparam("uid"))
                .values(expires_at=bindparam("until")).returning(*_LEASE_FACT))
_EXTEND = (update(_lease).where(_lease.c.record_id == bindparam("rid"),
                                _lease.c.user_id == bindparam("uid"))
           .values(expires_at=bindparam("until")))


def counter_update(same_state: bool = False):  # type: ignore[no-untyped-def]
    """The record counters' UPDATE (:func:`bump_counters`; parameters ``rid``, ``dc``,
    ``dsub``, ``overlap``), for statements that combine it with others."""
    stmt = update(_rec).where(_rec.c.id == bindparam("rid"))
    counters = {"claims": _rec.c.claims + bindparam("dc"),
                "submitted": _rec.c.submitted + bindparam("dsub")}
    if same_state:
        return stmt.where(_same_state(bindparam("dc"), bindparam("dsub"))).values(**counters)
    return stmt.values(**counters, status=status_after(bindparam("overlap"), bindparam("dsub")),
                       queue_state=_queue_state(bindparam("dc"), bindparam("dsub")))


_BUMP = counter_update()
_BUMP_SAME_STATE = counter_update(same_state=True)


def _counters(session: Session, full: Any, same_state: Any, params: dict[str, Any]) -> Rows:
    """Run the counter UPDATE ``full``; on SQLite its ``same_state`` form first
    (:func:`_same_state`) when the change may leave the record's state as it is. With an
    overlap of 1 every claim fills its record and every submission completes it: the full
    statement at once."""
    if params["overlap"] > 1 and session.get_bind().dialect.name == "sqlite":
        result = run(session, same_state, params)
        if result.rows or result.rowcount > 0:
            return result
    return run(session, full, params)


def reclaim_expired(session: Session, dataset_id: int, now: datetime, overlap: int,
                    *, limit: int = 500) -> int:
    """Delete expired leases and give their claims back; returns how many expired.

    Uses the (dataset_id, expires_at) index: the cost is proportional to the
    number of expired leases, not to the dataset.
    """
    expired = run(session, _EXPIRED, {"ds": dataset_id, "now": now, "lim": limit}).all()
    n = 0
    for record_id, user_id in expired:
        gone = run(session, _DELETE_EXPIRED, {"rid": record_id, "uid": user_id,
                                              "now": now}).first()
        if gone is None:
            continue  # another worker reclaimed it first
        n += 1
        if gone.counted:
            bump_counters(session, record_id, overlap, d_claims=-1)
    return n


def live_lease(session: Session, dataset_id: int, user_id: int, now: datetime) -> int | None:
    """Record id of the user's oldest live lease on a record they have not finished."""
    return run(session, _LIVE, {"uid": user_id, "ds": dataset_id,
                                "now": now}).scalar()


class NextState(NamedTuple):
    """What ``next`` starts from: whether leases of the dataset expired (reclaim them, then
    read again), the caller's live lease (a record id) and their queue cursor."""

    expired: bool
    held: int | None
    cursor: tuple[float, int] | None


def next_state(session: Session, dataset_id: int, user_id: int, now: datetime) -> NextState:
    """:func:`live_lease`, :func:`cursor_of` and whether :func:`reclaim_expired` has work,
    in one statement."""
    row = run(session, _NEXT_STATE, {"ds": dataset_id, "uid": user_id, "now": now}).first()
    if row is None:  # the dataset is gone (a delete waits for the caller's lock on it)
        return NextState(False, None, None)
    return NextState(bool(row.expired), row.held,
                     None if row.record_id is None else (row.priority, row.record_id))


def cursor_of(session: Session, dataset_id: int, user_id: int) -> tuple[float, int] | None:
    """The user's live queue cursor ``(priority, record id)``, or None when there is none
    or the dataset's queue moved on since it was set (see :class:`QueueCursor`)."""
    row = run(session, _CURSOR, {"ds": dataset_id, "uid": user_id}).first()
    return None if row is None else (row.priority, row.record_id)


def skipping_locked(stmt):  # type: ignore[no-untyped-def]
    """A finder that locks the record it returns and skips records other requests hold
    (PostgreSQL): ``FOR NO KEY UPDATE SKIP LOCKED``, the lock the claim's UPDATE takes.

    Not ``FOR UPDATE``: a write that only references a record (a response, lease or
    history row whose foreign-key check takes ``FOR KEY SHARE`` on it) conflicts with
    ``FOR UPDATE``, so ``next`` skipped records others were merely writing answers to and
    handed them out out of queue order (and blocked those inserts while it held one).
    ``FOR NO KEY UPDATE`` still conflicts with another finder's lock and with the counter
    updates of a submit or a claim, which is all the finder needs to keep two requests off
    the same row; exact overlap does not depend on it: the claim's ``UPDATE ... WHERE
    claims < overlap`` re-checks the row under its own lock."""
    return stmt.with_for_update(skip_locked=True, key_share=True)


_SKIP_LOCKED = {id(stmt): skipping_locked(stmt)
                for stmt in (_OPEN_FROM_START, _OPEN_SAME_PRIORITY, _OPEN_LOWER_PRIORITY)}


# PostgreSQL: each default finder (skipping locked rows or not) with the claim, the lease
# and the cursor in one statement (find_and_claim)
_FIND_AND_CLAIM = {(id(stmt), skip): _claim_lease_cursor(True, _SKIP_LOCKED[id(stmt)]
                                                          if skip else stmt)
                   for stmt in (_OPEN_FROM_START, _OPEN_SAME_PRIORITY, _OPEN_LOWER_PRIORITY)
                   for skip in (True, False)}
NOT_FOUND = object()


def find_and_claim(session: Session, dataset_id: int, user_id: int,
                   cursor: tuple[float, int] | None, now: datetime, seconds: int, overlap: int,
                   *, skip_locked: bool) -> object | tuple[int, Claimed | None]:
    """PostgreSQL: :func:`find_open_after` (from ``cursor``) or else
    :func:`find_open_from_start`, each with :func:`claim_and_lease` of the record it finds
    (the cursor moved to it) in the same statement: ``(record id, claimed)`` (``claimed``
    None when the claim found no room), or :data:`NOT_FOUND`."""
    params = {"ds": dataset_id, "uid": user_id, "overlap": overlap, "now": now,
              "until": now + timedelta(seconds=seconds)}
    stages = [(_OPEN_FROM_START, params)]
    if cursor is not None:
        after = {**params, "p": cursor[0], "r": cursor[1]}
        stages[:0] = [(_OPEN_SAME_PRIORITY, after), (_OPEN_LOWER_PRIORITY, after)]
    for stmt, p in stages:
        row = run(session, _FIND_AND_CLAIM[(id(stmt), skip_locked)], p).first()
        if row is not None:
            claimed = None if row[1] is None else \
                Claimed(tuple(row[1:-2]), row[-2] is not None, suggestion_rows(row[0], row[-1]))
            return row[0], claimed
    return NOT_FOUND


def _lock(stmt, skip_locked: bool):  # type: ignore[no-untyped-def]
    """The finder, locking as :func:`skipping_locked` when ``skip_locked`` (PostgreSQL);
    built once per finder, like every statement here."""
    return _SKIP_LOCKED[id(stmt)] if skip_locked else stmt


def find_open_after(session: Session, dataset_id: int, user_id: int, cursor: tuple[float, int],
                    *, skip_locked: bool = False) -> tuple[int, float] | None:
    """``(id, priority)`` of the first open record after ``cursor`` in queue order that the
    user has never seen: two index seeks, whatever the user answered before the cursor."""
    params = {"ds": dataset_id, "uid": user_id, "p": cursor[0], "r": cursor[1]}
    for stmt in (_OPEN_SAME_PRIORITY, _OPEN_LOWER_PRIORITY):
        row = run(session, _lock(stmt, skip_locked), params).first()
        if row is not None:
            return row.id, row.priority
    return None


def find_open_from_start(session: Session, dataset_id: int, user_id: int,
                         *, skip_locked: bool = False) -> tuple[int, float] | None:
    """``(id, priority)`` of the best open record this user has never seen: an index range
    scan in (dataset_id, queue_state, priority DESC, id) order from the top of the queue."""
    row = run(session, _lock(_OPEN_FROM_START, skip_locked),
              {"ds": dataset_id, "uid": user_id}).first()
    return None if row is None else (row.id, row.priority)


def set_cursor(session: Session, dataset_id: int, user_id: int, priority: float,
               record_id: int) -> None:
    """Remember where the user's walk stands, stamped with the dataset's current epoch."""
    stmt = _SET_CURSOR[session.get_bind().dialect.name]
    run(session, stmt, {"ds": dataset_id, "uid": user_id, "p": priority,
                        "r": record_id})


def bump_epoch(session: Session, dataset_id: int) -> None:
    """Invalidate every cursor of the dataset: records may now be open behind them."""
    run(session, _BUMP_EPOCH, {"ds": dataset_id})


def bump_epoch_of_record(session: Session, record_id: int) -> None:
    run(session, _BUMP_EPOCH_OF_RECORD, {"rid": record_id})


def claim_record(session: Session, record_id: int, overlap: int) -> bool:
    """Take one claim on an open record if it still needs annotators."""
    result = run(session, _CLAIM, {"rid": record_id, "overlap": overlap})
    return result.rowcount == 1


class Claimed(NamedTuple):
    """A claim taken by :func:`claim_and_lease`: the record's row after it (its columns
    named as :data:`RECORD_KEYS`) and whether the caller's lease was written (False: they
    hold one on the record already; the claim is taken and must be given back) and, on
    PostgreSQL, the record's suggestions (:class:`accord.store.suggestion_rows.SuggestionRow`;
    None: not read)."""

    row: tuple
    leased: bool
    suggestions: list[SuggestionRow] | None = None


def claim_and_lease(session: Session, record_id: int, user_id: int, dataset_id: int,
                    now: datetime, seconds: int, overlap: int,
                    priority: float | None) -> Claimed | None:
    """Claim the record (:func:`claim_record`), lease it to the user (:func:`add_lease`,
    counted) and, when ``priority`` is given, move their queue cursor to it
    (:func:`set_cursor`): None when the record had no room left. One statement on
    PostgreSQL; three on SQLite, where a statement is a function call."""
    until = now + timedelta(seconds=seconds)
    if session.get_bind().dialect.name == "postgresql":
        params = {"rid": record_id, "overlap": overlap, "uid": user_id, "ds": dataset_id,
                  "until": until, "now": now}
        if priority is not None:
            params["p"] = priority
        row = run(session, _CLAIM_LEASE[priority is not None], params).first()
        return None if row is None else \
            Claimed(tuple(row[:-2]), row[-2] is not None, suggestion_rows(record_id, row[-1]))
    row = _counters(session, _CLAIM_RECORD, _CLAIM_RECORD_SAME_STATE,
                    {"rid": record_id, "overlap": overlap}).first()
    if row is None:
        return None
    if not add_lease(session, record_id, user_id, dataset_id, now, seconds, counted=True):
        return Claimed(tuple(row), False)
    if priority is not None:
        set_cursor(session, dataset_id, user_id, priority, record_id)
    return Claimed(tuple(row), True)


def find_gold_record(session: Session, dataset_id: int, user_id: int) -> int | None:
    return run(session, _GOLD, {"ds": dataset_id, "uid": user_id}).scalar()


def add_lease(session: Session, record_id: int, user_id: int, dataset_id: int,
              now: datetime, seconds: int, *, counted: bool) -> bool:
    """Lease the record to the user; False (nothing written) when they hold it already:
    the same user asked twice at the same moment and the other request won."""
    stmt = _ADD_LEASE[session.get_bind().dialect.name]
    return run(session, stmt, {
        "record_id": record_id, "user_id": user_id, "dataset_id": dataset_id,
        "counted": counted, "expires_at": now + timedelta(seconds=seconds),
        "created_at": now}).first() is not None


def drop_lease(session: Session, record_id: int, user_id: int) -> bool | None:
    """Delete the user's lease; returns whether it held a claim (None if there was none)."""
    row = run(session, _DROP_LEASE, {"rid": record_id, "uid": user_id}).first()
    return None if row is None else bool(row.counted)


def extend_lease(session: Session, record_id: int, user_id: int, now: datetime,
                 seconds: int) -> None:
    run(session, _EXTEND, {"rid": record_id, "uid": user_id,
                           "until": now + timedelta(seconds=seconds)})


def bump_counters(session: Session, record_id: int, overlap: int, *, d_claims: int = 0,
                  d_submitted: int = 0) -> None:
    """Adjust claims/submitted and recompute status and queue_state in one UPDATE.

    A claim given back can re-open a record behind annotators' cursors, so it also
    moves the dataset's queue epoch on.
    """
    _counters(session, _BUMP, _BUMP_SAME_STATE, {"rid": record_id, "dc": d_claims,
                                                 "dsub": d_submitted, "overlap": overlap})
    if d_claims < 0:
        run(session, _BUMP_EPOCH_OF_RECORD, {"rid": record_id})


class LeaseFact(NamedTuple):
    """A user's lease on a record as the write policy sees it: whether it holds a claim,
    and when the record was handed out."""

    counted: bool
    created_at: datetime


def _fact(row) -> LeaseFact | None:  # type: ignore[no-untyped-def]
    return None if row is None else LeaseFact(bool(row.counted), row.created_at)


def lease_of(session: Session, record_id: int, user_id: int) -> LeaseFact | None:
    """The user's lease on the record (live or expired but not yet taken back), or None."""
    return _fact(run(session, _LEASE_OF, {"rid": record_id,
                                          "uid": user_id}).first())


def held_by_other(session: Session, record_id: int, user_id: int, now: datetime) -> bool:
    """Whether another user holds a live lease on the record."""
    return run(session, _HELD_BY_OTHER, {"rid": record_id, "uid": user_id,
                                         "now": now}).first() is not None


def take_lease(session: Session, record_id: int, user_id: int) -> LeaseFact | None:
    """Delete the user's lease (a submission or a discard ends it) and return what it was:
    one statement that both answers "was it handed out?" and moves the queue on."""
    return _fact(run(session, _TAKE_LEASE, {"rid": record_id,
                                            "uid": user_id}).first())


def _response_and_lease(lease_stmt, with_record: bool = False):  # type: ignore[no-untyped-def]
    """PostgreSQL: the caller's response to the record, locked (``FOR UPDATE``), and the
    lease statement ``lease_stmt`` (:data:`_TAKE_LEASE` or :data:`_TOUCH_LEASE`), in ONE
    statement: one row, the response's columns (NULLs when there is none) then the lease's
    fact (NULLs when the caller held none). The response is locked before the lease row,
    as when the two ran one after the other (a concurrent save of the same user waits at
    the response): the lease statement's one-time filter reads the locked response first.

    ``with_record``: the record's columns first (:func:`accord.store.detached.load_record`,
    not locked; NULLs when it does not exist), and the response and the lease only in the
    dataset ``ds`` (nothing is locked or changed for a record of another dataset)."""
    resp = (select(*RESPONSE_COLUMNS)
            .where(_resp.c.record_id == bindparam("rid"), _resp.c.user_id == bindparam("uid")))
    if with_record:
        resp = resp.where(_resp.c.dataset_id == bindparam("ds"))
        lease_stmt = lease_stmt.where(_lease.c.dataset_id == bindparam("ds"))
    resp = resp.with_for_update().cte("resp")
    lease = lease_stmt.where(select(func.count()).select_from(resp).scalar_subquery()
                             >= literal_column("0")) \
        .cte("lease")
    one = select(literal_column("1").label("one")).subquery("one")
    joined = one.outerjoin(resp, true()).outerjoin(lease, true())
    if not with_record:
        return select(*resp.c, *lease.c).select_from(joined)
    rec = select(*_RECORD_COLUMNS).where(_rec.c.id == bindparam("rid")).subquery("rec")
    return select(*rec.c, *resp.c, *lease.c).select_from(joined.outerjoin(rec, true()))


# (take the lease, with the record): the four shapes, built once
_RESPONSE_AND_LEASE = {(take, with_record): _response_and_lease(
    _TAKE_LEASE if take else _TOUCH_LEASE, with_record)
    for take in (True, False) for with_record in (True, False)}


def response_and_lease(session: Session, record_id: int, user_id: int, now: datetime,
                       seconds: int | None) -> tuple[Response | None, LeaseFact | None]:
    """The user's response to the record, locked on PostgreSQL (as
    :func:`accord.store.detached.load_response` with ``for_update``), and their lease
    moved on: extended by ``seconds`` (:func:`touch_lease`, a draft) or, with ``seconds``
    None, taken (:func:`take_lease`, a submission or a discard). One statement on
    PostgreSQL, two on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        own = load_response(session, record_id, user_id)
        if seconds is None:
            return own, take_lease(session, record_id, user_id)
        return own, touch_lease(session, record_id, user_id, now, seconds)
    return _response_lease_of(_read(session, record_id, user_id, None, now, seconds))


def record_response_and_lease(session: Session, record_id: int, dataset_id: int,
                              user_id: int, now: datetime, seconds: int | None
                              ) -> tuple[Record | None, Response | None, LeaseFact | None]:
    """The record (:func:`accord.store.detached.load_record`) and, when it is in dataset
    ``dataset_id``, :func:`response_and_lease`; ``(None, None, None)`` when it is not
    there. One statement on PostgreSQL (a save's first after the caller's: one round trip
    less), three on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        rec = load_record(session, record_id)
        if rec is None or rec.dataset_id != dataset_id:
            return None, None, None
        return (rec, *response_and_lease(session, record_id, user_id, now, seconds))
    row = _read(session, record_id, user_id, dataset_id, now, seconds)
    if row[_RECORD_ID] is None or row[_RECORD_DATASET] != dataset_id:
        return None, None, None
    n = len(RECORD_KEYS)
    return (detached(Record, RECORD_KEYS, row[:n]), *_response_lease_of(row[n:]))


def _read(session: Session, record_id: int, user_id: int, dataset_id: int | None,
          now: datetime, seconds: int | None):  # type: ignore[no-untyped-def]
    """The row of :data:`_RESPONSE_AND_LEASE`'s statement (PostgreSQL)."""
    params: dict[str, object] = {"rid": record_id, "uid": user_id}
    if dataset_id is not None:
        params["ds"] = dataset_id
    if seconds is not None:
        params["until"] = now + timedelta(seconds=seconds)
    stmt = _RESPONSE_AND_LEASE[(seconds is None, dataset_id is not None)]
    return run(session, stmt, params).first()


_RECORD_ID, _RECORD_DATASET = RECORD_KEYS.index("id"), RECORD_KEYS.index("dataset_id")


def _response_lease_of(row):  # type: ignore[no-untyped-def]
    """``(response, lease fact)`` from the response's and the lease's columns."""
    n = len(RESPONSE_KEYS)
    own = None if row[0] is None else detached(Response, RESPONSE_KEYS, row[:n])
    counted, created_at = row[n:]
    return own, None if counted is None else LeaseFact(bool(counted), created_at)


def touch_lease(session: Session, record_id: int, user_id: int, now: datetime,
                seconds: int) -> LeaseFact | None:
    """Extend the user's lease (a draft keeps the record) and return what it is."""
    return _fact(run(session, _TOUCH_LEASE, {
        "rid": record_id, "uid": user_id,
        "until": now + timedelta(seconds=seconds)}).first())
