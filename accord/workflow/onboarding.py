"""Onboarding: guidelines acknowledgement, a training phase and a qualification phase.

A member with the annotator role moves through::

    (not started) -> training -> qualification -> qualified
                                      |  ^
                                      v  | retry_after_seconds later
                                    failed

The training set is the first ``training.count`` non-attention gold records in
(priority DESC, id) order, the qualification set the next ``qualification.count``.
Progress is not counted in the membership row: it is read from the member's
responses to those records updated since the phase started, so concurrent submits
cannot lose a step, and a retry re-uses the same records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import Forbidden
from accord.schema import Settings
from accord.store import queue
from accord.store.audit import record_event
from accord.store.models import Dataset, Lease, Membership, Record, User, utcnow
from accord.store.workforce import (
    MemberRow,
    gold_extras,
    guidelines_version,
    lock_membership,
    membership,
    phase_answers,
    phase_gold_ids,
)
from accord.workflow.assign import lease_record

__all__ = [
    "REASONS",
    "Standing",
    "standing",
    "message_for",
    "acknowledge_guidelines",
    "phase_record",
    "training_feedback",
    "current_guidelines_version",
    "lease_gold",
]

# why the next-record call handed out nothing (or what kind of record it handed out)
REASONS = ("paused", "needs_guidelines_ack", "training", "qualification",
           "qualification_failed", "onboarding_unavailable", "quota_reached", "no_records")

_MESSAGES = {
    "paused": "Your work on this dataset is paused for a review by the dataset's admins. "
              "Thank you for your patience; they will get back to you.",
    "needs_guidelines_ack": "Please read the guidelines and confirm that you have read them "
                            "before you start.",
    "training": "Training: answer these practice records; after each one you will see the "
                "expected answer and why.",
    "qualification": "Qualification: a few records to check that the task is clear. "
                     "Take your time.",
    "qualification_failed": "Thank you for trying! This time the qualification answers were "
                            "not close enough to the expected ones. Please read the guidelines "
                            "again; you can try again later.",
    "onboarding_unavailable": "This dataset has no qualification records yet; please ask an "
                              "admin.",
    "quota_reached": "You have reached your quota for this dataset. Thank you for your work!",
    "no_records": "Nothing is left for you in this dataset right now.",
}


def message_for(reason: str) -> str:
    """The text shown to an annotator for a reason of :data:`REASONS`."""
    return _MESSAGES.get(reason, "")


@dataclass
class Standing:
    """Where a member stands: ``state`` is ``ok`` or one of :data:`REASONS`."""

    state: str
    message: str = ""
    phase: str | None = None
    done: int = 0
    needed: int = 0
    retry_at: datetime | None = None
    last_score: float | None = None
    pause_reason: str | None = None
    guidelines_version: int = 0
    guidelines_seen: int = 0
    record_ids: tuple[int, ...] = ()

    def public(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("record_ids")
        return out


_GV_CACHE: dict[tuple[int, int, str], int] = {}


def current_guidelines_version(session: Session, ds: Dataset, settings: Settings) -> int:
    """The settings version that introduced today's guidelines text.

    Memoized per (dataset, settings version, creation time): settings versions are
    immutable rows, so every worker computes the same value.
    """
    key = (ds.id, ds.settings_version, ds.created_at.isoformat())
    found = _GV_CACHE.get(key)
    if found is None:
        found = guidelines_version(session, ds.id, ds.settings_version, settings.guidelines)
        if len(_GV_CACHE) > 4096:
            _GV_CACHE.clear()
        _GV_CACHE[key] = found
    return found


def _start(m: Membership, phase: str, now: datetime) -> None:
    m.phase = phase
    m.phase_started_at = now


def standing(session: Session, ds: Dataset, settings: Settings, user: User,
             m: MemberRow | Membership | None, *, now: datetime | None = None,
             advance: bool = True) -> Standing:
    """Evaluate (and with ``advance`` move on) the member's onboarding.

    Non-members (admins) and users with a role above annotator are always ``ok``.
    """
    now = now or utcnow()
    if m is None or user.role != "annotator":
        return Standing("ok")
    ob = settings.onboarding
    gv = current_guidelines_version(session, ds, settings) if ob and \
        ob.require_guidelines_ack and settings.guidelines.strip() else 0
    base = {"guidelines_version": gv, "guidelines_seen": m.guidelines_seen or 0,
            "phase": m.phase, "last_score": m.last_score}
    if m.paused:
        return Standing("paused", _MESSAGES["paused"], pause_reason=m.pause_reason, **base)
    if gv and (m.guidelines_seen or 0) < gv:
        return Standing("needs_guidelines_ack", _MESSAGES["needs_guidelines_ack"], **base)
    if ob is None or (ob.training is None and ob.qualification is None):
        return Standing("ok", **base)
    return _phase_standing(session, ds, settings, m, now, advance, base)


def _phase_standing(session: Session, ds: Dataset, settings: Settings,
                    m: MemberRow | Membership, now: datetime, advance: bool,
                    base: dict[str, Any]) -> Standing:
    ob = settings.onboarding
    assert ob is not None
    if advance and m.phase != "qualified":
        # serialize the member's own concurrent requests while a phase may change; the
        # phase moves on in the ORM object (re-read under the lock), not in a read row
        locked = lock_membership(session, m.dataset_id, m.user_id)
        if locked is None:  # removed from the dataset since this request began
            raise Forbidden(f"user {m.user_id} is no longer a member of dataset {ds.name!r}")
        m = locked
    n_train = ob.training.count if ob.training else 0
    phase = m.phase
    for _ in range(4):  # at most: start -> training -> qualification -> verdict
        base["phase"] = phase
        if phase is None:
            phase = "training" if ob.training else "qualification"
            if advance:
                _start(m, phase, now)
            continue
        if phase == "training":
            ids = phase_gold_ids(session, ds.id, 0, n_train)
            answers = phase_answers(session, m.user_id, ids, m.phase_started_at)
            if len(answers) < len(ids):
                return Standing("training", _MESSAGES["training"], done=len(answers),
                                needed=len(ids), record_ids=tuple(ids), **base)
            phase = "qualification" if ob.qualification else "qualified"
            if advance:
                _start(m, phase, now)
                if phase == "qualified":
                    m.passed_at = m.monitor_since = now
            continue
        if phase == "qualification":
            q = ob.qualification
            assert q is not None
            ids = phase_gold_ids(session, ds.id, n_train, q.count)
            if not ids:
                return Standing("onboarding_unavailable", _MESSAGES["onboarding_unavailable"],
                                **base)
            answers = phase_answers(session, m.user_id, ids, m.phase_started_at)
            if len(answers) < len(ids):
                return Standing("qualification", _MESSAGES["qualification"], done=len(answers),
                                needed=len(ids), record_ids=tuple(ids), **base)
            score = sum(answers.values()) / len(answers)
            phase = "qualified" if score >= q.pass_mark else "failed"
            if advance:
                _verdict(session, ds, m, phase, score, now, q.retry_after_seconds)
                base["last_score"] = score
            continue
        if phase == "failed":
            if m.retry_at is not None and now < m.retry_at:
                return Standing("qualification_failed", _MESSAGES["qualification_failed"],
                                retry_at=m.retry_at, **base)
            phase = "qualification"
            if advance:
                _start(m, phase, now)
            continue
        break  # qualified
    return Standing("ok", **base)


def _verdict(session: Session, ds: Dataset, m: Membership, phase: str, score: float,
             now: datetime, retry_after: int) -> None:
    m.phase = phase
    m.last_score = score
    m.attempts = (m.attempts or 0) + 1
    if phase == "qualified":
        m.passed_at = m.monitor_since = now
        m.retry_at = None
    else:
        m.failed_at = now
        m.retry_at = now + timedelta(seconds=retry_after)
    record_event(session, f"onboarding.{'passed' if phase == 'qualified' else 'failed'}",
                 "user", m.user_id, user_id=m.user_id, dataset_id=ds.id,
                 details={"score": round(score, 4), "attempt": m.attempts})


def acknowledge_guidelines(session: Session, ds: Dataset, user: User) -> bool:
    """Record that ``user`` read the dataset's current guidelines; False for non-members."""
    m = membership(session, ds.id, user.id)
    if m is None:
        return False
    m.guidelines_seen = ds.settings_version
    session.flush()
    return True


def lease_gold(session: Session, record_id: int, user: User, ds: Dataset, now: datetime,
               seconds: int) -> bool:
    """Hold a gold record for ``user`` (uncounted: gold never fills a record's overlap)."""
    if session.get(Lease, (record_id, user.id)) is not None:
        queue.extend_lease(session, record_id, user.id, now, seconds)
        return True
    return lease_record(session, record_id, user, ds, now, seconds, counted=False)


def phase_record(session: Session, ds: Dataset, settings: Settings, user: User,
                 where: Standing, m: Membership, now: datetime) -> Record | None:
    """The next training or qualification record for the member, leased to them."""
    done = phase_answers(session, user.id, list(where.record_ids), m.phase_started_at)
    for rid in where.record_ids:
        if rid in done:
            continue
        if lease_gold(session, rid, user, ds, now, settings.distribution.lease_seconds):
            return session.get(Record, rid)
    return None


def training_feedback(session: Session, ds: Dataset, settings: Settings, record: Record,
                      user: User, score: float | None) -> dict[str, Any] | None:
    """The expected answer and explanation after a training answer; None otherwise (the
    qualification and the ongoing gold checks stay silent)."""
    if not record.is_gold or user.role != "annotator" or settings.onboarding is None \
            or settings.onboarding.training is None:
        return None
    m = membership(session, ds.id, user.id)
    if m is None or m.phase != "training":
        return None
    ids = phase_gold_ids(session, ds.id, 0, settings.onboarding.training.count)
    if record.id not in ids:
        return None
    gold = gold_extras(session, record.id)
    if gold is None:
        return None
    return {"phase": "training", "correct": score is not None and score >= 1.0,
            "score": score, "answer": gold.values, "explanation": gold.explanation or ""}
