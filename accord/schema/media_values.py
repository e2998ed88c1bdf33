"""Validate the values of image and audio questions.

The shapes (docs/settings.md, "Response values"):

- ``bbox``: ``[{"x", "y", "w", "h", "label"}]`` in natural image pixels, ``x, y``
  the top-left corner, ``w, h > 0``; an optional ``score`` (0-1) is kept;
- ``polygon``: ``[{"points": [[x, y], ...], "label"}]`` with at least 3 points;
- ``keypoints``: ``[{"points": {name: [x, y]}, "label"}]``, one item per instance;
  a missing name is a point that is not visible;
- ``segment``: ``[{"start", "end", "label"}]`` in seconds, ``0 <= start < end``;
- ``transcript``: ``{"text", "segments": [{"start", "end", "text"}]}`` (segments
  optional, in time order).

Coordinates and times are finite numbers ``>= 0``; they are returned as given
(integers stay integers) so a saved value reads back exactly.
"""

from __future__ import annotations

import math
from typing import Any

from accord.errors import InputError
from accord.schema.questions import (
    BboxQuestion,
    KeypointsQuestion,
    PolygonQuestion,
    SegmentQuestion,
    TranscriptQuestion,
)

__all__ = ["validate_bboxes", "validate_polygons", "validate_keypoints", "validate_segments",
           "validate_transcript"]


def _fail(question: str, message: str) -> InputError:
    return InputError(message, field=question)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _coordinate(name: str, key: str, value: Any, item: Any) -> int | float:
    if not _is_number(value) or value < 0:
        raise _fail(name, f"{key} must be a finite number >= 0, got {_short(value)} in "
                    f"{_short(item)}")
    return value  # type: ignore[no-any-return]


def _label(name: str, labels: dict[str, str], item: dict[str, Any]) -> str:
    label = item.get("label")
    if not isinstance(label, str) or label not in labels:
        raise _fail(name, f"{_short(label)} is not a label of this question; expected one of "
                    f"{list(labels)}")
    return label


def _score(name: str, item: dict[str, Any]) -> dict[str, Any]:
    if "score" not in item or item["score"] is None:
        return {}
    score = item["score"]
    if not _is_number(score) or not 0 <= score <= 1:
        raise _fail(name, f"score must be a number from 0 to 1, got {_short(score)} in "
                    f"{_short(item)}")
    return {"score": score}


def _items(name: str, value: Any, shape: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _fail(name, f"expected a list of {shape}, got {_short(value)}")
    for item in value:
        if not isinstance(item, dict):
            raise _fail(name, f"expected {shape}, got {_short(item)}")
    return value


def _point(name: str, value: Any, item: Any) -> list[int | float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _fail(name, f"a point is [x, y], got {_short(value)} in {_short(item)}")
    return [_coordinate(name, "x", value[0], item), _coordinate(name, "y", value[1], item)]


def validate_bboxes(question: BboxQuestion, value: Any) -> list[dict[str, Any]]:
    """Check a ``bbox`` value; return it with only the documented keys."""
    name = question.name
    out = []
    for box in _items(name, value, "{x, y, w, h, label}"):
        missing = [k for k in ("x", "y", "w", "h", "label") if k not in box]
        if missing:
            raise _fail(name, f"box {_short(box)} is missing {missing}; expected "
                        "{x, y, w, h, label}")
        extra = set(box) - {"x", "y", "w", "h", "label", "score"}
        if extra:
            raise _fail(name, f"unknown keys {sorted(extra)} in box {_short(box)}; allowed: "
                        "x, y, w, h, label, score")
        coords = {k: _coordinate(name, k, box[k], box) for k in ("x", "y", "w", "h")}
        if coords["w"] <= 0 or coords["h"] <= 0:
            raise _fail(name, f"box {_short(box)} has no area; w and h must be > 0")
        out.append({**coords, "label": _label(name, question.labels, box), **_score(name, box)})
    return out


def validate_polygons(question: PolygonQuestion, value: Any) -> list[dict[str, Any]]:
    """Check a ``polygon`` value; points become ``[x, y]`` lists."""
    name = question.name
    out = []
    for poly in _items(name, value, "{points, label}"):
        if "points" not in poly or "label" not in poly:
            raise _fail(name, f"expected {{points, label}}, got {_short(poly)}")
        extra = set(poly) - {"points", "label", "score"}
        if extra:
            raise _fail(name, f"unknown keys {sorted(extra)} in polygon {_short(poly)}; "
                        "allowed: points, label, score")
        points = poly["points"]
        if not isinstance(points, list) or len(points) < 3:
            raise _fail(name, f"a polygon needs a list of at least 3 points [x, y], got "
                        f"{_short(points)}")
        out.append({"points": [_point(name, p, poly) for p in points],
                    "label": _label(name, question.labels, poly), **_score(name, poly)})
    return out


def validate_keypoints(question: KeypointsQuestion, value: Any) -> list[dict[str, Any]]:
    """Check a ``keypoints`` value (a list of instances)."""
    name = question.name
    out = []
    for inst in _items(name, value, "{points: {name: [x, y]}, label}"):
        extra = set(inst) - {"points", "label", "score"}
        if extra:
            raise _fail(name, f"unknown keys {sorted(extra)} in instance {_short(inst)}; "
                        "allowed: points, label, score")
        points = inst.get("points")
        if not isinstance(points, dict) or not points:
            raise _fail(name, f"an instance needs \"points\": {{name: [x, y]}} with at least one "
                        f"visible point, got {_short(inst)}")
        unknown = [k for k in points if k not in question.points]
        if unknown:
            raise _fail(name, f"{_short(unknown[0])} is not a point of this question; expected "
                        f"any of {question.points}")
        # in the order of the settings, so equal instances compare equal
        checked = {k: _point(name, points[k], inst) for k in question.points if k in points}
        item: dict[str, Any] = {"points": checked}
        label = inst.get("label")
        if label is not None:
            if question.labels is None:
                raise _fail(name, f"label {_short(label)} given, but this question has no "
                            "instance labels")
            item["label"] = _label(name, question.labels, inst)
        item.update(_score(name, inst))
        out.append(item)
    return out


def _interval(name: str, item: dict[str, Any]) -> tuple[int | float, int | float]:
    start, end = item.get("start"), item.get("end")
    for key, v in (("start", start), ("end", end)):
        if not _is_number(v):
            raise _fail(name, f"{key} must be a finite number of seconds, got {_short(v)} in "
                        f"{_short(item)}")
    if start < 0 or end <= start:  # type: ignore[operator]
        raise _fail(name, f"segment {start}..{end} is empty or negative; expected "
                    "0 <= start < end (seconds)")
    return start, end  # type: ignore[return-value]


def validate_segments(question: SegmentQuestion, value: Any) -> list[dict[str, Any]]:
    """Check a ``segment`` value; overlap is refused when ``allow_overlap`` is false."""
    name = question.name
    out = []
    for seg in _items(name, value, "{start, end, label}"):
        extra = set(seg) - {"start", "end", "label", "score"}
        if extra:
            raise _fail(name, f"unknown keys {sorted(extra)} in segment {_short(seg)}; "
                        "allowed: start, end, label, score")
        if "label" not in seg:
            raise _fail(name, f"expected {{start, end, label}}, got {_short(seg)}")
        start, end = _interval(name, seg)
        out.append({"start": start, "end": end, "label": _label(name, question.labels, seg),
                    **_score(name, seg)})
    if not question.allow_overlap:
        ordered = sorted(out, key=lambda s: (s["start"], s["end"]))
        for a, b in zip(ordered, ordered[1:]):
            if b["start"] < a["end"]:
                raise _fail(name, f"segments {a['start']}..{a['end']} and {b['start']}..{b['end']}"
                            " overlap, and this question does not allow overlap")
    return out


def validate_transcript(question: TranscriptQuestion, value: Any) -> dict[str, Any]:
    """Check a ``transcript`` value; a plain string is taken as ``{"text": ...}``."""
    name = question.name
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise _fail(name, f"expected {{\"text\": ..., \"segments\": [...]}}, got {_short(value)}")
    extra = set(value) - {"text", "segments"}
    if extra:
        raise _fail(name, f"unknown keys {sorted(extra)}; allowed: text, segments")
    if question.required and not value["text"].strip():
        raise _fail(name, "the transcript is empty")
    out: dict[str, Any] = {"text": value["text"]}
    if "segments" in value and value["segments"] is not None:
        segments = []
        previous: int | float = 0
        for seg in _items(name, value["segments"], "{start, end, text}"):
            if set(seg) != {"start", "end", "text"} or not isinstance(seg["text"], str):
                raise _fail(name, f"expected a segment {{start, end, text}}, got {_short(seg)}")
            start, end = _interval(name, seg)
            if start < previous:
                raise _fail(name, f"segment {start}..{end} starts before the one before it; "
                            "segments must be in time order")
            previous = start
            segments.append({"start": start, "end": end, "text": seg["text"]})
        out["segments"] = segments
    return out
