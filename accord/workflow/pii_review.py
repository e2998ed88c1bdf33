"""Confirm or dismiss a record's PII findings: the one function that changes their state.

Findings come from the prep PII step (``metadata._pii``, see
:mod:`accord.prep.pii_findings`). A verdict is stored on the finding as
``"review": {"state", "by", "at"}``, may be changed later (the newest wins)
and is written to the audit log (``pii.confirmed`` / ``pii.dismissed``, with
the slot, span, entity and the previous state). Only reviewers and admins may
judge (:func:`accord.workflow.policy.pii_review_refusal`).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import InputError, NotFound
from accord.prep.pii_findings import PII_KEY, PII_STATES, find_finding
from accord.store.audit import record_event
from accord.store.models import Dataset, Record, User, utcnow
from accord.workflow.policy import pii_review_refusal

__all__ = ["review_pii"]


def review_pii(session: Session, ds: Dataset, record_id: int, user: User, *, slot: str,
               start: int, end: int, state: str, now: datetime | None = None,
               remote: bool = False) -> dict[str, Any]:
    """Set the state of the finding of ``slot`` spanning ``[start, end)`` on a record.

    Returns
    -------
    dict
        The record's ``_pii`` findings after the change.

    Raises
    ------
    InputError
        ``state`` is not ``confirmed`` or ``dismissed``.
    NotFound
        No such record in the dataset, or no such finding on it.
    Forbidden
        ``remote`` and the user is an annotator.
    """
    refusal = pii_review_refusal(user, remote=remote)
    if refusal is not None:
        raise refusal.error()
    if state not in PII_STATES:
        raise InputError(f"expected one of {', '.join(PII_STATES)}, got {state!r}",
                         field="state")
    record = session.get(Record, record_id, with_for_update=True)
    if record is None or record.dataset_id != ds.id:
        raise NotFound(f"record {record_id} does not exist in dataset {ds.name!r}")
    meta = copy.deepcopy(record.meta or {})
    finding = find_finding(meta, slot, start, end)
    if finding is None:
        raise NotFound(f"record {record_id} has no PII finding in {slot!r} at {start}-{end}")
    previous = (finding.get("review") or {}).get("state")
    at = now or utcnow()
    finding["review"] = {"state": state, "by": user.name, "at": at.isoformat()}
    record.meta = meta  # a new object: the JSON column sees the change
    record_event(session, f"pii.{state}", "record", record.id, user_id=user.id,
                 dataset_id=ds.id, at=at,
                 details={"slot": slot, "start": start, "end": end,
                          "entity": finding.get("entity"), "previous": previous})
    return meta[PII_KEY]
