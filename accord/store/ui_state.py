"""Queries behind the web UI: an annotator's recent responses, gold failures, and the
guidelines version each member last acknowledged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.store.models import Membership, Record, Response, User

__all__ = ["gold_failures", "guidelines_seen", "recent_responses", "set_guidelines_seen"]


def recent_responses(session: Session, dataset_id: int, user_id: int, *, limit: int = 20,
                     before_updated: Any = None) -> list[tuple[Response, Record]]:
    """``user_id``'s responses in the dataset, most recently changed first, with their records.

    Uses the ``(user_id, status, updated_at)`` index; ``before_updated`` pages on.
    """
    stmt = (select(Response, Record).join(Record, Record.id == Response.record_id)
            .where(Response.user_id == user_id, Response.dataset_id == dataset_id))
    if before_updated is not None:
        stmt = stmt.where(Response.updated_at < before_updated)
    rows = session.execute(stmt.order_by(Response.updated_at.desc(), Response.id.desc())
                           .limit(limit))
    return [(resp, rec) for resp, rec in rows]


def gold_failures(session: Session, dataset_id: int, *, annotator_id: int | None = None,
                  include_reviewed: bool = False, after_id: int = 0,
                  limit: int = 50) -> list[tuple[Response, Record, str]]:
    """Submitted responses to gold records that missed some gold answer, oldest first.

    Unreviewed only unless ``include_reviewed``; ``after_id`` is a response-id cursor.
    """
    stmt = (select(Response, Record, User.name)
            .join(Record, Record.id == Response.record_id)
            .join(User, User.id == Response.user_id)
            .where(Response.dataset_id == dataset_id, Response.status == "submitted",
                   Response.gold_correct.is_not(None), Response.gold_correct < 1.0,
                   Response.id > after_id))
    if not include_reviewed:
        stmt = stmt.where(Response.review_state.is_(None))
    if annotator_id is not None:
        stmt = stmt.where(Response.user_id == annotator_id)
    rows = session.execute(stmt.order_by(Response.id).limit(limit))
    return [(resp, rec, name) for resp, rec, name in rows]


def guidelines_seen(session: Session, dataset_id: int, user_id: int) -> int | None:
    """The guidelines version the member last acknowledged (0: none); None for non-members."""
    row = session.get(Membership, (dataset_id, user_id))
    return None if row is None else row.guidelines_seen


def set_guidelines_seen(session: Session, dataset_id: int, user_id: int, version: int) -> bool:
    """Remember that the member read guidelines ``version``; False when not a member."""
    row = session.get(Membership, (dataset_id, user_id))
    if row is None:
        return False
    row.guidelines_seen = version
    session.flush()
    return True
