"""Review: reviewers accept, reject (with a reason) or fix (with corrected values) a response."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import InputError, NotFound
from accord.schema import Settings, validate_values
from accord.store.audit import record_event
from accord.store.models import Dataset, Record, Review, User, utcnow
from accord.store.responses import add_review, get_response_by_id

__all__ = ["VERDICTS", "review_response"]

VERDICTS = ("accept", "reject", "fix")


def review_response(session: Session, ds: Dataset, settings: Settings, response_id: int,
                    reviewer: User, verdict: str, *, reason: str | None = None,
                    values: dict[str, Any] | None = None,
                    now: datetime | None = None) -> Review:
    """Record a verdict on a submitted response.

    ``reject`` needs a reason; ``fix`` needs corrected values, validated like a
    submission. The latest verdict is kept on the response (``review_state``)
    for queues and correction rates; every verdict stays in ``reviews``.
    """
    if verdict not in VERDICTS:
        raise InputError(f"unknown verdict {verdict!r}; expected one of {', '.join(VERDICTS)}",
                         field="verdict")
    resp = get_response_by_id(session, response_id)
    if resp is None or resp.dataset_id != ds.id:
        raise NotFound(f"response {response_id} does not exist in dataset {ds.name!r}")
    if resp.status != "submitted":
        raise InputError(f"only submitted responses can be reviewed; this one is {resp.status}",
                         field="response_id")
    if verdict == "reject" and not (reason or "").strip():
        raise InputError("a rejection needs a reason", field="reason")
    clean = None
    if verdict == "fix":
        if not values:
            raise InputError("a fix needs the corrected values", field="values")
        record = session.get(Record, resp.record_id)
        clean = validate_values(settings, values, record.fields if record else {},
                                require_complete=True)
    now = now or utcnow()
    review = add_review(session, response_id=resp.id, dataset_id=ds.id, reviewer_id=reviewer.id,
                        verdict=verdict, reason=reason, values=clean, created_at=now)
    resp.review_state = verdict
    record_event(session, f"review.{verdict}", "response", resp.id, user_id=reviewer.id,
                 dataset_id=ds.id, details={"reason": reason} if reason else None, at=now)
    session.flush()
    return review


