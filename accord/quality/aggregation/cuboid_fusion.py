"""Consensus cuboids by weighted fusion of matched cuboids.

Weighted Boxes Fusion (Solovyev, Wang & Gabruseva 2021, "Weighted boxes fusion:
Ensembling boxes from different object detection models", Image and Vision
Computing 107, 104117, https://doi.org/10.1016/j.imavis.2021.104117) carried
to 3D boxes: clusters are formed by 3D IoU (:func:`accord.quality.cuboids.cuboid_iou`),
center and size are confidence-weighted means, and the heading is the
weighted mean on the circle: ``atan2(sum w sin(yaw), sum w cos(yaw))`` (a
linear mean of -3.1 and 3.1 would point the wrong way). Two opposite headings
of equal weight have no mean direction; the result is then 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from accord.quality.aggregation.box_fusion import FusedRegion, WeightedBoxesFusion, _fuse
from accord.quality.cuboids import Cuboid, as_cuboid, cuboid_iou

__all__ = ["WeightedCuboidsFusion", "weighted_cuboids_fusion"]


def _coords(c: Cuboid) -> list[float]:
    return [c.x, c.y, c.z, c.l, c.w, c.h, math.cos(c.yaw), math.sin(c.yaw)]


def _build(v: list[float], label: Any, score: float) -> Cuboid:
    yaw = math.atan2(v[7], v[6]) if abs(v[6]) + abs(v[7]) > 1e-12 else 0.0
    return Cuboid(v[0], v[1], v[2], v[3], v[4], v[5], yaw, label, score)


def weighted_cuboids_fusion(cuboids: Sequence[Any], sources: Sequence[Any], *,
                            n_sources: int | None = None, iou_threshold: float = 0.55,
                            min_input_score: float = 0.0) -> list[FusedRegion]:
    r"""Fuse the cuboids of several sources (annotators or models) of one point cloud.

    Per label, cuboids are taken in decreasing confidence; each joins the
    cluster whose fused cuboid overlaps it most with 3D IoU > ``iou_threshold``
    or starts a new one. The fused cuboid is the confidence-weighted mean
    (heading on the circle, see the module docstring), its confidence the
    cluster's mean times :math:`\min(T, N) / N` (:math:`T` distinct sources in
    the cluster, :math:`N` sources): for human cuboids the share of the
    annotators who drew it.

    Examples
    --------
    >>> c = {"x": 0, "y": 0, "z": 0, "l": 4, "w": 2, "h": 2, "yaw": 3.1, "label": "car"}
    >>> fused = weighted_cuboids_fusion([c, {**c, "x": 0.2, "yaw": -3.1}], ["a", "b"])
    >>> f = fused[0].region
    >>> round(f.x, 6), round(abs(f.yaw), 6), fused[0].score  # heading +-pi, not 0
    (0.1, 3.141593, 1.0)
    """
    parsed = [as_cuboid(c) for c in cuboids]
    n = n_sources if n_sources is not None else max(len(set(sources)), 1)
    return _fuse(parsed, sources, n_sources=n, iou_threshold=iou_threshold,
                 min_input_score=min_input_score, coords=_coords, build=_build, iou=cuboid_iou)


class WeightedCuboidsFusion(WeightedBoxesFusion):
    """Consensus cuboids across annotators (:func:`weighted_cuboids_fusion`); rows are
    ``(item, annotator, cuboids)``, an empty list counting in :math:`N`.

    Examples
    --------
    >>> c = {"x": 1, "y": 2, "z": 0, "l": 4, "w": 2, "h": 2, "yaw": 0.5, "label": "car"}
    >>> out = WeightedCuboidsFusion().fit_predict([("f", "a", [c]), ("f", "b", [c])])
    >>> [round(v, 6) for v in out.as_dict()["f"][0].values() if isinstance(v, float)]
    [1.0, 2.0, 0.0, 4.0, 2.0, 2.0, 0.5, 1.0]
    """

    _parse = staticmethod(as_cuboid)
    _fusion = staticmethod(weighted_cuboids_fusion)
