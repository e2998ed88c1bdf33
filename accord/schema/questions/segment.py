"""``segment``: labelled time ranges of an audio field, in seconds.

Value ``[{"start": 0.0, "end": 2.5, "label": "speech"}]``, ``0 <= start < end``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions._media import interval, items, label_of, score_of
from accord.schema.questions.base import (
    FormField,
    Labelled,
    QuestionType,
    fail,
    labelled_form,
    short,
)
from accord.schema.questions.bbox import REGION_REFUSALS
from accord.schema.questions.registry import register

__all__ = ["SegmentQuestion", "TYPE"]


class SegmentQuestion(Labelled):
    """Labelled time ranges of an audio field, in seconds; value ``[{start, end, label}]``."""

    type: Literal["segment"]
    field: str
    allow_overlap: bool = True
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: SegmentQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``segment`` value; overlap is refused when ``allow_overlap`` is false."""
    name = question.name
    out = []
    for seg in items(name, value, "{start, end, label}"):
        extra = set(seg) - {"start", "end", "label", "score"}
        if extra:
            raise fail(name, f"unknown keys {sorted(extra)} in segment {short(seg)}; "
                       "allowed: start, end, label, score")
        if "label" not in seg:
            raise fail(name, f"expected {{start, end, label}}, got {short(seg)}")
        start, end = interval(name, seg)
        out.append({"start": start, "end": end, "label": label_of(name, question.labels, seg),
                    **score_of(name, seg)})
    if not question.allow_overlap:
        ordered = sorted(out, key=lambda s: (s["start"], s["end"]))
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b["start"] < a["end"]:
                raise fail(name, f"segments {a['start']}..{a['end']} and {b['start']}..{b['end']}"
                           " overlap, and this question does not allow overlap")
    return out


TYPE = register(QuestionType(
    name="segment", model=SegmentQuestion, validate=validate,
    title="Audio segments", description="Mark labelled time ranges of an audio field.",
    value_example=[{"start": 0.0, "end": 2.5, "label": "speech"}],
    settings_example={"field": "clip", "labels": ["speech", "music"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=("fusion",), default_consensus="fusion",
    export_roles=frozenset({"audio_segments"}),
    widget="segment", wide=True, shows_fields=True, field_types=("audio",),
    form=(labelled_form(), FormField("field", "field", "Audio field", required=True),
          FormField("allow_overlap", "bool", "allow overlap", default=True)),
    refusals=REGION_REFUSALS,
))
