"""Responses: draft / submitted / discarded, full history, optimistic concurrency.

Every change writes a history row (who, when, old and new values and status);
the history table is the audit trail of responses.
An update names the version it was based on; if the stored version moved on,
:class:`~accord.errors.Conflict` is raised and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from accord.errors import Conflict, InputError
from accord.schema import Settings, validate_values
from accord.store import queue
from accord.store.detached import load_response
from accord.store.engine import insert_guard
from accord.store.models import Dataset, Record, Response, User, utcnow
from accord.store.responses import (
    add_history,
    gold_answer,
    insert_response_row,
    set_gold_correct,
    stored_version,
    update_response_versioned,
)
from accord.workflow.gold import score_against_gold

__all__ = ["STATUSES", "save_response"]

STATUSES = ("draft", "submitted", "discarded")


def save_response(session: Session, ds: Dataset, settings: Settings, record: Record, user: User,
                  values: dict[str, Any] | None, *, status: str, version: int | None = None,
                  time_spent: float = 0.0, now: datetime | None = None,
                  require_claim: bool = False) -> Response:
    """Create or update ``user``'s response to ``record``.

    Parameters
    ----------
    values : dict or None
        ``{question: value}``; validated against the settings (complete for
        ``submitted``, partial for ``draft``; ignored for ``discarded``).
    status : {"draft", "submitted", "discarded"}
    version : int, optional
        The version the caller last saw; a mismatch raises :class:`Conflict`.
        ``None`` skips the check (first save or a blind overwrite by a script).
    time_spent : float
        Seconds spent in this session on the record, added to the total.
    require_claim : bool
        For annotators: a first submission needs the user's lease on the
        record, or else a free slot of the overlap, taken atomically; a record
        that enough other annotators already hold or answered raises
        :class:`Conflict` (a lease that expired while the user worked is fine
        as long as nobody took the slot). Without it (scripts, model agents,
        admins) a submission always adds its claim.

    Raises
    ------
    InputError
        Invalid values (``field`` is the question name) or status.
    Conflict
        Stale version.
    """
    if status not in STATUSES:
        raise InputError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}",
                         field="status")
    if time_spent < 0 or time_spent > 86400:
        raise InputError(f"time_spent must be 0..86400 seconds, got {time_spent}",
                         field="time_spent")
    now = now or utcnow()
    if status == "discarded":
        clean = dict(values or {})
    else:
        clean = validate_values(settings, values or {}, record.fields,
                                require_complete=status == "submitted")
    overlap = settings.distribution.overlap
    resp = load_response(session, record.id, user.id, for_update=True)
    old_status = None if resp is None else resp.status
    old_values = None if resp is None else resp.values
    if resp is None:
        if version not in (None, 0):
            raise Conflict(f"response version {version} does not exist (no response yet)")
        row = dict(record_id=record.id, dataset_id=ds.id, user_id=user.id, values=clean,
                   status=status, time_spent=time_spent, version=1, created_at=now,
                   updated_at=now, submitted_at=now if status == "submitted" else None)
        try:
            with insert_guard(session):
                new_id = insert_response_row(session, row)
        except IntegrityError:  # the same user saved this record at the same moment
            raise Conflict("a concurrent save of this response won; reload and apply "
                           "your change again") from None
        resp = Response(id=new_id, gold_correct=None, review_state=None, **row)
        new_version = 1
    else:
        if old_status == "submitted" and status == "draft":
            raise Conflict("this response is already submitted; submit the changes instead")
        expected = resp.version if version is None else version
        extra: dict[str, Any] = {}
        if status == "submitted" and old_status != "submitted":
            extra["submitted_at"] = now
        changes = {"values": clean, "status": status,
                   "time_spent": resp.time_spent + time_spent, "updated_at": now, **extra}
        if not update_response_versioned(session, resp.id, expected, **changes):
            raise Conflict(f"stale response: you edited version {expected}, the stored version "
                           f"is {stored_version(session, resp.id)}; reload and apply your "
                           "change again")
        new_version = expected + 1
        for key, value in {**changes, "version": new_version}.items():
            set_committed_value(resp, key, value)  # mirror the UPDATE without re-reading
    add_history(session, response_id=resp.id, user_id=user.id, version=new_version,
                old_status=old_status, new_status=status,
                old_values=old_values,
                new_values=clean, changed_at=now)
    _update_queue(session, settings, record, user, old_status, status, now, overlap,
                  require_claim=require_claim)
    if record.is_gold and status == "submitted":
        gold = gold_answer(session, record.id)
        resp.gold_correct = score_against_gold(gold or {}, clean)
        set_gold_correct(session, resp.id, resp.gold_correct)
    return resp


def _update_queue(session: Session, settings: Settings, record: Record, user: User,
                  old: str | None, new: str, now: datetime, overlap: int, *,
                  require_claim: bool = False) -> None:
    was_sub, now_sub = old == "submitted", new == "submitted"
    if new == "draft":
        queue.extend_lease(session, record.id, user.id, now, settings.distribution.lease_seconds)
        return
    if record.is_gold:
        queue.drop_lease(session, record.id, user.id)
        return
    if now_sub and not was_sub:
        counted = queue.drop_lease(session, record.id, user.id)
        if not counted and require_claim:
            # no lease (never handed out, or it expired and was reclaimed): take a free
            # slot under the row lock, or refuse rather than over-assign the record
            if not queue.claim_record(session, record.id, overlap):
                raise Conflict("this record was not handed to you and needs no more "
                               "annotators (your lease may have expired and the record "
                               "gone to someone else); ask for the next record")
            counted = True
        # a counted lease turns into the submission's claim; without one, add a claim
        queue.bump_counters(session, record.id, overlap, d_claims=0 if counted else 1,
                            d_submitted=1)
    elif was_sub and not now_sub:  # submitted -> discarded
        queue.bump_counters(session, record.id, overlap, d_claims=-1, d_submitted=-1)
    elif new == "discarded":
        counted = queue.drop_lease(session, record.id, user.id)
        if counted:
            queue.bump_counters(session, record.id, overlap, d_claims=-1)
