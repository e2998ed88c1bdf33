"""The workforce gate around :func:`accord.workflow.assign.next_record`.

``hand_out`` decides, for a member with the annotator role, whether they get a
record and which: paused members and members who must acknowledge new guidelines
get none; members in training or qualification get the phase's gold records; a
qualified member gets an attention check at ``monitoring.attention_rate``, else
the next record matching their assignment rules within their quota. Every
decision is read from the database (the membership row), so any number of
workers behave like one. The common case (qualified, no quota hit) costs one
primary-key lookup of the membership row on top of ``next_record``.

``after_submit`` returns the training feedback for a training answer and runs
the ongoing checks after each gold answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store import queue
from accord.store.models import Dataset, Record, Response, User, utcnow
from accord.store.workforce import (
    find_attention_record,
    lock_membership,
    member_row,
    membership,
    recount_quota,
)
from accord.workflow.assign import next_record, release_record
from accord.workflow.assignment_rules import open_record_finder
from accord.workflow.monitoring import check_member
from accord.workflow.onboarding import (
    Standing,
    lease_gold,
    message_for,
    phase_record,
    standing,
    training_feedback,
)
from accord.workflow.policy import member_standing
from accord.workflow.quotas import give_back_unit, note_untracked, quota_of, take_unit

__all__ = ["Handout", "hand_out", "after_submit", "onboarding_status"]

_rng = random.SystemRandom()


@dataclass
class Handout:
    """A record, or why there is none (``reason``; ``retry_at`` for a failed qualification).
    ``phase`` says what kind of record it is: ``training``, ``qualification``,
    ``attention`` or None for an ordinary record."""

    record: Record | None
    reason: str | None = None
    retry_at: datetime | None = None
    phase: str | None = None

    def headers(self) -> dict[str, str]:
        """HTTP headers describing the handout (``X-Accord-Reason``, ``X-Accord-Retry-At``,
        ``X-Accord-Phase``)."""
        out: dict[str, str] = {}
        if self.reason:
            out["X-Accord-Reason"] = self.reason
        if self.retry_at is not None:
            out["X-Accord-Retry-At"] = self.retry_at.isoformat()
        if self.phase:
            out["X-Accord-Phase"] = self.phase
        return out


def hand_out(session: Session, ds: Dataset, settings: Settings, user: User, *,
             now: datetime | None = None, rng: random.Random | None = None) -> Handout:
    """The next record for ``user`` under the dataset's workforce rules (see module doc)."""
    now = now or utcnow()
    m = member_row(session, ds.id, user.id) if user.role == "annotator" else None
    if m is None:
        rec = next_record(session, ds, settings, user, now=now, rng=rng)
        return Handout(rec, None if rec is not None else "no_records")
    where = member_standing(session, ds, settings, user, now=now, advance=True)  # the policy
    if where.state in ("training", "qualification"):
        # the phase may have just moved on (its start time with it): the row as it is now
        rec = phase_record(session, ds, settings, user, where,
                           membership(session, ds.id, user.id) or m, now)
        return Handout(rec, None if rec is not None else "no_records", phase=where.state)
    if where.state != "ok":
        return Handout(None, where.state, retry_at=where.retry_at)
    quota = quota_of(settings, m)
    rate = settings.monitoring.attention_rate if settings.monitoring is not None else 0.0
    held = None
    if quota is not None:
        # one annotator's concurrent next calls (several tabs, scripts) take their quota
        # units one at a time: the held-lease look-up, the claim and the lease then see
        # each other's committed work (PostgreSQL; SQLite serializes writers already)
        lock_membership(session, ds.id, user.id)
    if quota is not None or rate > 0:
        held = queue.live_lease(session, ds.id, user.id, now)
    if held is None and rate > 0 and (rng or _rng).random() < rate:
        rid = find_attention_record(session, ds.id, user.id)
        if rid is not None and lease_gold(session, rid, user, ds, now,
                                          settings.distribution.lease_seconds):
            return Handout(session.get(Record, rid), phase="attention")
    finder = open_record_finder(settings, user)
    claimed = False
    if quota is not None and held is None:
        if not take_unit(session, m, quota, now):
            return Handout(None, "quota_reached")
        claimed = True
    rec = next_record(session, ds, settings, user, now=now, rng=rng, find_open=finder)
    if claimed and (rec is None or rec.is_gold):
        give_back_unit(session, m)
    elif quota is None and rec is not None and not rec.is_gold:
        note_untracked(session, m)
    elif quota is not None and held is not None and rec is not None and rec.id != held \
            and not rec.is_gold:
        # the held record was finished by a concurrent request of the same user between
        # the two look-ups, so next_record leased a new one: it needs a unit of the quota
        if not take_unit(session, m, quota, now):
            release_record(session, ds, settings, rec, user)
            return Handout(None, "quota_reached")
    return Handout(rec, None if rec is not None else "no_records")


def after_submit(session: Session, ds: Dataset, settings: Settings, record: Record,
                 user: User, response: Response, *,
                 now: datetime | None = None) -> dict[str, Any] | None:
    """Training feedback for a training answer (None otherwise); after any other gold
    answer, the ongoing checks (which may pause the member)."""
    if not record.is_gold or response.status != "submitted" or user.role != "annotator":
        return None
    feedback = training_feedback(session, ds, settings, record, user, response.gold_correct)
    if feedback is not None or settings.monitoring is None:
        return feedback
    m = membership(session, ds.id, user.id)
    if m is not None:
        check_member(session, ds, settings, m, now=now)
    return None


def onboarding_status(session: Session, ds: Dataset, settings: Settings, user: User, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """Where the caller stands (advancing phases that are complete), with their quota."""
    m = membership(session, ds.id, user.id)
    where: Standing = standing(session, ds, settings, user, m, now=now)
    out = where.public()
    quota = quota_of(settings, m)
    used = None if m is None or m.claimed < 0 else m.claimed
    if m is not None and quota is not None and (used is None or used >= quota):
        used = recount_quota(session, ds.id, user.id, now or utcnow())  # skips come back
        if used >= quota and where.state == "ok":
            out.update(state="quota_reached", message=message_for("quota_reached"))
    out.update({"member": m is not None, "quota": quota, "used": used})
    if out["state"] == "ok":
        out["message"] = ""
    return out
