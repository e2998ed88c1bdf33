"""Handing out records: overlap, leases, priority, gold mixing.

``next_record`` is stateless (everything is in the database), so any number
of uvicorn workers behave like one. Its cost is an index range scan on
``(dataset_id, queue_state, priority DESC, id)`` plus a bounded reclaim of
expired leases, never a scan of the dataset.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store import queue
from accord.store.detached import detached, load_record
from accord.store.models import Dataset, Record, User, utcnow
from accord.store.responses import mark_unanswered

__all__ = ["next_record", "release_record", "lease_record"]

_rng = random.SystemRandom()


def next_record(session: Session, ds: Dataset, settings: Settings, user: User, *,
                now: datetime | None = None, rng: random.Random | None = None,
                find_open: Callable[..., int | None] | None = None) -> Record | None:
    """The record ``user`` should annotate next, leased to them; None when nothing is left.

    Order: a record the user already holds (so a reload resumes the same
    record); with probability ``gold_rate`` a gold record the user has not
    seen; else the open record with the highest priority, then the oldest.
    A record is never handed to the same user twice and never to more users
    than ``overlap`` still needs. ``find_open`` replaces
    :func:`accord.store.queue.find_open_from_start` (assignment rules,
    :mod:`accord.workflow.assignment_rules`).
    """
    now = now or utcnow()
    dist = settings.distribution
    state = queue.next_state(session, ds.id, user.id, now)
    if state.expired:  # rare: leases ran out; the reclaim may move the queue's epoch
        queue.reclaim_expired(session, ds.id, now, dist.overlap)
        state = queue.next_state(session, ds.id, user.id, now)
    held = state.held
    if held is not None:
        queue.extend_lease(session, held, user.id, now, dist.lease_seconds)
        return load_record(session, held)
    if dist.gold_rate > 0 and (rng or _rng).random() < dist.gold_rate:
        gold_id = queue.find_gold_record(session, ds.id, user.id)
        if gold_id is not None and lease_record(session, gold_id, user, ds, now,
                                                dist.lease_seconds, counted=False):
            return load_record(session, gold_id)
    postgres = session.get_bind().dialect.name == "postgresql"
    # the default walk resumes at the user's queue cursor (accord.store.models.QueueCursor)
    cursor = None if find_open is not None else state.cursor
    for _ in range(20):
        if postgres and find_open is None:
            # the finder, the claim, the lease and the cursor in one statement
            out = queue.find_and_claim(session, ds.id, user.id, cursor, now,
                                       dist.lease_seconds, dist.overlap, skip_locked=True)
            if out is queue.NOT_FOUND:  # all locked at this instant: as below
                out = queue.find_and_claim(session, ds.id, user.id, cursor, now,
                                           dist.lease_seconds, dist.overlap, skip_locked=False)
            if out is queue.NOT_FOUND:
                return None
            record_id, claimed = out  # type: ignore[misc]
        else:
            found = _find(session, ds.id, user.id, cursor, find_open, skip_locked=postgres)
            if found is None and postgres:
                # every open record left is locked by other requests at this instant (the
                # end of a queue, several annotators claiming its last records): "nothing
                # left" would send this annotator away from work they must still do. Find
                # without skipping; the claim's UPDATE waits for the holder, then re-checks
                # the record's room.
                found = _find(session, ds.id, user.id, cursor, find_open, skip_locked=False)
            if found is None:
                return None
            record_id, priority = found
            # the claim, the lease and the cursor (one statement on PostgreSQL)
            claimed = queue.claim_and_lease(session, record_id, user.id, ds.id, now,
                                            dist.lease_seconds, dist.overlap, priority)
        if claimed is None:
            continue  # someone else took the last slot; try the next record
        if claimed.leased:
            rec = detached(Record, queue.RECORD_KEYS, claimed.row)
            # found among the records the user has not answered: no response to read for
            # the answer, and on PostgreSQL the claim brought the suggestions
            mark_unanswered(rec, user.id, claimed.suggestions)
            return rec
        # the same user raced to it (PostgreSQL) and holds it: give this claim back
        queue.bump_counters(session, record_id, dist.overlap, d_claims=-1)
    return None


def _find(session: Session, dataset_id: int, user_id: int, cursor: tuple[float, int] | None,
          find_open: Callable[..., int | None] | None, *,
          skip_locked: bool) -> tuple[int, float | None] | None:
    """The next candidate ``(record id, priority)``: after the cursor first, then from the
    start of the queue (records re-opened behind the cursor, rows skipped while locked)."""
    if find_open is not None:
        record_id = find_open(session, dataset_id, user_id, skip_locked=skip_locked)
        return None if record_id is None else (record_id, None)
    if cursor is not None:
        found = queue.find_open_after(session, dataset_id, user_id, cursor,
                                      skip_locked=skip_locked)
        if found is not None:
            return found
    return queue.find_open_from_start(session, dataset_id, user_id, skip_locked=skip_locked)


def lease_record(session: Session, record_id: int, user: User, ds: Dataset, now: datetime,
                 seconds: int, *, counted: bool) -> bool:
    """Lease ``record_id`` to ``user``; False when the same user raced to it (PostgreSQL)."""
    return queue.add_lease(session, record_id, user.id, ds.id, now, seconds, counted=counted)


def release_record(session: Session, ds: Dataset, settings: Settings, record: Record,
                   user: User) -> bool:
    """Give a leased record back to the pool without answering (e.g. the user logs out)."""
    counted = queue.drop_lease(session, record.id, user.id)
    if counted:
        queue.bump_counters(session, record.id, settings.distribution.overlap, d_claims=-1)
    return counted is not None
