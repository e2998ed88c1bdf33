"""Per-annotator quotas: at most N records of a dataset per annotator.

The quota is ``assignment.quota`` in the settings, or the member's own override
(``memberships.quota``). ``memberships.claimed`` counts the records handed out;
taking one is a single conditional ``UPDATE ... SET claimed = claimed + 1 WHERE
claimed < quota``, so the check and the claim are atomic under concurrent
requests and across workers. Records given back (skipped, expired leases) are
not decremented on the hot path: when the counter reaches the quota it is
recounted once from what the member really holds (submitted responses to
ordinary records plus live leases), under the membership row lock. While no
quota applies the counter is not maintained (it is set to ``-1``, "untracked",
once, when the member first takes a record without a quota); a quota set later
recounts before its first claim, so work done before it counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store.models import Membership
from accord.store.workforce import (
    UNTRACKED,
    MemberRow,
    claim_quota,
    mark_untracked,
    recount_quota,
    release_quota,
)

__all__ = ["quota_of", "take_unit", "give_back_unit", "note_untracked"]


def quota_of(settings: Settings, m: MemberRow | Membership | None) -> int | None:
    """The member's quota (their override, else the dataset default); None: unlimited."""
    if m is None:
        return None
    if m.quota is not None:
        return m.quota
    return settings.assignment.quota if settings.assignment is not None else None


def take_unit(session: Session, m: MemberRow | Membership, quota: int, now: datetime) -> bool:
    """Claim one record of the member's quota; False when it is used up."""
    if claim_quota(session, m.dataset_id, m.user_id, quota):
        return True
    recount_quota(session, m.dataset_id, m.user_id, now)
    return claim_quota(session, m.dataset_id, m.user_id, quota)


def note_untracked(session: Session, m: MemberRow | Membership) -> None:
    """A record was handed out without a quota: mark the counter untracked (a write only
    the first time; ``m`` is the row as read before)."""
    if m.claimed != UNTRACKED:
        mark_untracked(session, m.dataset_id, m.user_id)


def give_back_unit(session: Session, m: MemberRow | Membership) -> None:
    """Undo :func:`take_unit` when no record was handed out after all."""
    release_quota(session, m.dataset_id, m.user_id)
