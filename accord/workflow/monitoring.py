"""Ongoing checks: attention checks, rolling gold accuracy and agreement with consensus.

An annotator is paused for review (``memberships.paused`` with a reason the admins
see) when, among their answers since they qualified or were last unpaused:

- ``max_attention_failures`` attention checks in the last ``gold_window`` gold answers
  were failed (an attention check has an obvious answer; any miss counts), or
- their mean score on the last ``gold_window`` ordinary gold answers is below
  ``min_gold_accuracy`` (once ``min_gold_answers`` exist), or
- the share of questions where their last ``consensus_window`` answers equal the
  dataset's consensus (:mod:`accord.store.aggregates`) is below
  ``min_consensus_agreement`` (once ``min_consensus_answers`` exist).

The checks run after each gold answer and on demand (:func:`check_member`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store.audit import record_event
from accord.store.models import Dataset, Membership, utcnow
from accord.store.workforce import recent_consensus_pairs, recent_gold_scores
from accord.workflow.gold import values_match

__all__ = ["pause_reason", "check_member", "pause", "unpause", "consensus_agreement"]


def consensus_agreement(pairs: list[tuple[dict, dict]]) -> tuple[float | None, int]:
    """Share of answered questions equal to the consensus, and how many responses had one.

    >>> consensus_agreement([({"y": "a"}, {"y": "a"}), ({"y": "b"}, {"y": "a"})])
    (0.5, 2)
    """
    hits = total = responses = 0
    for values, consensus in pairs:
        compared = [q for q in consensus if q in values]
        if not compared:
            continue
        responses += 1
        total += len(compared)
        hits += sum(values_match(values[q], consensus[q]) for q in compared)
    return (hits / total if total else None), responses


def pause_reason(session: Session, ds: Dataset, settings: Settings,
                 m: Membership) -> str | None:
    """Why the member should be paused now, or None."""
    mon = settings.monitoring
    if mon is None:
        return None
    scores = recent_gold_scores(session, ds.id, m.user_id, m.monitor_since, mon.gold_window)
    failed_attention = sum(1 for score, att in scores if att and score < 1.0)
    if failed_attention >= mon.max_attention_failures:
        return (f"failed {failed_attention} attention check(s) in the last {len(scores)} gold "
                f"answers (limit {mon.max_attention_failures})")
    gold = [score for score, att in scores if not att]
    if mon.min_gold_accuracy is not None and len(gold) >= mon.min_gold_answers:
        accuracy = sum(gold) / len(gold)
        if accuracy < mon.min_gold_accuracy:
            return (f"gold accuracy {accuracy:.2f} over the last {len(gold)} gold answers is "
                    f"below {mon.min_gold_accuracy:.2f}")
    if mon.min_consensus_agreement is not None:
        pairs = recent_consensus_pairs(session, ds.id, m.user_id, m.monitor_since,
                                       mon.consensus_window)
        agreement, n = consensus_agreement(pairs)
        if agreement is not None and n >= mon.min_consensus_answers \
                and agreement < mon.min_consensus_agreement:
            return (f"agreement with the consensus {agreement:.2f} over the last {n} answers "
                    f"is below {mon.min_consensus_agreement:.2f}")
    return None


def pause(session: Session, ds: Dataset, m: Membership, reason: str, *,
          by: int | None = None, now: datetime | None = None) -> None:
    m.paused = True
    m.pause_reason = reason
    m.paused_at = now or utcnow()
    record_event(session, "workforce.pause", "user", m.user_id, user_id=by, dataset_id=ds.id,
                 details={"reason": reason})
    session.flush()


def unpause(session: Session, ds: Dataset, m: Membership, *, by: int | None = None,
            now: datetime | None = None) -> None:
    """Resume the member; the rolling checks start again from now."""
    now = now or utcnow()
    record_event(session, "workforce.unpause", "user", m.user_id, user_id=by, dataset_id=ds.id,
                 details={"was": m.pause_reason})
    m.paused = False
    m.pause_reason = None
    m.paused_at = None
    m.monitor_since = now
    session.flush()


def check_member(session: Session, ds: Dataset, settings: Settings, m: Membership, *,
                 now: datetime | None = None) -> str | None:
    """Run the checks for a member in the monitored phase; pause them when one fails.
    Returns the reason when they were paused now."""
    if m.paused or m.phase not in (None, "qualified"):
        return None
    reason = pause_reason(session, ds, settings, m)
    if reason is not None:
        pause(session, ds, m, reason, now=now)
    return reason
