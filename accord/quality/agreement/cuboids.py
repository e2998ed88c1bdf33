"""Cuboid agreement: 3D boxes matched by 3D IoU (or BEV IoU), F1 at a threshold and mean IoU."""

from __future__ import annotations

from typing import Any

from accord.quality.agreement._regions import RegionAgreement, region_agreement
from accord.quality.cuboids import as_cuboid, bev_iou_matrix, cuboid_iou_matrix

__all__ = ["cuboid_agreement"]


def cuboid_agreement(data: Any, *, threshold: float = 0.5, bev: bool = False) -> RegionAgreement:
    r"""Cuboid agreement between every pair of annotators of each point cloud.

    As :func:`accord.quality.agreement.boxes.box_agreement`: per point cloud
    and annotator pair, cuboids of the same label are matched one-to-one by the
    Hungarian algorithm (Kuhn 1955; ``scipy.optimize.linear_sum_assignment``)
    maximizing the total IoU, pairs below ``threshold`` left unmatched, and
    :math:`F_1 = 2|M| / (|C_a| + |C_b|)` (1 when both drew nothing). The IoU is
    the 3D IoU of the KITTI 3D object benchmark, or with ``bev=True`` the IoU
    of the footprints seen from above (KITTI's bird's-eye-view benchmark;
    Geiger, Lenz & Urtasun 2012, https://doi.org/10.1109/CVPR.2012.6248074);
    see :mod:`accord.quality.cuboids`. KITTI asks 0.7 for cars and 0.5 for
    pedestrians and cyclists; the default here is 0.5 for every label.

    Parameters
    ----------
    data : iterable of (item, annotator, cuboids) rows or {item, annotator, value} dicts
        ``cuboids`` is a ``cuboid`` response value.
    threshold : float, default 0.5
    bev : bool, default False
        Match by BEV IoU instead of 3D IoU.

    Returns
    -------
    RegionAgreement

    Examples
    --------
    >>> c = {"x": 0, "y": 0, "z": 0, "l": 2, "w": 2, "h": 2, "yaw": 0, "label": "car"}
    >>> rows = [("f1", "a", [c]), ("f1", "b", [{**c, "z": 1}])]
    >>> cuboid_agreement(rows).mean_f1, cuboid_agreement(rows, bev=True).mean_f1
    (0.0, 1.0)
    """
    return region_agreement(data, parse=as_cuboid,
                            iou_matrix=bev_iou_matrix if bev else cuboid_iou_matrix,
                            threshold=threshold)
