"""The audit log: who did what, when, to which object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.store.models import AuditEntry, User, utcnow

__all__ = ["record_event", "list_events", "count_recent"]


def record_event(session: Session, action: str, object_type: str, object_id: Any = None, *,
                 user_id: int | None = None, dataset_id: int | None = None,
                 details: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    session.add(AuditEntry(action=action, object_type=object_type,
                           object_id=None if object_id is None else str(object_id),
                           user_id=user_id, dataset_id=dataset_id, details=details,
                           at=at or utcnow()))


def list_events(session: Session, *, dataset_id: int | None = None, user_id: int | None = None,
                action: str | None = None, before_id: int | None = None,
                limit: int = 100) -> list[tuple[AuditEntry, str | None]]:
    stmt = select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.user_id)
    if dataset_id is not None:
        stmt = stmt.where(AuditEntry.dataset_id == dataset_id)
    if user_id is not None:
        stmt = stmt.where(AuditEntry.user_id == user_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return [(e, n) for e, n in session.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit))]


def count_recent(session: Session, action: str, object_type: str, object_id: str,
                 since: datetime) -> int:
    """Events of one kind on one object since ``since`` (login rate limiting)."""
    return int(session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id,
        AuditEntry.action == action, AuditEntry.at >= since)) or 0)
