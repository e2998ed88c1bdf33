"""Record priorities: the order in which open records are handed out.

``next_record`` takes open records by ``priority DESC, id``; model assistance
sets ``priority = 1 - confidence`` (or another uncertainty score) so people
see the records the model is least sure about first.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from accord.store.models import Record
from accord.store.queue import bump_epoch

__all__ = ["priorities_of", "reset_priorities", "set_priorities"]

_rec = Record.__table__
_SET = (update(_rec).where(_rec.c.id == bindparam("b_id"), _rec.c.dataset_id == bindparam("b_ds"))
        .values(priority=bindparam("b_priority")))


def set_priorities(session: Session, dataset_id: int, priorities: Mapping[int, float]) -> int:
    """Set the priority of records of one dataset (ids of other datasets are ignored).

    Parameters
    ----------
    session : Session
        The caller's write transaction.
    dataset_id : int
    priorities : mapping of int to float
        ``{record id: priority}``; higher is handed out first.

    Returns
    -------
    int
        How many records were given.
    """
    if not priorities:
        return 0
    params = [{"b_id": rid, "b_ds": dataset_id, "b_priority": float(p)}
              for rid, p in priorities.items()]
    conn = session.connection()
    for start in range(0, len(params), 5000):
        conn.execute(_SET, params[start:start + 5000])
    bump_epoch(session, dataset_id)  # records may now sort before annotators' queue cursors
    return len(params)


def reset_priorities(session: Session, dataset_id: int, value: float = 0.0) -> None:
    """Give every record of the dataset the same priority (insertion order again)."""
    session.connection().execute(update(_rec).where(_rec.c.dataset_id == dataset_id)
                                 .values(priority=value))
    bump_epoch(session, dataset_id)


def priorities_of(session: Session, dataset_id: int) -> dict[int, float]:
    """``{record id: priority}`` for the whole dataset."""
    rows = session.connection().execute(select(_rec.c.id, _rec.c.priority)
                                        .where(_rec.c.dataset_id == dataset_id))
    return {rid: p for rid, p in rows}
