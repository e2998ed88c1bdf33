"""Per-frame boxes of imported tracks (MOT, COCO-video) as a ``video_track`` value.

Boxes are clipped to the frame (MOT ground truth has boxes that leave the
image; a ``video_track`` value keeps boxes inside it) and a box left without
area is dropped; each track keeps the fewest keyframes that reproduce its
boxes (:func:`accord.schema.tracks.simplify_keyframes`, exact to 1e-6 px), so
exporting and importing again gives the same boxes frame by frame.
"""

from __future__ import annotations

from typing import Any

from accord.schema.tracks import simplify_keyframes

__all__ = ["clip_box", "tracks_value"]


def clip_box(box: dict[str, Any], width: float, height: float) -> dict[str, Any] | None:
    """``box`` (``frame, x, y, w, h``) cut to the ``width`` x ``height`` frame, or None.

    Examples
    --------
    >>> clip_box({"frame": 0, "x": -5, "y": 2, "w": 10, "h": 4}, 100, 100)
    {'frame': 0, 'x': 0, 'y': 2, 'w': 5, 'h': 4}
    >>> clip_box({"frame": 0, "x": 120, "y": 2, "w": 10, "h": 4}, 100, 100) is None
    True
    """
    x0, y0 = max(box["x"], 0), max(box["y"], 0)
    x1, y1 = min(box["x"] + box["w"], width), min(box["y"] + box["h"], height)
    if x1 <= x0 or y1 <= y0:
        return None
    return {"frame": box["frame"], "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}


def tracks_value(boxes: dict[int, list[dict[str, Any]]], labels: dict[int, str], *,
                 frames: int, width: float, height: float,
                 scores: dict[int, float] | None = None) -> dict[str, Any]:
    """A ``video_track`` value from track id -> per-frame boxes and track id -> label."""
    tracks = []
    for tid in sorted(boxes):
        kept = [c for b in boxes[tid] if (c := clip_box(b, width, height)) is not None]
        if not kept:
            continue
        track: dict[str, Any] = {"id": tid, "label": labels[tid],
                                 "keyframes": simplify_keyframes(kept)}
        if scores and tid in scores and 0 <= scores[tid] <= 1:
            track["score"] = scores[tid]
        tracks.append(track)
    return {"frames": frames, "width": width, "height": height, "tracks": tracks}
