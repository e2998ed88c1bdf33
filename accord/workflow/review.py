"""Review: reviewers accept, reject (with a reason) or fix (with corrected values) a response.

A verdict is bound to the response version the reviewer saw
(``reviews.response_version``): judging a version that is no longer the stored
one is refused (409 ``stale_version``), and an annotator's later edit takes the
response back to the review queue (:mod:`accord.store.verdicts`). An admin sends
judged responses back to review with :func:`send_to_review`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import InputError, NotFound
from accord.schema import Settings, validate_values
from accord.store.audit import record_event
from accord.store.models import Dataset, Record, Review, User, utcnow
from accord.store.responses import add_review, get_response_by_id, judged_responses, lock_response
from accord.store.verdicts import REQUEUE
from accord.workflow.policy import review_refusal

__all__ = ["VERDICTS", "review_response", "send_to_review"]

VERDICTS = ("accept", "reject", "fix")


def review_response(session: Session, ds: Dataset, settings: Settings, response_id: int,
                    reviewer: User, verdict: str, *, version: int | None = None,
                    reason: str | None = None, values: dict[str, Any] | None = None,
                    comment: str | None = None, now: datetime | None = None,
                    remote: bool = False) -> Review:
    """Record a verdict on version ``version`` of a submitted response (the API always
    sends the version the reviewer saw; None, for in-process callers, judges the stored one).

    ``reject`` needs a reason; ``fix`` needs corrected values, validated like a
    submission. ``comment`` is an optional note on any verdict (shown to the annotator
    with their rejected responses and in the response's review history, and exported).
    The verdict in force is kept on the response (``review_state``)
    for queues and correction rates; every verdict stays in ``reviews`` with the
    version it judged. ``remote``: the verdict comes from a caller of the REST API, so the
    role rules of the write policy apply (in-process callers act as the database's owner).

    Raises
    ------
    InputError
        Unknown verdict, a rejection without a reason, a fix without (valid) values.
    NotFound
        No such response in the dataset.
    Forbidden, Conflict
        The write policy refused (:func:`accord.workflow.policy.review_refusal`): own
        response, not submitted, or ``version`` is not the stored one (``stale_version``).
    """
    if verdict not in VERDICTS:
        raise InputError(f"unknown verdict {verdict!r}; expected one of {', '.join(VERDICTS)}",
                         field="verdict")
    resp = get_response_by_id(session, response_id)
    if resp is None or resp.dataset_id != ds.id:
        raise NotFound(f"response {response_id} does not exist in dataset {ds.name!r}")
    lock_response(session, resp)  # an annotator's concurrent edit waits for the verdict
    refusal = review_refusal(reviewer, resp, resp.version if version is None else version,
                             remote=remote)
    if refusal is not None:
        raise refusal.error()
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
                        verdict=verdict, response_version=resp.version, reason=reason,
                        values=clean, comment=(comment or "").strip() or None, created_at=now)
    resp.review_state = verdict
    record_event(session, f"review.{verdict}", "response", resp.id, user_id=reviewer.id,
                 dataset_id=ds.id, details={"reason": reason, "version": resp.version}
                 if reason else {"version": resp.version}, at=now)
    session.flush()
    return review


def send_to_review(session: Session, ds: Dataset, record_ids: list[int], admin: User, *,
                   comment: str | None = None, now: datetime | None = None) -> int:
    """Send the judged submitted responses of ``record_ids`` back to review; returns how
    many responses went back.

    Each gets a :data:`~accord.store.verdicts.REQUEUE` review row by ``admin`` on its
    current version (with the optional ``comment``), which the verdict-in-force rule
    reads as "no verdict": ``review_state`` becomes NULL, the response is back in the
    review queue and counts as unreviewed in quality and ``--status reviewed`` exports.
    Responses with no verdict in force are left alone (idempotent). Who may do this is
    the caller's check (the bulk endpoint's: dataset admins).
    """
    now = now or utcnow()
    note = (comment or "").strip() or None
    responses = judged_responses(session, ds.id, record_ids)
    for resp in responses:
        previous = resp.review_state
        add_review(session, response_id=resp.id, dataset_id=ds.id, reviewer_id=admin.id,
                   verdict=REQUEUE, response_version=resp.version, reason=None, values=None,
                   comment=note, created_at=now)
        resp.review_state = None
        record_event(session, f"review.{REQUEUE}", "response", resp.id, user_id=admin.id,
                     dataset_id=ds.id, details={"version": resp.version, "was": previous},
                     at=now)
    session.flush()
    return len(responses)
