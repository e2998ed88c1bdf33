"""``video_segment``: labelled time ranges of a video field, in seconds.

Value ``{"duration": 4.0, "segments": [{"start": 0.5, "end": 2.0, "label": "run"}]}``:
``duration`` is the video's length (the widget reads it from the video), and
``0 <= start < end <= duration``. Agreement and consensus are those of the
audio ``segment`` question (temporal IoU, weighted segments fusion).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions._media import interval, items, label_of, score_of
from accord.schema.questions._video import extent, video_object
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

__all__ = ["TYPE", "VideoSegmentQuestion"]

_SHAPE = '{"duration": seconds, "segments": [{start, end, label}]}'


class VideoSegmentQuestion(Labelled):
    """Labelled time ranges of a video field, in seconds."""

    type: Literal["video_segment"]
    field: str
    allow_overlap: bool = True
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: VideoSegmentQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``video_segment`` value: every segment inside ``0..duration``."""
    name = question.name
    value = video_object(name, value, ("duration", "segments"), _SHAPE)
    duration = extent(name, value, "duration", integer=False)
    out = []
    for seg in items(name, value["segments"], "{start, end, label}"):
        extra = set(seg) - {"start", "end", "label", "score"}
        if extra:
            raise fail(name, f"unknown keys {sorted(extra)} in segment {short(seg)}; "
                       "allowed: start, end, label, score")
        start, end = interval(name, seg)
        if end > duration:
            raise fail(name, f"segment {start}..{end} ends after the video ({duration} s); "
                       f"expected 0 <= start < end <= {duration}")
        out.append({"start": start, "end": end, "label": label_of(name, question.labels, seg),
                    **score_of(name, seg)})
    if not question.allow_overlap:
        ordered = sorted(out, key=lambda s: (s["start"], s["end"]))
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b["start"] < a["end"]:
                raise fail(name, f"segments {a['start']}..{a['end']} and {b['start']}.."
                           f"{b['end']} overlap, and this question does not allow overlap")
    return {"duration": duration, "segments": out}


TYPE = register(QuestionType(
    name="video_segment", model=VideoSegmentQuestion, validate=validate,
    title="Video segments", description="Mark labelled time ranges of a video field.",
    value_example={"duration": 4.0, "segments": [{"start": 0.5, "end": 2.0, "label": "run"}]},
    settings_example={"field": "video", "labels": ["run", "walk"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=("fusion",), default_consensus="fusion",
    export_roles=frozenset(),
    widget="video_segment", wide=True, shows_fields=True, field_types=("video",),
    form=(labelled_form(), FormField("field", "field", "Video field", required=True),
          FormField("allow_overlap", "bool", "allow overlap", default=True)),
    refusals=REGION_REFUSALS,
))
