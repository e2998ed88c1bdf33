"""Keypoint agreement: instances matched by object keypoint similarity (OKS)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from accord.errors import InputError
from accord.quality.agreement._regions import (
    Match,
    RegionAgreement,
    check_threshold,
    match_regions,
    region_agreement,
)

__all__ = ["Instance", "as_instance", "keypoint_similarity", "match_keypoints",
           "keypoints_agreement"]

DEFAULT_K = 0.1
"""Per-point falloff constant :math:`k` (COCO's per-keypoint values range 0.05-0.21)."""


class Instance(NamedTuple):
    """One keypoint instance: ``{name: (x, y)}`` of its placed points, and its label."""

    points: dict[str, tuple[float, float]]
    label: Any


def as_instance(value: Any) -> Instance:
    """Read ``{"points": {name: [x, y]}, "label": ...}`` (the label is optional)."""
    if isinstance(value, Instance):
        return value
    if not isinstance(value, dict) or not isinstance(value.get("points"), dict):
        raise InputError(f"expected a keypoints instance {{points: {{name: [x, y]}}}}, got "
                         f"{value!r}")
    points = {}
    for name, p in value["points"].items():
        if not isinstance(p, (list, tuple)) or len(p) != 2 or not all(
                isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
                for c in p):
            raise InputError(f"point {name!r} must be [x, y] with finite numbers, got {p!r}")
        points[str(name)] = (float(p[0]), float(p[1]))
    return Instance(points, value.get("label"))


def keypoint_similarity(a: Any, b: Any, *, k: float = DEFAULT_K) -> float:
    r"""Symmetric object keypoint similarity of two instances.

    .. math::

        \mathrm{OKS}(a, b) = \frac{1}{|V_a \cup V_b|} \sum_{i \in V_a \cap V_b}
        \exp\!\left(-\frac{d_i^2}{2 s^2 k^2}\right)

    with :math:`V` the placed points, :math:`d_i` the distance between the two
    placements of point *i* and :math:`s^2` the area of the box around all
    placed points of both instances (at least 1). A point placed by one
    annotator only counts as a miss. This is COCO's OKS (Lin et al. 2014,
    "Microsoft COCO: Common Objects in Context", ECCV; Ronchi & Perona 2017,
    "Benchmarking and Error Diagnosis in Multi-Instance Pose Estimation", ICCV)
    made symmetric, with one constant :math:`k` for every point and the
    annotated points' box in place of the object's segment area.

    Examples
    --------
    >>> a = {"points": {"head": [0, 0], "tail": [10, 0]}}
    >>> b = {"points": {"head": [0, 0], "tail": [10, 0], "neck": [5, 1]}}
    >>> keypoint_similarity(a, a)
    1.0
    >>> round(keypoint_similarity(a, b), 4)  # 2 of 3 placed points agree exactly
    0.6667
    """
    a, b = as_instance(a), as_instance(b)
    union = set(a.points) | set(b.points)
    if not union:
        return 1.0
    pts = list(a.points.values()) + list(b.points.values())
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    area = max((max(xs) - min(xs)) * (max(ys) - min(ys)), 1.0)
    total = 0.0
    for name in set(a.points) & set(b.points):
        (ax, ay), (bx, by) = a.points[name], b.points[name]
        total += math.exp(-((ax - bx) ** 2 + (ay - by) ** 2) / (2 * area * k * k))
    return total / len(union)


def _similarity_matrix(k: float):  # type: ignore[no-untyped-def]
    def matrix(a: Sequence[Instance], b: Sequence[Instance]) -> np.ndarray:
        out = np.zeros((len(a), len(b)))
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                out[i, j] = keypoint_similarity(x, y, k=k)
        return out
    return matrix


def match_keypoints(a: list[Any], b: list[Any], *, threshold: float = 0.5,
                    k: float = DEFAULT_K) -> list[Match]:
    """Match two annotators' instances one-to-one (same label, OKS >= ``threshold``).

    Examples
    --------
    >>> dog = {"points": {"head": [0, 0], "tail": [10, 0]}, "label": "dog"}
    >>> [(m.i, m.j, m.iou) for m in match_keypoints([dog], [dog])]
    [(0, 0, 1.0)]
    """
    threshold = check_threshold(threshold)
    ia, ib = [as_instance(x) for x in a], [as_instance(x) for x in b]
    return match_regions(_similarity_matrix(k)(ia, ib), [x.label for x in ia],
                         [x.label for x in ib], threshold)


def keypoints_agreement(data: Any, *, threshold: float = 0.5,
                        k: float = DEFAULT_K) -> RegionAgreement:
    """Keypoint agreement between every pair of annotators: F1 at an OKS threshold.

    Like :func:`~accord.quality.agreement.boxes.box_agreement`, with
    :func:`keypoint_similarity` in place of IoU: ``mean_iou`` of the result is
    the mean OKS of the matched instances.

    Examples
    --------
    >>> dog = {"points": {"head": [0, 0], "tail": [10, 0]}}
    >>> far = {"points": {"head": [50, 50], "tail": [60, 50]}}
    >>> keypoints_agreement([("img", "a", [dog]), ("img", "b", [dog, far])]).mean_f1
    0.6666666666666666
    """
    if not k > 0:
        raise ValueError(f"The 'k' parameter must be > 0. Got {k!r} instead.")
    return region_agreement(data, parse=as_instance, iou_matrix=_similarity_matrix(k),
                            threshold=threshold)
