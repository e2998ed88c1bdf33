"""A record's ``status`` and ``queue_state`` from its counters and the overlap: the one rule.

A record is ``completed`` (queue state DONE) once it has ``overlap`` submitted
responses; below that it is ``pending`` and its queue state is FULL while every
needed annotator holds it (``claims`` counts live leases plus submitted
responses) and OPEN otherwise. Gold records never complete and stay GOLD.

Every writer builds its UPDATE from :func:`status_after` and
:func:`queue_state_after` (the annotator loop's single-row bumps in
:mod:`accord.store.queue`, bulk imports and recounts in
:mod:`accord.store.imported_responses`), and a settings change that moves
``distribution.overlap`` calls :func:`restatus_records` in its transaction, so
records completed under the old overlap re-open (or complete) under the new one; making a
record gold or ordinary again calls :func:`restatus_record`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, or_, update
from sqlalchemy.orm import Session

from accord.store.models import QUEUE_DONE, QUEUE_FULL, QUEUE_GOLD, QUEUE_OPEN, Record

__all__ = ["status_after", "queue_state_after", "restatus_records", "restatus_record"]

_rec = Record.__table__


def status_after(overlap: Any, d_submitted: Any = 0) -> Any:
    """SQL: the record's status once ``d_submitted`` submissions are added to the row's
    (old) ``submitted`` counter; ``overlap`` and the delta are ints or bound parameters."""
    return case((and_(~_rec.c.is_gold, _rec.c.submitted + d_submitted >= overlap), "completed"),
                else_="pending")


def queue_state_after(overlap: Any, d_claims: Any = 0, d_submitted: Any = 0) -> Any:
    """SQL: the record's queue state once the deltas are added to the row's (old) counters."""
    return case(
        (_rec.c.is_gold, QUEUE_GOLD),
        (_rec.c.submitted + d_submitted >= overlap, QUEUE_DONE),
        (_rec.c.claims + d_claims >= overlap, QUEUE_FULL),
        else_=QUEUE_OPEN,
    )


def restatus_records(session: Session, dataset_id: int, overlap: int) -> int:
    """Apply the rule to every record of a dataset under ``overlap`` (after the overlap
    changed): completed records that now need more responses re-open, pending ones that
    now have enough complete. One UPDATE that rewrites only the rows whose state changes
    (both backends); returns how many changed. The caller owns the transaction and moves
    the dataset's queue epoch on (re-opened records may lie behind annotators' cursors).
    """
    status = status_after(overlap)
    state = queue_state_after(overlap)
    result = session.connection().execute(
        update(_rec).where(_rec.c.dataset_id == dataset_id,
                           or_(_rec.c.status != status, _rec.c.queue_state != state))
        .values(status=status, queue_state=state))
    return int(result.rowcount or 0)


def restatus_record(session: Session, record_id: int, overlap: int) -> None:
    """Apply the rule to one record (after its gold flag changed); the ORM copy of the
    record, if loaded, re-reads its status and queue state."""
    session.flush()
    session.connection().execute(update(_rec).where(_rec.c.id == record_id).values(
        status=status_after(overlap), queue_state=queue_state_after(overlap)))
    record = session.get(Record, record_id)
    if record is not None:
        session.expire(record, ["status", "queue_state"])
