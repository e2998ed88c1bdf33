"""Gold records: known answers mixed into queues and scored silently."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from accord.schema import Settings, validate_values
from accord.store.models import Record
from accord.store.record_status import restatus_record
from accord.store.responses import set_gold
from accord.store.workforce import set_gold_extras

__all__ = ["mark_gold", "score_against_gold", "values_match"]


def mark_gold(session: Session, settings: Settings, record: Record,
              values: dict[str, Any] | None, *, explanation: str | None = None,
              attention: bool = False) -> None:
    """Make ``record`` gold with validated ``values``, or ordinary with ``None``.

    ``explanation`` is shown with the answer after a training answer; ``attention``
    marks an attention check (a gold record with an obvious answer, mixed in at
    ``monitoring.attention_rate``; see :mod:`accord.workflow.monitoring`).
    """
    if values is not None:
        values = validate_values(settings, values, record.fields, require_complete=False)
    set_gold(session, record, values)
    # completed or not, open or full: the one rule decides, with or without the gold flag
    restatus_record(session, record.id, settings.distribution.overlap)
    if values is not None:
        set_gold_extras(session, record.id, explanation=explanation, attention=attention)


def values_match(a: Any, b: Any) -> bool:
    """Order-insensitive equality for set-like answers (multi_label, spans, flags)."""
    if isinstance(a, list) and isinstance(b, list) and all(not isinstance(x, list) for x in a):
        try:
            key = lambda v: repr(sorted(v.items())) if isinstance(v, dict) else repr(v)  # noqa: E731
            return sorted(map(key, a)) == sorted(map(key, b))
        except TypeError:
            return a == b
    return a == b


def score_against_gold(gold: dict[str, Any], values: dict[str, Any]) -> float | None:
    """Share of the gold record's answered questions the response got right.

    Rankings compare as ordered lists (ties nested) and ratings exactly.
    Returns None when the gold record has no answers.
    """
    if not gold:
        return None
    hits = sum(1 for q, v in gold.items() if q in values and values_match(v, values[q]))
    return hits / len(gold)
