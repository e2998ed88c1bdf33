"""3D boxes (cuboids) in a LiDAR frame: their overlap and the points inside them.

A cuboid is the value shape of the ``cuboid`` question (docs/settings.md)::

    {"x": 12.1, "y": -3.4, "z": 0.9, "l": 4.2, "w": 1.8, "h": 1.6, "yaw": 0.31,
     "label": "car"}

``x, y, z`` is the center in the point cloud's frame (LiDAR convention: x
forward, y left, z up, metres), ``l`` the length along the heading, ``w`` the
width, ``h`` the height (all > 0) and ``yaw`` the heading in radians,
counter-clockwise about z from the x axis. Cuboids only turn about z.

Overlap is measured as in the KITTI 3D object benchmark (Geiger, Lenz &
Urtasun 2012, "Are we ready for autonomous driving? The KITTI vision
benchmark suite", CVPR, https://doi.org/10.1109/CVPR.2012.6248074):

- BEV IoU: the IoU of the two rotated footprints in the x-y plane (bird's-eye
  view), their intersection the convex polygon clipped by Sutherland-Hodgman;
- 3D IoU: the footprint intersection times the overlap of the z ranges, over
  the union of the two volumes.

:func:`points_in_cuboid` is the one point-in-cuboid test of accord (exports and
the counts shown to users); the viewer (``js/point_cloud/cuboids.js``) mirrors it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from accord.errors import InputError
from accord.quality.geometry import _clip_convex, polygon_area

__all__ = ["Cuboid", "as_cuboid", "bev_corners", "bev_iou", "bev_iou_matrix", "cuboid_iou",
           "cuboid_iou_matrix", "points_in_cuboid", "count_points"]

_KEYS = ("x", "y", "z", "l", "w", "h", "yaw")


class Cuboid(NamedTuple):
    """A labelled cuboid: center, size, heading, label and score (see the module docstring)."""

    x: float
    y: float
    z: float
    l: float  # noqa: E741 (the KITTI name)
    w: float
    h: float
    yaw: float
    label: Any
    score: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "z": self.z, "l": self.l, "w": self.w, "h": self.h,
                "yaw": self.yaw, "label": self.label}


def _num(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
            not math.isfinite(value):
        raise InputError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def as_cuboid(value: Any) -> Cuboid:
    """A :class:`Cuboid` from a value dict (or a Cuboid); sizes must be > 0.

    Examples
    --------
    >>> as_cuboid({"x": 0, "y": 0, "z": 1, "l": 4, "w": 2, "h": 1.5, "yaw": 0, "label": "car"})
    Cuboid(x=0.0, y=0.0, z=1.0, l=4.0, w=2.0, h=1.5, yaw=0.0, label='car', score=1.0)
    """
    if isinstance(value, Cuboid):
        return value
    if not isinstance(value, dict):
        raise InputError(f"expected a cuboid {{x, y, z, l, w, h, yaw, label}}, got {value!r}")
    missing = [k for k in _KEYS if k not in value]
    if missing:
        raise InputError(f"cuboid {value!r} is missing {missing}")
    c = [_num(value[k], k) for k in _KEYS]
    if min(c[3:6]) <= 0:
        raise InputError(f"cuboid {value!r}: l, w and h must be > 0")
    score = value.get("score")
    x, y, z, length, w, h, yaw = c
    return Cuboid(x, y, z, length, w, h, yaw, value.get("label"),
                  1.0 if score is None else _num(score, "score"))


def bev_corners(c: Cuboid) -> list[tuple[float, float]]:
    """The footprint's corners in the x-y plane, counter-clockwise.

    Examples
    --------
    >>> bev_corners(as_cuboid({"x": 0, "y": 0, "z": 0, "l": 2, "w": 1, "h": 1, "yaw": 0}))
    [(1.0, 0.5), (-1.0, 0.5), (-1.0, -0.5), (1.0, -0.5)]
    """
    cos, sin = math.cos(c.yaw), math.sin(c.yaw)
    out = []
    for dx, dy in ((c.l / 2, c.w / 2), (-c.l / 2, c.w / 2), (-c.l / 2, -c.w / 2),
                   (c.l / 2, -c.w / 2)):
        out.append((c.x + dx * cos - dy * sin, c.y + dx * sin + dy * cos))
    return out


def _bev_intersection(a: Cuboid, b: Cuboid) -> float:
    # circumscribed circles apart: no overlap (the common case of a matrix, and cheap)
    reach = math.hypot(a.l, a.w) / 2 + math.hypot(b.l, b.w) / 2
    if (a.x - b.x) ** 2 + (a.y - b.y) ** 2 >= reach * reach:
        return 0.0
    piece = _clip_convex(bev_corners(a), bev_corners(b))
    return polygon_area(piece) if len(piece) >= 3 else 0.0


def bev_iou(a: Any, b: Any) -> float:
    """IoU of the two footprints seen from above (bird's-eye view), in [0, 1].

    Examples
    --------
    >>> a = {"x": 0, "y": 0, "z": 0, "l": 2, "w": 2, "h": 2, "yaw": 0}
    >>> round(bev_iou(a, {**a, "yaw": math.pi / 4}), 6)  # octagon 8(sqrt 2 - 1): 1/sqrt 2
    0.707107
    """
    ca, cb = as_cuboid(a), as_cuboid(b)
    inter = _bev_intersection(ca, cb)
    union = ca.l * ca.w + cb.l * cb.w - inter
    return min(1.0, max(0.0, inter / union)) if union > 0 else 0.0


def cuboid_iou(a: Any, b: Any) -> float:
    """3D IoU: footprint intersection times z overlap, over the union of the volumes.

    Examples
    --------
    >>> a = {"x": 0, "y": 0, "z": 0, "l": 2, "w": 2, "h": 2, "yaw": 0}
    >>> cuboid_iou(a, {**a, "x": 1, "z": 1})  # 2 * 1 / (8 + 8 - 2)
    0.14285714285714285
    """
    ca, cb = as_cuboid(a), as_cuboid(b)
    dz = min(ca.z + ca.h / 2, cb.z + cb.h / 2) - max(ca.z - ca.h / 2, cb.z - cb.h / 2)
    if dz <= 0:
        return 0.0
    inter = _bev_intersection(ca, cb) * dz
    union = ca.l * ca.w * ca.h + cb.l * cb.w * cb.h - inter
    return min(1.0, max(0.0, inter / union)) if union > 0 else 0.0


def _matrix(a: Sequence[Any], b: Sequence[Any], iou: Any) -> np.ndarray:
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            out[i, j] = iou(p, q)
    return out


def cuboid_iou_matrix(a: Sequence[Cuboid], b: Sequence[Cuboid]) -> np.ndarray:
    """3D IoU of every cuboid of ``a`` (rows) with every one of ``b``."""
    return _matrix(a, b, cuboid_iou)


def bev_iou_matrix(a: Sequence[Cuboid], b: Sequence[Cuboid]) -> np.ndarray:
    """BEV IoU of every cuboid of ``a`` (rows) with every one of ``b``."""
    return _matrix(a, b, bev_iou)


def points_in_cuboid(points: np.ndarray, cuboid: Any) -> np.ndarray:
    """Which points lie inside the cuboid (faces included): a boolean mask.

    Each point is moved into the cuboid's frame (translated by the center,
    turned by ``-yaw`` about z) and kept when ``|dx| <= l/2``, ``|dy| <= w/2``
    and ``|dz| <= h/2``.

    Parameters
    ----------
    points : ndarray, shape (n, 3+)
        ``x, y, z`` in the first three columns (more columns are ignored).
    cuboid : dict or Cuboid

    Examples
    --------
    >>> pts = np.array([[0, 0, 0], [0.9, 0, 0], [0, 0.9, 0], [1, 1, 1.1]])
    >>> c = {"x": 0, "y": 0, "z": 0, "l": 2, "w": 1, "h": 2, "yaw": 0}
    >>> points_in_cuboid(pts, c).tolist()  # (0, 0.9) is outside w / 2 = 0.5
    [True, True, False, False]
    >>> points_in_cuboid(pts, {**c, "yaw": math.pi / 2}).tolist()  # turned: now inside
    [True, False, True, False]
    """
    c = as_cuboid(cuboid)
    p = np.asarray(points, dtype=np.float64)
    dx, dy, dz = p[:, 0] - c.x, p[:, 1] - c.y, p[:, 2] - c.z
    cos, sin = math.cos(c.yaw), math.sin(c.yaw)
    u = dx * cos + dy * sin
    v = -dx * sin + dy * cos
    eps = 1e-9
    return ((np.abs(u) <= c.l / 2 + eps) & (np.abs(v) <= c.w / 2 + eps)
            & (np.abs(dz) <= c.h / 2 + eps))


def count_points(points: np.ndarray, cuboid: Any) -> int:
    """How many points lie inside the cuboid (:func:`points_in_cuboid`)."""
    return int(np.count_nonzero(points_in_cuboid(points, cuboid)))
