"""The dashboard's "since yesterday" numbers and per-question answer distributions.

Counts of the last 24 hours against the 24 hours before: submitted responses,
review verdicts and completed records (a record completes with the
submission that gives it ``distribution.overlap`` submitted responses). The
answer distributions count the *counted* answers of the one loader
(:func:`accord.store.answers.load_answers`: rejected responses out, fixes in)
per label of each label, multi-label, rating, pairwise (its choice) and flags
question.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store.answers import load_answers
from accord.store.models import Dataset, utcnow
from accord.store.stats import completions_since, reviews_since, submitted_since

__all__ = ["DISTRIBUTED_TYPES", "answer_distributions", "changes_since_yesterday"]

#: question types whose answers have a per-label distribution
DISTRIBUTED_TYPES = ("label", "multi_label", "rating", "pairwise", "flags")


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _split(times: list[datetime], start: datetime, middle: datetime) -> tuple[int, int]:
    last = sum(1 for t in times if _aware(t) >= middle)
    before = sum(1 for t in times if start <= _aware(t) < middle)
    return last, before


def changes_since_yesterday(session: Session, ds: Dataset, settings: Settings, *,
                            now: datetime | None = None, hours: int = 24) -> dict[str, Any]:
    """Submitted responses, review verdicts and completed records in the last ``hours``
    and in the ``hours`` before.

    Returns
    -------
    dict
        ``{"now", "hours", "rows": [{"metric", "last", "previous", "change"}]}``;
        ``change`` is ``last - previous``.
    """
    now = now or utcnow()
    middle = now - timedelta(hours=hours)
    start = middle - timedelta(hours=hours)
    overlap = settings.distribution.overlap
    done = []
    for times in completions_since(session, ds.id, start).values():
        if len(times) >= overlap:
            done.append(times[overlap - 1])
        else:  # completed under an earlier, lower overlap: its last submission
            done.append(times[-1])
    rows = []
    for metric, times in (("responses submitted", submitted_since(session, ds.id, start)),
                          ("review verdicts", reviews_since(session, ds.id, start)),
                          ("records completed", done)):
        last, previous = _split(times, start, middle)
        rows.append({"metric": metric, "last": last, "previous": previous,
                     "change": last - previous})
    return {"now": now.isoformat(), "hours": hours, "rows": rows}


def _labels_of(value: Any, qtype: str) -> list[Any]:
    if qtype == "multi_label":
        return list(value) if isinstance(value, list) else []
    if qtype == "flags":
        return [f.get("label") for f in value if isinstance(f, dict)] \
            if isinstance(value, list) else []
    if qtype == "pairwise":
        return [value.get("choice")] if isinstance(value, dict) else []
    return [value]


def answer_distributions(session: Session, ds: Dataset, settings: Settings
                         ) -> dict[str, dict[str, Any]]:
    """``{question: {"type", "answers", "counts": [[label, n], ...]}}`` for every label-like
    question, labels in the settings' order (then any others, e.g. retired ones), with
    ``answers`` the number of counted answers."""
    questions = [q for q in settings.questions if q.type in DISTRIBUTED_TYPES]
    answers = load_answers(session, ds.id, [q.name for q in questions])
    out = {}
    for q in questions:
        got = answers.get(q.name)
        counts: Counter[Any] = Counter()
        for value in got.values:
            counts.update(v for v in _labels_of(value, q.type) if v is not None)
        known = _known_labels(q)
        order = [v for v in known] + sorted((v for v in counts if v not in known), key=str)
        out[q.name] = {"type": q.type, "answers": len(got.values),
                       "counts": [[v, counts.get(v, 0)] for v in order]}
    return out


def _known_labels(question: Any) -> list[Any]:
    if question.type == "rating":
        return list(range(question.min, question.max + 1))
    if question.type == "pairwise":
        return ["a", "b", "tie"] if getattr(question, "allow_tie", False) else ["a", "b"]
    labels = getattr(question, "labels", None) or {}
    return list(labels)
