"""``export --redact-pii``: a record's confirmed PII findings replaced in its fields, and
every offset into a redacted text moved with it.

Replacing ``555-123-4567`` by ``[PHONE_NUMBER]`` makes the text two characters longer, so
a span answer after it pointed two characters too early (``'r Ann L'`` for ``Ann Lee``)
and the findings in ``metadata._pii`` no longer matched the text. The span answers of
responses, fixes, suggestions, reviews and gold, the consensus decision the row builder
gets and the findings themselves are moved (:func:`accord.prep.pii_findings.moved_offset`).
"""

from __future__ import annotations

from typing import Any

from accord.prep.pii_findings import (
    moved_findings,
    moved_spans,
    redact_confirmed,
    redaction_plan,
)

__all__ = ["redact_record", "span_fields"]


def span_fields(settings: Any) -> dict[str, str]:
    """Question name -> the text field its span answers point into."""
    return {q.name: q.field for q in settings.questions if q.type == "span"}


def redact_record(rec: Any, spans: dict[str, str], question: str | None,
                  decision: Any) -> Any:
    """Redact ``rec`` (an :class:`~accord.store.export.reads.ExportRecord`) in place and
    return ``decision`` (the consensus on ``question``) with its offsets moved too."""
    plan = redaction_plan(rec.fields, rec.metadata)
    if not plan:
        return decision
    rec.fields = redact_confirmed(rec.fields, rec.metadata, plan)
    rec.metadata = moved_findings(rec.metadata, plan)
    moves = {q: plan[f] for q, f in spans.items() if f in plan}
    if not moves:
        return decision

    def values(v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {k: moved_spans(moves[k], x) if k in moves else x for k, x in v.items()}

    rec.responses = [r._replace(values=values(r.values), fix=values(r.fix))
                     for r in rec.responses]
    if rec.suggestions:
        rec.suggestions = [s._replace(value=moved_spans(moves[s.question], s.value))
                           if s.question in moves else s for s in rec.suggestions]
    if rec.reviews:
        rec.reviews = [r._replace(values=values(r.values)) for r in rec.reviews]
    rec.gold = values(rec.gold)
    if decision is not None and question in moves:
        decision = decision._replace(value=moved_spans(moves[question], decision.value))
    return decision
