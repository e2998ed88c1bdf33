"""Checks shared by the image and audio question types (coordinates, times, labels, scores).

Coordinates and times are finite numbers ``>= 0``; they are returned as given
(integers stay integers) so a saved value reads back exactly.
"""

from __future__ import annotations

import math
from typing import Any

from accord.schema.questions.base import fail, short

__all__ = ["coordinate", "interval", "is_number", "items", "label_of", "point",
           "score_of"]


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def coordinate(name: str, key: str, value: Any, item: Any) -> int | float:
    if not is_number(value) or value < 0:
        raise fail(name, f"{key} must be a finite number >= 0, got {short(value)} in "
                   f"{short(item)}")
    return value  # type: ignore[no-any-return]


def label_of(name: str, labels: dict[str, str], item: dict[str, Any]) -> str:
    label = item.get("label")
    if not isinstance(label, str) or label not in labels:
        raise fail(name, f"{short(label)} is not a label of this question; expected one of "
                   f"{list(labels)}")
    return label


def score_of(name: str, item: dict[str, Any]) -> dict[str, Any]:
    if "score" not in item or item["score"] is None:
        return {}
    score = item["score"]
    if not is_number(score) or not 0 <= score <= 1:
        raise fail(name, f"score must be a number from 0 to 1, got {short(score)} in "
                   f"{short(item)}")
    return {"score": score}


def items(name: str, value: Any, shape: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise fail(name, f"expected a list of {shape}, got {short(value)}")
    for item in value:
        if not isinstance(item, dict):
            raise fail(name, f"expected {shape}, got {short(item)}")
    return value


def point(name: str, value: Any, item: Any) -> list[int | float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise fail(name, f"a point is [x, y], got {short(value)} in {short(item)}")
    return [coordinate(name, "x", value[0], item), coordinate(name, "y", value[1], item)]


def interval(name: str, item: dict[str, Any]) -> tuple[int | float, int | float]:
    start, end = item.get("start"), item.get("end")
    for key, v in (("start", start), ("end", end)):
        if not is_number(v):
            raise fail(name, f"{key} must be a finite number of seconds, got {short(v)} in "
                       f"{short(item)}")
    if start < 0 or end <= start:  # type: ignore[operator]
        raise fail(name, f"segment {start}..{end} is empty or negative; expected "
                   "0 <= start < end (seconds)")
    return start, end  # type: ignore[return-value]
