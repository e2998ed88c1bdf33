"""Time-segment agreement: labelled segments matched by temporal IoU."""

from __future__ import annotations

from typing import Any

from accord.quality.agreement._regions import (
    Match,
    RegionAgreement,
    check_threshold,
    match_regions,
    region_agreement,
)
from accord.quality.geometry import as_segment, segment_iou_matrix

__all__ = ["match_segments", "segment_agreement"]


def match_segments(a: list[Any], b: list[Any], *, threshold: float = 0.5) -> list[Match]:
    """Match two annotators' segments one-to-one (same label, temporal IoU >= ``threshold``).

    Examples
    --------
    >>> match_segments([(0, 4, "speech")], [(1, 4, "speech"), (0, 4, "music")])  # 3 / 4
    [Match(i=0, j=0, iou=0.75)]
    """
    threshold = check_threshold(threshold)
    sa, sb = [as_segment(x) for x in a], [as_segment(x) for x in b]
    return match_regions(segment_iou_matrix(sa, sb), [x.label for x in sa],
                         [x.label for x in sb], threshold)


def segment_agreement(data: Any, *, threshold: float = 0.5) -> RegionAgreement:
    r"""Agreement on labelled time segments: F1 at a temporal-IoU threshold and mean overlap.

    Segments of the same label are matched one-to-one by the Hungarian
    algorithm on temporal IoU (shared time over covered time), pairs below
    ``threshold`` unmatched, and

    .. math::

        F_1(a, b) = \frac{2\,|M|}{|S_a| + |S_b|}

    per recording and annotator pair, averaged into ``mean_f1``; ``mean_iou`` is
    the mean temporal IoU (overlap) of the matched pairs. This is the
    segment-based F1 of sound event detection with an overlap criterion.

    Parameters
    ----------
    data : iterable of (item, annotator, segments) rows or {item, annotator, value} dicts
        ``segments`` is a ``segment`` response value (``[{start, end, label}]``).
    threshold : float, default 0.5

    References
    ----------
    .. [1] Mesaros, A., Heittola, T. & Virtanen, T. (2016). Metrics for Polyphonic
       Sound Event Detection. Applied Sciences, 6(6), 162.
       https://doi.org/10.3390/app6060162

    Examples
    --------
    >>> rows = [("clip", "a", [{"start": 0, "end": 4, "label": "speech"}]),
    ...         ("clip", "b", [{"start": 1, "end": 4, "label": "speech"},
    ...                        {"start": 5, "end": 6, "label": "music"}])]
    >>> r = segment_agreement(rows)  # one match of 3: F1 = 2 * 1 / 3
    >>> round(r.mean_f1, 4), r.mean_iou
    (0.6667, 0.75)
    """
    return region_agreement(data, parse=as_segment, iou_matrix=segment_iou_matrix,
                            threshold=threshold)
