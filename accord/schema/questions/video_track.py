"""``video_track``: objects tracked across the frames of a video field.

Value::

    {"frames": 30, "width": 320, "height": 240,
     "tracks": [{"id": 1, "label": "car",
                 "keyframes": [{"frame": 0, "x": 10, "y": 20, "w": 30, "h": 40},
                               {"frame": 29, "x": 60, "y": 20, "w": 30, "h": 40}]}]}

``frames``, ``width`` and ``height`` are the video's (the widget reads them);
each track has a unique whole-number ``id`` >= 1, a ``label`` and at least one
keyframe (``frame`` unique within the track, boxes in natural video pixels
with ``x, y`` the top-left corner, ``w, h > 0``, inside the frame). Only
keyframes are stored; the boxes in between come from
:func:`accord.schema.tracks.box_at` (linear interpolation). An optional
``score`` (0-1) is kept on a track.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions._media import coordinate, items, label_of, score_of
from accord.schema.questions._video import MAX_TRACK_BOXES, extent, frame_number, video_object
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

__all__ = ["TYPE", "VideoTrackQuestion"]

_SHAPE = '{"frames": count, "width": px, "height": px, "tracks": [{id, label, keyframes}]}'
_KEYFRAME = "{frame, x, y, w, h}"


class VideoTrackQuestion(Labelled):
    """Objects tracked across the frames of a video field: per track an id, a label and a box
    per keyframe (linear interpolation in between)."""

    type: Literal["video_track"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def _keyframe(name: str, kf: Any, frames: int, width: float, height: float,
              where: str) -> dict[str, Any]:
    if not isinstance(kf, dict):
        raise fail(name, f"expected a keyframe {_KEYFRAME}, got {short(kf)} in {where}")
    missing = [k for k in ("frame", "x", "y", "w", "h") if k not in kf]
    extra = sorted(set(kf) - {"frame", "x", "y", "w", "h"})
    if missing or extra:
        raise fail(name, f"expected a keyframe {_KEYFRAME}, got {short(kf)} in {where}")
    frame = frame_number(name, kf["frame"], frames, where)
    box = {k: coordinate(name, k, kf[k], kf) for k in ("x", "y", "w", "h")}
    if box["w"] <= 0 or box["h"] <= 0:
        raise fail(name, f"the box at frame {frame} of {where} has no area; w and h must be > 0")
    if box["x"] + box["w"] > width or box["y"] + box["h"] > height:
        raise fail(name, f"the box at frame {frame} of {where} ({short(kf)}) leaves the "
                   f"{width}x{height} frame; expected x + w <= {width} and y + h <= {height}")
    return {"frame": frame, **box}


def validate(value: Any, question: VideoTrackQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``video_track`` value; returns it with each track's keyframes in frame order."""
    name = question.name
    value = video_object(name, value, ("frames", "width", "height", "tracks"), _SHAPE)
    frames = int(extent(name, value, "frames", integer=True))
    width = extent(name, value, "width", integer=False)
    height = extent(name, value, "height", integer=False)
    seen: set[int] = set()
    tracks = []
    for track in items(name, value["tracks"], "{id, label, keyframes}"):
        extra = sorted(set(track) - {"id", "label", "keyframes", "score"})
        if extra:
            raise fail(name, f"unknown keys {extra} in track {short(track)}; allowed: id, "
                       "label, keyframes, score")
        tid = track.get("id")
        if not isinstance(tid, int) or isinstance(tid, bool) or tid < 1:
            raise fail(name, f"a track id must be a whole number >= 1, got {short(tid)}")
        if tid in seen:
            raise fail(name, f"track id {tid} is used twice; every track needs its own id")
        seen.add(tid)
        where = f"track {tid}"
        keyframes = track.get("keyframes")
        if not isinstance(keyframes, list) or not keyframes:
            raise fail(name, f"{where} needs a non-empty list of keyframes {_KEYFRAME}, got "
                       f"{short(keyframes)}")
        kfs = sorted((_keyframe(name, k, frames, width, height, where) for k in keyframes),
                     key=lambda k: k["frame"])
        for a, b in zip(kfs, kfs[1:], strict=False):
            if a["frame"] == b["frame"]:
                raise fail(name, f"{where} has two keyframes at frame {a['frame']}; expected "
                           "one box per frame")
        tracks.append({"id": tid, "label": label_of(name, question.labels, track),
                       "keyframes": kfs, **score_of(name, track)})
    boxes = sum(t["keyframes"][-1]["frame"] - t["keyframes"][0]["frame"] + 1 for t in tracks)
    if boxes > MAX_TRACK_BOXES:
        raise fail(name, f"the tracks span {boxes:,} boxes in all (each track from its first "
                   f"to its last keyframe); at most {MAX_TRACK_BOXES:,} per answer")
    return {"frames": frames, "width": width, "height": height, "tracks": tracks}


TYPE = register(QuestionType(
    name="video_track", model=VideoTrackQuestion, validate=validate,
    title="Video tracks",
    description="Track objects across the frames of a video field: a box per keyframe, "
                "interpolated in between.",
    value_example={"frames": 30, "width": 320, "height": 240, "tracks": [
        {"id": 1, "label": "car", "keyframes": [
            {"frame": 0, "x": 10, "y": 20, "w": 30, "h": 40},
            {"frame": 29, "x": 60, "y": 20, "w": 30, "h": 40}]}]},
    settings_example={"field": "video", "labels": ["car", "person"]},
    agreement_metric="track_mot", agreement_level=None, applicable_metrics=("track_mot",),
    consensus_methods=("track_fusion",), default_consensus="track_fusion",
    export_roles=frozenset({"video_tracks"}),
    widget="video_track", wide=True, shows_fields=True, field_types=("video",),
    form=(labelled_form(), FormField("field", "field", "Video field", required=True)),
    refusals={**REGION_REFUSALS, "region_f1": "tracks are compared frame by frame with "
              "identities (MOTA, IDF1); use track_mot"},
))
