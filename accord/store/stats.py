"""Read-only aggregate queries for statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.store.models import Record, Response, User

__all__ = ["record_counts", "response_rows"]


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
