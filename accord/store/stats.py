"""Read-only aggregate queries for statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.store.models import Record, Response, Review, User

__all__ = ["record_counts", "response_rows", "user_response_counts", "records_left_for",
           "submitted_since", "reviews_since", "completions_since"]


def record_counts(session: Session, dataset_id: int) -> dict[str, int]:
    rows = session.execute(select(Record.status, Record.is_gold, func.count())
                           .where(Record.dataset_id == dataset_id)
                           .group_by(Record.status, Record.is_gold)).all()
    out = {"records": 0, "pending": 0, "completed": 0, "gold": 0}
    for status, is_gold, n in rows:
        out["records"] += n
        if is_gold:
            out["gold"] += n
        else:
            out[status] = out.get(status, 0) + n
    return out


def response_rows(session: Session, dataset_id: int,
                  since: datetime | None = None) -> list[dict[str, Any]]:
    """One row per response: user, status, time spent, submitted_at, gold score, review state."""
    stmt = (select(Response.user_id, User.name, Response.status, Response.time_spent,
                   Response.submitted_at, Response.gold_correct, Response.review_state)
            .join(User, User.id == Response.user_id).where(Response.dataset_id == dataset_id))
    if since is not None:
        stmt = stmt.where(Response.updated_at >= since)
    return [dict(r._mapping) for r in session.execute(stmt)]


def user_response_counts(session: Session, dataset_id: int, user_id: int) -> dict[str, int]:
    """One user's responses in a dataset by status (``submitted``, ``draft``, ``discarded``)
    and how many of the submitted ones answer gold records (``gold_answered``): the
    counts :func:`response_rows` gives the dataset's statistics, for one user through
    the ``(user_id, status, updated_at)`` index."""
    rows = session.execute(select(Response.status, Response.gold_correct.is_not(None),
                                  func.count())
                           .where(Response.user_id == user_id,
                                  Response.dataset_id == dataset_id)
                           .group_by(Response.status, Response.gold_correct.is_not(None))).all()
    out = {"submitted": 0, "draft": 0, "discarded": 0, "gold_answered": 0}
    for status, gold, n in rows:
        out[status] = out.get(status, 0) + n
        if gold and status == "submitted":
            out["gold_answered"] += n
    return out


def records_left_for(session: Session, dataset_id: int, user_id: int,
                     pending: int) -> int:
    """Ordinary records of the dataset that still need responses (``pending`` of them, from
    :func:`record_counts`) less those the user has submitted or skipped: the most the queue
    can still hand them. Reads only the user's own responses (their index), never the
    dataset's records."""
    seen = session.scalar(select(func.count()).select_from(Response)
                          .join(Record, Record.id == Response.record_id)
                          .where(Response.user_id == user_id,
                                 Response.status.in_(("submitted", "discarded")),
                                 Response.dataset_id == dataset_id,
                                 Record.status == "pending", Record.is_gold.is_(False)))
    return max(0, pending - int(seen or 0))


def submitted_since(session: Session, dataset_id: int, since: datetime) -> list[datetime]:
    """``submitted_at`` of the dataset's submitted responses submitted at or after ``since``."""
    return list(session.scalars(select(Response.submitted_at).where(
        Response.dataset_id == dataset_id, Response.status == "submitted",
        Response.submitted_at >= since)))


def reviews_since(session: Session, dataset_id: int, since: datetime) -> list[datetime]:
    """``created_at`` of the dataset's review verdicts given at or after ``since``."""
    return list(session.scalars(select(Review.created_at).where(
        Review.dataset_id == dataset_id, Review.created_at >= since)))


def completions_since(session: Session, dataset_id: int, since: datetime
                      ) -> dict[int, list[datetime]]:
    """``{record id: sorted submitted_at of its submitted responses}`` for the completed,
    non-gold records with a response submitted at or after ``since`` (the record was
    completed by one of its submissions, so a recent completion has a recent one)."""
    recent = (select(Response.record_id).where(
        Response.dataset_id == dataset_id, Response.status == "submitted",
        Response.submitted_at >= since).distinct())
    rows = session.execute(
        select(Response.record_id, Response.submitted_at)
        .join(Record, Record.id == Response.record_id)
        .where(Response.record_id.in_(recent), Response.status == "submitted",
               Record.status == "completed", Record.is_gold.is_(False),
               Response.submitted_at.is_not(None)))
    out: dict[int, list[datetime]] = {}
    for rid, at in rows:
        out.setdefault(rid, []).append(at)
    for times in out.values():
        times.sort()
    return out
