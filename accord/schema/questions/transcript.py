"""``transcript``: the text of an audio field, optionally aligned in time.

Value ``{"text": "...", "segments": [{"start": 0.0, "end": 2.1, "text": "hello"}]}``
(segments optional, in time order); a plain string is taken as ``{"text": ...}``.
"""

from __future__ import annotations

from typing import Any, Literal

from accord.schema.questions._media import interval, items
from accord.schema.questions.base import FormField, QuestionBase, QuestionType, fail, short
from accord.schema.questions.registry import register

__all__ = ["TranscriptQuestion", "TYPE"]


class TranscriptQuestion(QuestionBase):
    """The text of an audio field, optionally aligned in time.

    Value ``{"text": "...", "segments": [{"start": 0.0, "end": 2.1, "text": "hello"}]}``.
    """

    type: Literal["transcript"]
    field: str

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: TranscriptQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``transcript`` value; a plain string is taken as ``{"text": ...}``."""
    name = question.name
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise fail(name, f"expected {{\"text\": ..., \"segments\": [...]}}, got {short(value)}")
    extra = set(value) - {"text", "segments"}
    if extra:
        raise fail(name, f"unknown keys {sorted(extra)}; allowed: text, segments")
    if question.required and not value["text"].strip():
        raise fail(name, "the transcript is empty")
    out: dict[str, Any] = {"text": value["text"]}
    if "segments" in value and value["segments"] is not None:
        segments = []
        previous: int | float = 0
        for seg in items(name, value["segments"], "{start, end, text}"):
            if set(seg) != {"start", "end", "text"} or not isinstance(seg["text"], str):
                raise fail(name, f"expected a segment {{start, end, text}}, got {short(seg)}")
            start, end = interval(name, seg)
            if start < previous:
                raise fail(name, f"segment {start}..{end} starts before the one before it; "
                           "segments must be in time order")
            previous = start
            segments.append({"start": start, "end": end, "text": seg["text"]})
        out["segments"] = segments
    return out


TYPE = register(QuestionType(
    name="transcript", model=TranscriptQuestion, validate=validate,
    title="Transcript", description="Write the text of an audio field, optionally in "
    "time-aligned segments.",
    value_example={"text": "hello there", "segments": [{"start": 0.0, "end": 1.2,
                                                        "text": "hello there"}]},
    settings_example={"field": "clip"},
    agreement_metric=None, agreement_level=None, applicable_metrics=(),
    consensus_methods=(), default_consensus=None,
    export_roles=frozenset({"audio_segments"}),
    widget="transcript", wide=True, shows_fields=True, field_types=("audio",),
    form=(FormField("field", "field", "Audio field", required=True),),
    refusals={"*": "free text has no agreement metric"},
))
