"""Checks shared by the video question types: the video's extent and frame numbers.

A video answer carries the extent of the video it was made on (``frames``,
and for boxes ``width``/``height``; ``duration`` in seconds for time
segments): the widget reads them from the loaded video and the field's
``fps``, and every frame, time and box is checked against them.
"""

from __future__ import annotations

from typing import Any

from accord.schema.questions._media import is_number
from accord.schema.questions.base import fail, short

__all__ = ["extent", "frame_number", "video_object", "MAX_FRAMES", "MAX_TRACK_BOXES"]

# Bounds on what one answer may make the server expand frame by frame (agreement,
# consensus and the MOT export walk every frame of every track): about 9 hours of
# video at 30 fps, and as many boxes over all of an answer's tracks.
MAX_FRAMES = 1_000_000
MAX_TRACK_BOXES = 1_000_000


def video_object(name: str, value: Any, keys: tuple[str, ...], shape: str) -> dict[str, Any]:
    """``value`` as a mapping with exactly ``keys`` (a clear error otherwise)."""
    if not isinstance(value, dict):
        raise fail(name, f"expected {shape}, got {short(value)}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise fail(name, f"missing {missing}; expected {shape}")
    extra = sorted(set(value) - set(keys))
    if extra:
        raise fail(name, f"unknown keys {extra}; expected {shape}")
    return value


def extent(name: str, value: dict[str, Any], key: str, *, integer: bool) -> int | float:
    """A positive size of the video (``frames``, ``width``, ``height``, ``duration``)."""
    v = value[key]
    ok = (isinstance(v, int) and not isinstance(v, bool)) if integer else is_number(v)
    if not ok or v <= 0:
        kind = "a whole number" if integer else "a number"
        raise fail(name, f"{key} (the video's {_EXTENT[key]}) must be {kind} > 0, got "
                   f"{short(v)}")
    if key == "frames" and v > MAX_FRAMES:
        raise fail(name, f"frames (the video's number of frames) is {v}; at most {MAX_FRAMES:,} "
                   "frames are supported")
    return v  # type: ignore[no-any-return]


_EXTENT = {"frames": "number of frames", "width": "width in pixels",
           "height": "height in pixels", "duration": "length in seconds"}


def frame_number(name: str, value: Any, frames: int, where: str) -> int:
    """A frame index ``0 <= value < frames``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail(name, f"frame must be a whole number, got {short(value)} in {where}")
    if not 0 <= value < frames:
        raise fail(name, f"frame {value} in {where} is outside the video: expected 0 to "
                   f"{frames - 1} (frames: {frames})")
    return value
