"""``video_frame_label``: a label per range of frames of a video field.

Value ``{"frames": 100, "ranges": [{"start": 0, "end": 29, "label": "walk"}]}``:
``frames`` is the video's number of frames (at the field's ``fps``), a range
covers frames ``start..end`` inclusive, ``0 <= start <= end < frames``, and no
frame has two labels (ranges do not overlap). Frames outside every range are
unlabelled. Agreement is region F1 of the ranges as time intervals
``[start, end + 1)``; consensus is a frame-by-frame majority vote.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions._media import items, label_of
from accord.schema.questions._video import extent, frame_number, video_object
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

__all__ = ["TYPE", "VideoFrameLabelQuestion"]

_SHAPE = '{"frames": count, "ranges": [{start, end, label}]}'


class VideoFrameLabelQuestion(Labelled):
    """A label per range of frames of a video field (frames counted at the field's fps)."""

    type: Literal["video_frame_label"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: VideoFrameLabelQuestion,
             record_fields: dict[str, Any]) -> Any:
    """Check a ``video_frame_label`` value; returns its ranges in frame order."""
    name = question.name
    value = video_object(name, value, ("frames", "ranges"), _SHAPE)
    frames = int(extent(name, value, "frames", integer=True))
    out: list[dict[str, Any]] = []
    for r in items(name, value["ranges"], "{start, end, label}"):
        missing = [k for k in ("start", "end", "label") if k not in r]
        extra = sorted(set(r) - {"start", "end", "label"})
        if missing or extra:
            raise fail(name, f"expected {{start, end, label}} (frames, inclusive), got "
                       f"{short(r)}")
        where = f"range {short(r)}"
        start = frame_number(name, r["start"], frames, where)
        end = frame_number(name, r["end"], frames, where)
        if end < start:
            raise fail(name, f"range {start}..{end} ends before it starts; expected "
                       "start <= end (frames, inclusive)")
        out.append({"start": start, "end": end, "label": label_of(name, question.labels, r)})
    out.sort(key=lambda r: r["start"])
    for a, b in zip(out, out[1:], strict=False):
        if b["start"] <= a["end"]:
            raise fail(name, f"ranges {a['start']}..{a['end']} and {b['start']}..{b['end']} "
                       "overlap; a frame has at most one label")
    return {"frames": frames, "ranges": out}


TYPE = register(QuestionType(
    name="video_frame_label", model=VideoFrameLabelQuestion, validate=validate,
    title="Video frame labels", description="Give ranges of frames of a video field a label.",
    value_example={"frames": 100, "ranges": [{"start": 0, "end": 29, "label": "walk"}]},
    settings_example={"field": "video", "labels": ["walk", "run"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=("frame_vote",), default_consensus="frame_vote",
    export_roles=frozenset(),
    widget="video_frame_label", wide=True, shows_fields=True, field_types=("video",),
    form=(labelled_form(), FormField("field", "field", "Video field", required=True)),
    refusals=REGION_REFUSALS,
))
