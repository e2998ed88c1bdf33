"""``export --redact-pii``: a record's confirmed PII findings replaced in its fields, and
every offset into a redacted text moved with it.

Replacing ``555-123-4567`` by ``[PHONE_NUMBER]`` makes the text two characters longer, so
a span answer after it pointed two characters too early (``'r Ann L'`` for ``Ann Lee``)
and the findings in ``metadata._pii`` no longer matched the text. The span answers of
responses, fixes, suggestions, reviews and gold, the consensus of span questions (what
``conll`` tags from and ``--aggregate`` writes; :class:`MovedConsensus`) and the findings
themselves are moved (:func:`accord.prep.pii_findings.moved_offset`).
"""

from __future__ import annotations

from typing import Any

from accord.prep.pii_findings import (
    moved_findings,
    moved_spans,
    redact_confirmed,
    redaction_plan,
)

__all__ = ["MovedConsensus", "redact_record", "span_fields", "with_moved_consensus"]


def span_fields(settings: Any) -> dict[str, str]:
    """Question name -> the text field its span answers point into."""
    return {q.name: q.field for q in settings.questions if q.type == "span"}


class MovedConsensus:
    """A span question's consensus with the decisions of redacted records moved into their
    redacted text; everything else as the wrapped consensus has it."""

    def __init__(self, consensus: Any) -> None:
        self.original = consensus
        self.moved: dict[int, Any] = {}

    def get(self, record_id: int) -> Any:
        d = self.moved.get(record_id)
        return d if d is not None else self.original.get(record_id)

    def move(self, record_id: int, spans: list[tuple[int, int, str]]) -> None:
        d = self.original.get(record_id)  # always from the original: moving twice is moving once
        if d is not None:
            self.moved[record_id] = d._replace(value=moved_spans(spans, d.value))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


def with_moved_consensus(consensus: dict[str, Any], spans: dict[str, str]) -> None:
    """Wrap the span questions' consensus (in place) so :func:`redact_record` can move it."""
    for name in spans:
        qc = consensus.get(name)
        if qc is not None and not isinstance(qc, MovedConsensus):
            consensus[name] = MovedConsensus(qc)


def redact_record(rec: Any, spans: dict[str, str], consensus: dict[str, Any]) -> None:
    """Redact ``rec`` (an :class:`~accord.store.export.reads.ExportRecord`) in place, and
    move its decisions in ``consensus`` (wrapped by :func:`with_moved_consensus`)."""
    plan = redaction_plan(rec.fields, rec.metadata)
    if not plan:
        return
    rec.fields = redact_confirmed(rec.fields, rec.metadata, plan)
    rec.metadata = moved_findings(rec.metadata, plan)
    moves = {q: plan[f] for q, f in spans.items() if f in plan}
    if not moves:
        return

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
    for name, spans_of in moves.items():
        qc = consensus.get(name)
        if isinstance(qc, MovedConsensus):
            qc.move(rec.id, spans_of)
