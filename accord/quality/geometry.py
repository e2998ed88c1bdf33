"""Regions on an image or in time: boxes, polygons and segments, and their IoU.

Values come in accord's response shapes (docs/settings.md):

- a box ``{"x", "y", "w", "h", "label"}`` (``x, y`` the top-left corner);
- a polygon ``{"points": [[x, y], ...], "label"}``;
- a segment ``{"start", "end", "label"}`` in seconds.

Intersection over union (IoU, the Jaccard index of the two regions) is the
similarity every matcher here uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from accord.errors import InputError

__all__ = ["Box", "Segment", "Polygon", "as_box", "as_segment", "as_polygon", "box_iou",
           "box_iou_matrix", "segment_iou", "segment_iou_matrix", "polygon_area", "polygon_iou",
           "polygon_iou_matrix"]


class Box(NamedTuple):
    """An axis-aligned box: top-left ``x, y``, width and height, label and score."""

    x: float
    y: float
    w: float
    h: float
    label: Any
    score: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "label": self.label}


class Segment(NamedTuple):
    """A labelled time range ``[start, end)`` in seconds."""

    start: float
    end: float
    label: Any
    score: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


class Polygon(NamedTuple):
    """A labelled polygon: its vertices in order."""

    points: tuple[tuple[float, float], ...]
    label: Any
    score: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"points": [list(p) for p in self.points], "label": self.label}


def _num(value: Any, what: str) -> float:
    if value.__class__ is float or value.__class__ is int:  # the common case, fast
        if value.__class__ is int or math.isfinite(value):
            return float(value)
    elif not isinstance(value, bool) and isinstance(value, (int, float, np.number)) and \
            math.isfinite(value):
        return float(value)
    raise InputError(f"{what} must be a finite number, got {value!r}")


def as_box(value: Any) -> Box:
    """Read a box from a dict or an ``(x, y, w, h, label[, score])`` tuple.

    Examples
    --------
    >>> as_box({"x": 1, "y": 2, "w": 3, "h": 4, "label": "car"})
    Box(x=1.0, y=2.0, w=3.0, h=4.0, label='car', score=1.0)
    """
    if isinstance(value, Box):
        return value
    if isinstance(value, dict):
        try:
            x, y, w, h, label = (value[k] for k in ("x", "y", "w", "h", "label"))
        except KeyError as exc:
            raise InputError(f"box {value!r} is missing {exc.args[0]!r}") from None
        score = value.get("score", 1.0)
    elif isinstance(value, (tuple, list)) and len(value) in (5, 6):
        x, y, w, h, label = value[:5]
        score = value[5] if len(value) == 6 else 1.0
    else:
        raise InputError(f"expected a box {{x, y, w, h, label}}, got {value!r}")
    box = Box(_num(x, "x"), _num(y, "y"), _num(w, "w"), _num(h, "h"), label,
              1.0 if score is None else _num(score, "score"))
    if box.w <= 0 or box.h <= 0:
        raise InputError(f"box {value!r} has no area (w and h must be > 0)")
    return box


def as_segment(value: Any) -> Segment:
    """Read a segment from a dict or a ``(start, end, label[, score])`` tuple."""
    if isinstance(value, Segment):
        return value
    if isinstance(value, dict):
        try:
            start, end, label = value["start"], value["end"], value["label"]
        except KeyError as exc:
            raise InputError(f"segment {value!r} is missing {exc.args[0]!r}") from None
        score = value.get("score", 1.0)
    elif isinstance(value, (tuple, list)) and len(value) in (3, 4):
        start, end, label = value[:3]
        score = value[3] if len(value) == 4 else 1.0
    else:
        raise InputError(f"expected a segment {{start, end, label}}, got {value!r}")
    seg = Segment(_num(start, "start"), _num(end, "end"), label,
                  1.0 if score is None else _num(score, "score"))
    if seg.end <= seg.start:
        raise InputError(f"segment {value!r} is empty (end must be after start)")
    return seg


def as_polygon(value: Any) -> Polygon:
    """Read a polygon from ``{"points": [[x, y], ...], "label"}``."""
    if isinstance(value, Polygon):
        return value
    if not isinstance(value, dict) or "points" not in value or "label" not in value:
        raise InputError(f"expected a polygon {{points, label}}, got {value!r}")
    points = value["points"]
    if not isinstance(points, (list, tuple)) or len(points) < 3:
        raise InputError(f"a polygon needs at least 3 points, got {points!r}")
    pts = []
    for p in points:
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise InputError(f"a point is [x, y], got {p!r}")
        pts.append((_num(p[0], "x"), _num(p[1], "y")))
    score = value.get("score", 1.0)
    return Polygon(tuple(pts), value["label"], 1.0 if score is None else _num(score, "score"))


def box_iou(a: Any, b: Any) -> float:
    r"""Intersection over union of two boxes.

    .. math::

        \mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A| + |B| - |A \cap B|}

    Examples
    --------
    >>> box_iou({"x": 0, "y": 0, "w": 2, "h": 2, "label": "a"},
    ...         {"x": 1, "y": 1, "w": 2, "h": 2, "label": "a"})  # 1 / (4 + 4 - 1)
    0.14285714285714285
    """
    a, b = as_box(a), as_box(b)
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return min(1.0, inter / union) if union > 0 else 0.0


def box_iou_matrix(a: Sequence[Box], b: Sequence[Box]) -> np.ndarray:
    """IoU of every box of ``a`` (rows) with every box of ``b`` (columns)."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    A = np.array([[x.x, x.y, x.x + x.w, x.y + x.h] for x in a])
    B = np.array([[x.x, x.y, x.x + x.w, x.y + x.h] for x in b])
    ix = np.maximum(np.minimum(A[:, None, 2], B[None, :, 2]) - np.maximum(A[:, None, 0],
                                                                            B[None, :, 0]), 0.0)
    iy = np.maximum(np.minimum(A[:, None, 3], B[None, :, 3]) - np.maximum(A[:, None, 1],
                                                                            B[None, :, 1]), 0.0)
    inter = ix * iy
    area_a = (A[:, 2] - A[:, 0]) * (A[:, 3] - A[:, 1])
    area_b = (B[:, 2] - B[:, 0]) * (B[:, 3] - B[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.minimum(np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0), 1.0)


def segment_iou(a: Any, b: Any) -> float:
    """Temporal IoU: shared time over the time covered by either segment.

    Examples
    --------
    >>> segment_iou((0, 4, "speech"), (2, 6, "speech"))  # 2 / 6
    0.3333333333333333
    """
    a, b = as_segment(a), as_segment(b)
    inter = max(0.0, min(a.end, b.end) - max(a.start, b.start))
    union = (a.end - a.start) + (b.end - b.start) - inter
    return min(1.0, inter / union) if union > 0 else 0.0


def segment_iou_matrix(a: Sequence[Segment], b: Sequence[Segment]) -> np.ndarray:
    """Temporal IoU of every segment of ``a`` (rows) with every segment of ``b``."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    A = np.array([[s.start, s.end] for s in a])
    B = np.array([[s.start, s.end] for s in b])
    inter = np.maximum(np.minimum(A[:, None, 1], B[None, :, 1]) - np.maximum(A[:, None, 0],
                                                                               B[None, :, 0]),
                       0.0)
    union = (A[:, 1] - A[:, 0])[:, None] + (B[:, 1] - B[:, 0])[None, :] - inter
    return np.minimum(np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0), 1.0)


def _signed_area(points: Sequence[tuple[float, float]]) -> float:
    """Shoelace formula: positive for counter-clockwise vertices (y up)."""
    pts = np.asarray(points, dtype=float)
    x, y = pts[:, 0], pts[:, 1]
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)))


def polygon_area(points: Sequence[tuple[float, float]]) -> float:
    """Area of a simple polygon (shoelace formula), whatever its orientation.

    Examples
    --------
    >>> polygon_area([(0, 0), (4, 0), (4, 3)])
    6.0
    """
    return abs(_signed_area(points))


def _clip_convex(subject: list[tuple[float, float]],
                 clip: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: ``subject`` clipped by the convex, counter-clockwise ``clip``."""
    out = subject
    n = len(clip)
    for i in range(n):
        if not out:
            break
        (ax, ay), (bx, by) = clip[i], clip[(i + 1) % n]
        inp, out = out, []

        def side(p: tuple[float, float], ax: float = ax, ay: float = ay, bx: float = bx,
                 by: float = by) -> float:
            return (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)

        for j in range(len(inp)):
            p, q = inp[j], inp[(j + 1) % len(inp)]
            sp, sq = side(p), side(q)
            if sp >= 0:
                out.append(p)
            if (sp >= 0) != (sq >= 0):
                t = sp / (sp - sq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _fan(points: Sequence[tuple[float, float]]) -> list[tuple[float, list[tuple[float, float]]]]:
    """A fan of triangles from vertex 0, each with its orientation sign, made counter-clockwise.

    The signed sum of the triangles' indicator functions is the polygon's
    winding number, which is its indicator function for a simple polygon.
    """
    if _signed_area(points) < 0:
        points = list(reversed(points))  # counter-clockwise, so the winding number is +1
    p0 = points[0]
    tris = []
    for i in range(1, len(points) - 1):
        tri = [p0, points[i], points[i + 1]]
        area = _signed_area(tri)
        if area == 0:
            continue
        tris.append((1.0, tri) if area > 0 else (-1.0, [tri[0], tri[2], tri[1]]))
    return tris


def polygon_intersection_area(a: Sequence[tuple[float, float]],
                              b: Sequence[tuple[float, float]]) -> float:
    r"""Area shared by two simple polygons (convex or not).

    Each polygon is written as a signed sum of the triangles of a fan from its
    first vertex, :math:`1_A = \sum_i s_i 1_{T_i}`; then
    :math:`|A \cap B| = \sum_{i,j} s_i t_j |T_i \cap U_j|`, and each triangle
    pair is intersected exactly by Sutherland-Hodgman clipping (Sutherland &
    Hodgman 1974, "Reentrant polygon clipping", CACM 17(1), 32-42).
    """
    total = 0.0
    fan_b = _fan(list(b))
    for sa, ta in _fan(list(a)):
        for sb, tb in fan_b:
            piece = _clip_convex(ta, tb)
            if len(piece) >= 3:
                total += sa * sb * polygon_area(piece)
    return max(0.0, total)


def polygon_iou(a: Any, b: Any) -> float:
    """IoU of two simple polygons (dicts with ``points`` or :class:`Polygon`).

    Examples
    --------
    >>> sq = {"points": [[0, 0], [2, 0], [2, 2], [0, 2]], "label": "a"}
    >>> tri = {"points": [[0, 0], [2, 0], [0, 2]], "label": "a"}
    >>> polygon_iou(sq, tri)  # the triangle is half the square: 2 / 4
    0.5
    """
    pa, pb = as_polygon(a), as_polygon(b)
    inter = polygon_intersection_area(pa.points, pb.points)
    union = polygon_area(pa.points) + polygon_area(pb.points) - inter
    return min(1.0, inter / union) if union > 0 else 0.0


def polygon_iou_matrix(a: Sequence[Polygon], b: Sequence[Polygon]) -> np.ndarray:
    """Polygon IoU of every polygon of ``a`` (rows) with every one of ``b``."""
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            out[i, j] = polygon_iou(p, q)
    return out
