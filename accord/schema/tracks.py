"""Video tracks: the boxes of a track between its keyframes, by linear interpolation.

A track's value keeps only its keyframes, ``[{"frame": 0, "x": 10, "y": 20, "w": 30,
"h": 40}, ...]`` in frame order; the track exists from its first to its last
keyframe, and at a frame ``f`` between keyframes ``a`` and ``b`` its box is

.. math:: v(f) = v_a + (v_b - v_a) \\cdot \\frac{f - f_a}{f_b - f_a}

for each of ``x, y, w, h`` (the rule of CVAT and Label Studio's video
tracking). :func:`box_at` is the one implementation: validation, agreement,
consensus and the exports call it, and the annotation widget
(``accord/ui/static/js/questions/video_track.js``, ``boxAt``) mirrors it
operation for operation, so the browser draws the boxes the exports write.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["COORDS", "box_at", "simplify_keyframes", "track_boxes", "track_span"]

COORDS = ("x", "y", "w", "h")


def _lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def box_at(keyframes: Sequence[dict[str, Any]], frame: int) -> dict[str, Any] | None:
    """The box of a track at ``frame``, or None outside its first..last keyframe.

    Parameters
    ----------
    keyframes : sequence of dict
        ``{frame, x, y, w, h}`` sorted by ``frame`` (validated values are).
    frame : int

    Returns
    -------
    dict or None
        ``{frame, x, y, w, h, keyframe}``; ``keyframe`` is true on a keyframe
        (its numbers are returned as stored), false when interpolated.

    Examples
    --------
    >>> kf = [{"frame": 0, "x": 0, "y": 0, "w": 10, "h": 10},
    ...       {"frame": 10, "x": 20, "y": 10, "w": 10, "h": 20}]
    >>> box_at(kf, 5)
    {'frame': 5, 'x': 10.0, 'y': 5.0, 'w': 10.0, 'h': 15.0, 'keyframe': False}
    >>> box_at(kf, 11) is None
    True
    """
    if not keyframes or frame < keyframes[0]["frame"] or frame > keyframes[-1]["frame"]:
        return None
    i = bisect_right([k["frame"] for k in keyframes], frame) - 1
    a = keyframes[i]
    if a["frame"] == frame:
        return {"frame": frame, **{c: a[c] for c in COORDS}, "keyframe": True}
    b = keyframes[i + 1]
    t = (frame - a["frame"]) / (b["frame"] - a["frame"])
    return {"frame": frame, **{c: _lerp(float(a[c]), float(b[c]), t) for c in COORDS},
            "keyframe": False}


def track_span(keyframes: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """First and last frame of a track (inclusive)."""
    return keyframes[0]["frame"], keyframes[-1]["frame"]


def track_boxes(keyframes: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every box of a track, first to last keyframe, interpolated between them.

    The same numbers as :func:`box_at` frame by frame, in one pass.

    Examples
    --------
    >>> kf = [{"frame": 2, "x": 0, "y": 0, "w": 4, "h": 4},
    ...       {"frame": 4, "x": 4, "y": 0, "w": 4, "h": 4}]
    >>> [(b["frame"], b["x"], b["keyframe"]) for b in track_boxes(kf)]
    [(2, 0, True), (3, 2.0, False), (4, 4, True)]
    """
    for a, b in zip(keyframes, keyframes[1:], strict=False):
        yield {"frame": a["frame"], **{c: a[c] for c in COORDS}, "keyframe": True}
        span = b["frame"] - a["frame"]
        for f in range(a["frame"] + 1, b["frame"]):
            t = (f - a["frame"]) / span
            yield {"frame": f, **{c: _lerp(float(a[c]), float(b[c]), t) for c in COORDS},
                   "keyframe": False}
    if keyframes:
        last = keyframes[-1]
        yield {"frame": last["frame"], **{c: last[c] for c in COORDS}, "keyframe": True}


def simplify_keyframes(boxes: Sequence[dict[str, Any]], *,
                       tolerance: float = 1e-6) -> list[dict[str, Any]]:
    """The fewest keyframes that reproduce per-frame ``boxes`` within ``tolerance``.

    ``boxes`` are ``{frame, x, y, w, h}`` of consecutive frames (an importer's
    or a consensus's boxes of one track); a box is kept as a keyframe unless
    the straight line from the last kept keyframe to the next box passes every
    box in between within ``tolerance`` pixels (the "swing door" test: one pass,
    an interval of admissible slopes per coordinate). A gap in the frames always
    starts a new keyframe on both sides, but the track still interpolates
    across it (a value has no "absent" frames).

    Examples
    --------
    >>> moving = [{"frame": f, "x": 2 * f, "y": 0, "w": 5, "h": 5} for f in range(6)]
    >>> [k["frame"] for k in simplify_keyframes(moving)]
    [0, 5]
    """
    ordered = sorted(boxes, key=lambda b: b["frame"])
    if len(ordered) <= 2:
        return [{"frame": b["frame"], **{c: b[c] for c in COORDS}} for b in ordered]
    # "swing door": from the last keyframe a, the slopes that keep every box since a within
    # the tolerance form an interval per coordinate; a box whose slope leaves it ends the run
    inf = float("inf")
    kept = [ordered[0]]
    start = 0
    lo, hi = dict.fromkeys(COORDS, -inf), dict.fromkeys(COORDS, inf)
    j = 1
    while j < len(ordered):
        a, b = ordered[start], ordered[j]
        dt = b["frame"] - a["frame"]
        if j > start + 1 and (dt != j - start or not all(
                lo[c] <= (b[c] - a[c]) / dt <= hi[c] for c in COORDS)):
            kept.append(ordered[j - 1])
            start = j - 1
            lo, hi = dict.fromkeys(COORDS, -inf), dict.fromkeys(COORDS, inf)
            continue
        for c in COORDS:
            lo[c] = max(lo[c], (b[c] - tolerance - a[c]) / dt)
            hi[c] = min(hi[c], (b[c] + tolerance - a[c]) / dt)
        j += 1
    kept.append(ordered[-1])
    return [{"frame": b["frame"], **{c: b[c] for c in COORDS}} for b in kept]
