"""The distribution queue's SQL: leases, claims and record counters.

A record's ``claims`` counts its live leases plus its submitted responses;
``queue_state`` is OPEN while claims < overlap, FULL when every needed
annotator holds it, DONE when completed, GOLD for gold records. Every counter
change is a single UPDATE with arithmetic in SQL, so concurrent workers on
PostgreSQL never lose an increment, and ``claims < overlap`` is re-checked
under the row lock before a record is handed out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, exists, select, update
from sqlalchemy.orm import Session

from accord.store.models import (
    QUEUE_DONE, QUEUE_FULL, QUEUE_GOLD, QUEUE_OPEN, Lease, Record, Response,
)

__all__ = ["reclaim_expired", "live_lease", "find_open_record", "claim_record", "find_gold_record",
           "add_lease", "drop_lease", "extend_lease", "bump_counters", "queue_state_expr"]


def queue_state_expr(overlap: int, d_claims: int = 0, d_submitted: int = 0):  # type: ignore[no-untyped-def]
    """SQL CASE computing the new queue_state from the old row and the deltas."""
    return case(
        (Record.is_gold, QUEUE_GOLD),
        (Record.submitted + d_submitted >= overlap, QUEUE_DONE),
        (Record.claims + d_claims >= overlap, QUEUE_FULL),
        else_=QUEUE_OPEN,
    )


def reclaim_expired(session: Session, dataset_id: int, now: datetime, overlap: int,
                    *, limit: int = 500) -> int:
    """Delete expired leases and give their claims back; returns how many expired.

    Uses the (dataset_id, expires_at) index: the cost is proportional to the
    number of expired leases, not to the dataset.
    """
    ids = select(Lease.record_id, Lease.user_id).where(
        Lease.dataset_id == dataset_id, Lease.expires_at <= now).limit(limit)
    expired = session.execute(ids).all()
    if not expired:
        return 0
    n = 0
    for record_id, user_id in expired:
        gone = session.execute(delete(Lease).where(
            Lease.record_id == record_id, Lease.user_id == user_id, Lease.expires_at <= now)
            .returning(Lease.counted)).first()
        if gone is None:
            continue  # another worker reclaimed it first
        n += 1
        if gone.counted:
            bump_counters(session, record_id, overlap, d_claims=-1)
    return n


def live_lease(session: Session, dataset_id: int, user_id: int, now: datetime) -> Lease | None:
    """The user's oldest live lease in this dataset on a record they have not finished."""
    finished = exists().where(Response.record_id == Lease.record_id,
                              Response.user_id == user_id,
                              Response.status.in_(("submitted", "discarded")))
    return session.scalar(select(Lease).where(
        Lease.user_id == user_id, Lease.dataset_id == dataset_id, Lease.expires_at > now,
        ~finished).order_by(Lease.created_at, Lease.record_id).limit(1))


def _not_seen_by(user_id: int):  # type: ignore[no-untyped-def]
    answered = exists().where(Response.record_id == Record.id, Response.user_id == user_id)
    leased = exists().where(Lease.record_id == Record.id, Lease.user_id == user_id)
    return and_(~answered, ~leased)


def find_open_record(session: Session, dataset_id: int, user_id: int,
                     *, skip_locked: bool = False) -> int | None:
    """Id of the best open record this user has never seen: an index range scan in
    (dataset_id, queue_state, priority DESC, id) order."""
    stmt = (select(Record.id).where(Record.dataset_id == dataset_id,
                                    Record.queue_state == QUEUE_OPEN, _not_seen_by(user_id))
            .order_by(Record.priority.desc(), Record.id).limit(1))
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=Record)
    return session.scalar(stmt)


def claim_record(session: Session, record_id: int, overlap: int) -> bool:
    """Take one claim on an open record if it still needs annotators."""
    result = session.execute(update(Record).where(
        Record.id == record_id, Record.queue_state == QUEUE_OPEN, Record.claims < overlap)
        .values(claims=Record.claims + 1, queue_state=queue_state_expr(overlap, d_claims=1))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def find_gold_record(session: Session, dataset_id: int, user_id: int) -> int | None:
    return session.scalar(select(Record.id).where(
        Record.dataset_id == dataset_id, Record.queue_state == QUEUE_GOLD,
        _not_seen_by(user_id)).order_by(Record.priority.desc(), Record.id).limit(1))


def add_lease(session: Session, record_id: int, user_id: int, dataset_id: int,
              now: datetime, seconds: int, *, counted: bool) -> Lease:
    lease = Lease(record_id=record_id, user_id=user_id, dataset_id=dataset_id, counted=counted,
                  expires_at=now + timedelta(seconds=seconds), created_at=now)
    session.add(lease)
    session.flush()
    return lease


def drop_lease(session: Session, record_id: int, user_id: int) -> bool | None:
    """Delete the user's lease; returns whether it held a claim (None if there was none)."""
    row = session.execute(delete(Lease).where(Lease.record_id == record_id,
                                              Lease.user_id == user_id)
                          .returning(Lease.counted)).first()
    return None if row is None else bool(row.counted)


def extend_lease(session: Session, record_id: int, user_id: int, now: datetime,
                 seconds: int) -> None:
    session.execute(update(Lease).where(Lease.record_id == record_id, Lease.user_id == user_id)
                    .values(expires_at=now + timedelta(seconds=seconds))
                    .execution_options(synchronize_session=False))


def bump_counters(session: Session, record_id: int, overlap: int, *, d_claims: int = 0,
                  d_submitted: int = 0) -> None:
    """Adjust claims/submitted and recompute status and queue_state in one UPDATE."""
    session.execute(update(Record).where(Record.id == record_id).values(
        claims=Record.claims + d_claims,
        submitted=Record.submitted + d_submitted,
        status=case((and_(~Record.is_gold, Record.submitted + d_submitted >= overlap),
                     "completed"), else_="pending"),
        queue_state=queue_state_expr(overlap, d_claims, d_submitted),
    ).execution_options(synchronize_session=False))
