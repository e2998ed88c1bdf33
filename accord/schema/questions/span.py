"""``span``: labelled character spans over a text field; value ``[{start, end, label}]``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions.base import (
    FormField,
    Labelled,
    QuestionType,
    fail,
    labelled_form,
    short,
)
from accord.schema.questions.registry import register

__all__ = ["SpanQuestion", "TYPE"]


class SpanQuestion(Labelled):
    """Labelled character spans over a text field; value ``[{start, end, label}]``."""

    type: Literal["span"]
    field: str
    allow_overlap: bool = False
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: SpanQuestion, record_fields: dict[str, Any]) -> Any:
    name = question.name
    text = record_fields.get(question.field)
    if not isinstance(value, list):
        raise fail(name, f"expected a list of {{start, end, label}}, got {short(value)}")
    length = len(text) if isinstance(text, str) else None
    out = []
    for span in value:
        if not isinstance(span, dict) or not {"start", "end", "label"} <= set(span):
            raise fail(name, f"expected {{start, end, label}}, got {short(span)}")
        start, end, label = span["start"], span["end"], span["label"]
        if any(isinstance(x, bool) or not isinstance(x, int) for x in (start, end)):
            raise fail(name, f"start and end must be integers, got {short(span)}")
        if label not in question.labels:
            raise fail(name, f"{short(label)} is not a label of this question; expected one of "
                       f"{list(question.labels)}")
        if start < 0 or end <= start:
            raise fail(name, f"span {start}..{end} is empty or negative")
        if length is not None and end > length:
            raise fail(name, f"span {start}..{end} is outside the text of field "
                       f"{question.field!r} ({length} characters)")
        out.append({"start": start, "end": end, "label": label})
    if not question.allow_overlap:
        ordered = sorted(out, key=lambda s: (s["start"], s["end"]))
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b["start"] < a["end"]:
                raise fail(name, f"spans {a['start']}..{a['end']} and {b['start']}..{b['end']} "
                           "overlap, and this question does not allow overlap")
    return out


_NOT_A_LABEL = "spans are character ranges, not one label per record; use span_f1"

TYPE = register(QuestionType(
    name="span", model=SpanQuestion, validate=validate,
    title="Spans", description="Mark labelled character ranges of a text field.",
    value_example=[{"start": 0, "end": 5, "label": "PER"}],
    settings_example={"field": "prompt", "labels": ["PER", "ORG", "LOC"]},
    agreement_metric="span_f1", agreement_level=None, applicable_metrics=("span_f1",),
    consensus_methods=("vote",), default_consensus="vote",
    export_roles=frozenset({"consensus_column", "records_filter", "spans"}),
    widget="span", wide=True, shows_fields=True, field_types=("text", "markdown"),
    form=(labelled_form(), FormField("field", "field", "Field", required=True),
          FormField("allow_overlap", "bool", "allow overlap", default=False)),
    refusals={m: _NOT_A_LABEL for m in ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")},
))
