"""Box and polygon agreement: regions matched by IoU, F1 at a threshold and mean IoU."""

from __future__ import annotations

from typing import Any

from accord.quality.agreement._regions import (
    Match,
    RegionAgreement,
    check_threshold,
    match_regions,
    region_agreement,
)
from accord.quality.geometry import (
    as_box,
    as_polygon,
    box_iou_matrix,
    polygon_iou_matrix,
)

__all__ = ["Match", "RegionAgreement", "match_boxes", "box_agreement", "polygon_agreement"]


def match_boxes(a: list[Any], b: list[Any], *, threshold: float = 0.5) -> list[Match]:
    """Match two annotators' boxes one-to-one (same label, IoU >= ``threshold``).

    The assignment maximizes the total IoU (Hungarian algorithm, see
    :func:`~accord.quality.agreement._regions.match_regions`).

    Examples
    --------
    >>> a = [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"}]
    >>> b = [{"x": 1, "y": 0, "w": 10, "h": 10, "label": "car"},
    ...      {"x": 0, "y": 0, "w": 10, "h": 10, "label": "person"}]
    >>> match_boxes(a, b)  # 90 / (100 + 100 - 90); the person box has another label
    [Match(i=0, j=0, iou=0.8181818181818182)]
    """
    threshold = check_threshold(threshold)
    ba, bb = [as_box(x) for x in a], [as_box(x) for x in b]
    return match_regions(box_iou_matrix(ba, bb), [x.label for x in ba], [x.label for x in bb],
                         threshold)


def box_agreement(data: Any, *, threshold: float = 0.5) -> RegionAgreement:
    r"""Box agreement between every pair of annotators: F1 at an IoU threshold and mean IoU.

    For two annotators *a* and *b* on one image, boxes of the same label are
    matched one-to-one by the Hungarian algorithm on IoU, pairs below
    ``threshold`` left unmatched; with :math:`M` the matched pairs,

    .. math::

        F_1(a, b) = \frac{2\,|M|}{|B_a| + |B_b|}

    (1 when both drew nothing). This is the detection F1 of one annotator taken
    as ground truth for the other, which is symmetric. The dataset score
    ``mean_f1`` averages F1 over every (image, annotator pair); ``mean_iou``
    is the mean IoU of the matched pairs.

    Parameters
    ----------
    data : iterable of (item, annotator, boxes) rows or {item, annotator, value} dicts
        ``boxes`` is a ``bbox`` response value (``[{x, y, w, h, label}]``).
    threshold : float, default 0.5
        The IoU a pair needs to count as a match (PASCAL VOC's 0.5).

    Returns
    -------
    RegionAgreement

    References
    ----------
    .. [1] Everingham, M., Van Gool, L., Williams, C. K. I., Winn, J. & Zisserman,
       A. (2010). The PASCAL Visual Object Classes (VOC) Challenge. International
       Journal of Computer Vision, 88(2), 303-338. https://doi.org/10.1007/s11263-009-0275-4
    .. [2] Hripcsak, G. & Rothschild, A. S. (2005). Agreement, the F-measure, and
       reliability in information retrieval. JAMIA 12(3), 296-298.

    Examples
    --------
    >>> rows = [("img", "a", [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"}]),
    ...         ("img", "b", [{"x": 5, "y": 0, "w": 10, "h": 10, "label": "car"}])]
    >>> r = box_agreement(rows)  # IoU 50 / 150 = 1/3 < 0.5: no match
    >>> r.mean_f1
    0.0
    >>> box_agreement(rows, threshold=0.3).mean_iou
    0.3333333333333333
    """
    return region_agreement(data, parse=as_box, iou_matrix=box_iou_matrix, threshold=threshold)


def polygon_agreement(data: Any, *, threshold: float = 0.5) -> RegionAgreement:
    """Polygon agreement: like :func:`box_agreement`, with the exact IoU of simple polygons.

    ``data`` rows carry a ``polygon`` response value (``[{points, label}]``);
    see :func:`accord.quality.geometry.polygon_iou`.
    """
    return region_agreement(data, parse=as_polygon, iou_matrix=polygon_iou_matrix,
                            threshold=threshold)
