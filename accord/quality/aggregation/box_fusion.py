"""Consensus boxes (and time segments) by Weighted Boxes Fusion.

Solovyev, R., Wang, W. & Gabruseva, T. (2021). Weighted boxes fusion:
Ensembling boxes from different object detection models. Image and Vision
Computing, 107, 104117. https://doi.org/10.1016/j.imavis.2021.104117
(arXiv:1910.13302).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from accord.errors import InputError
from accord.quality.agreement._regions import check_threshold, group_regions
from accord.quality.geometry import (
    Box,
    Segment,
    as_box,
    as_segment,
    box_iou,
    segment_iou,
)

__all__ = ["FusedRegion", "FusionConsensus", "weighted_boxes_fusion", "weighted_segments_fusion",
           "WeightedBoxesFusion", "WeightedSegmentsFusion"]


@dataclass(frozen=True)
class FusedRegion:
    """One fused region.

    Attributes
    ----------
    region : Box or Segment
        The fused coordinates (its ``score`` is the fused confidence).
    score : float
        Mean confidence of the cluster times ``min(T, N) / N``: with human
        boxes of confidence 1, the share of the sources that drew it.
    sources : tuple
        The sources (annotators, models) whose regions were fused, sorted.
    size : int
        Number of input regions fused.
    """

    region: Any
    score: float
    sources: tuple[Any, ...]
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {**self.region.as_dict(), "score": self.score}


def _weighted_mean(values: list[float], weights: list[float]) -> float:
    # relative to the first value, so identical inputs come back bit for bit
    ref = values[0]
    total = sum(weights)
    return ref + sum(w * (v - ref) for v, w in zip(values, weights)) / total


def _fuse(regions: Sequence[Any], sources: Sequence[Any], *, n_sources: int,
          iou_threshold: float, min_input_score: float,
          coords: Callable[[Any], list[float]], build: Callable[[list[float], Any, float], Any],
          iou: Callable[[Any, Any], float]) -> list[FusedRegion]:
    if len(regions) != len(sources):
        raise ValueError("regions and sources must have the same length")
    if n_sources < 1:
        raise ValueError(f"The 'n_sources' parameter must be >= 1. Got {n_sources!r} instead.")
    iou_threshold = check_threshold(iou_threshold)
    by_label: dict[Any, list[tuple[Any, Any]]] = {}
    for region, source in zip(regions, sources):
        if region.score >= min_input_score:
            by_label.setdefault(region.label, []).append((region, source))
    out: list[FusedRegion] = []
    for label in sorted(by_label, key=str):
        # step 2: all regions of the label, most confident first (stable on input order)
        members = sorted(by_label[label], key=lambda rs: -rs[0].score)
        clusters: list[list[tuple[Any, Any]]] = []
        fused: list[Any] = []
        for region, source in members:
            # step 3: the fused region with the highest IoU above the threshold
            best, best_iou = -1, iou_threshold
            for j, f in enumerate(fused):
                v = iou(region, f)
                if v > best_iou:  # the first of the highest, strictly above the threshold
                    best, best_iou = j, v
            if best < 0:
                clusters.append([(region, source)])
                fused.append(region)
                continue
            clusters[best].append((region, source))
            # step 5: coordinates weighted by confidence, confidence the cluster mean
            cluster = clusters[best]
            scores = [r.score for r, _ in cluster]
            cs = [coords(r) for r, _ in cluster]
            mean = [_weighted_mean([c[k] for c in cs], scores) if sum(scores) > 0
                    else sum(c[k] for c in cs) / len(cs) for k in range(len(cs[0]))]
            fused[best] = build(mean, label, sum(scores) / len(scores))
        # step 6: rescale by how many sources agree (distinct sources, capped at N)
        for cluster, region in zip(clusters, fused):
            srcs = tuple(sorted({s for _, s in cluster}, key=str))
            score = region.score * min(len(srcs), n_sources) / n_sources
            out.append(FusedRegion(region._replace(score=score), score, srcs, len(cluster)))
    out.sort(key=lambda f: (-f.score, coords(f.region)))
    return out


def _box_coords(b: Box) -> list[float]:
    # the weighted mean of (x, y, w, h) is that of the corners (x2 - x1 is linear), and
    # identical boxes come back unchanged
    return [b.x, b.y, b.w, b.h]


def _box_build(c: list[float], label: Any, score: float) -> Box:
    return Box(c[0], c[1], c[2], c[3], label, score)


def _segment_coords(s: Segment) -> list[float]:
    return [s.start, s.end]


def _segment_build(c: list[float], label: Any, score: float) -> Segment:
    return Segment(c[0], c[1], label, score)


def weighted_boxes_fusion(boxes: Sequence[Any], sources: Sequence[Any], *,
                          n_sources: int | None = None, iou_threshold: float = 0.55,
                          min_input_score: float = 0.0) -> list[FusedRegion]:
    r"""Fuse the boxes of several sources (annotators or models) of one image.

    Per label, boxes are taken in decreasing confidence :math:`C`; each joins
    the cluster whose fused box overlaps it most with IoU > ``iou_threshold``,
    or starts a new cluster. A cluster's fused box is the confidence-weighted
    mean of its corners and its confidence the mean :math:`C`; finally the
    confidence is multiplied by :math:`\min(T, N) / N`, with :math:`T` the
    number of distinct sources in the cluster and :math:`N` the number of
    sources (Solovyev et al. 2021, section 3; their :math:`T` counts boxes,
    here an annotator's two boxes in one cluster count once).

    Parameters
    ----------
    boxes : sequence of box dicts, tuples or :class:`~accord.quality.geometry.Box`
        A box's ``score`` is its confidence (1 when absent: a human's box).
    sources : sequence
        The source of each box.
    n_sources : int, optional
        :math:`N`; defaults to the number of distinct ``sources`` (pass the
        number of annotators when some drew nothing).
    iou_threshold : float, default 0.55
        The paper's value.
    min_input_score : float, default 0
        Boxes below this confidence are left out before fusing.

    Returns
    -------
    list of FusedRegion
        Most confident first.

    Examples
    --------
    >>> fused = weighted_boxes_fusion(
    ...     [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"},
    ...      {"x": 2, "y": 0, "w": 10, "h": 10, "label": "car"},
    ...      {"x": 50, "y": 50, "w": 5, "h": 5, "label": "car"}], ["a", "b", "a"])
    >>> [(f.region.x, f.region.w, f.score) for f in fused]  # IoU 80/120 > 0.55: fused
    [(1.0, 10.0, 1.0), (50.0, 5.0, 0.5)]
    """
    parsed = [as_box(b) for b in boxes]
    n = n_sources if n_sources is not None else max(len(set(sources)), 1)
    return _fuse(parsed, sources, n_sources=n, iou_threshold=iou_threshold,
                 min_input_score=min_input_score, coords=_box_coords, build=_box_build,
                 iou=box_iou)


def weighted_segments_fusion(segments: Sequence[Any], sources: Sequence[Any], *,
                             n_sources: int | None = None, iou_threshold: float = 0.55,
                             min_input_score: float = 0.0) -> list[FusedRegion]:
    """Weighted Boxes Fusion in one dimension: labelled time segments and temporal IoU.

    Examples
    --------
    >>> fused = weighted_segments_fusion([(0, 4, "speech"), (0, 5, "speech")], ["a", "b"])
    >>> fused[0].region, fused[0].score
    (Segment(start=0.0, end=4.5, label='speech', score=1.0), 1.0)
    """
    parsed = [as_segment(s) for s in segments]
    n = n_sources if n_sources is not None else max(len(set(sources)), 1)
    return _fuse(parsed, sources, n_sources=n, iou_threshold=iou_threshold,
                 min_input_score=min_input_score, coords=_segment_coords, build=_segment_build,
                 iou=segment_iou)


@dataclass(frozen=True)
class FusionConsensus:
    """Consensus regions per item; iterating yields ``(item, regions)``.

    ``regions[k]`` is a :class:`FusedRegion`; only those with a score of at
    least ``min_score`` are kept.
    """

    items: list[Any]
    regions: list[list[FusedRegion]]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return zip(self.items, self.regions)

    def __len__(self) -> int:
        return len(self.items)

    def as_dict(self) -> dict[Any, list[dict[str, Any]]]:
        return {item: [r.as_dict() for r in regions] for item, regions in self}


class WeightedBoxesFusion:
    """Consensus boxes across annotators with Weighted Boxes Fusion.

    Input rows are ``(item, annotator, boxes)`` (a ``bbox`` response value), or
    dicts with ``item, annotator, value``; an annotator with an empty list saw
    the image and drew nothing, and counts in :math:`N`.

    Parameters
    ----------
    iou_threshold : float, default 0.55
    min_score : float, default 0.5
        Fused boxes whose score (the share of annotators who drew them, for
        human boxes) is below this are dropped: by default a box is kept when
        at least half of the image's annotators drew it.

    Attributes
    ----------
    consensus_ : FusionConsensus

    Examples
    --------
    >>> rows = [("img", "a", [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"}]),
    ...         ("img", "b", [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"}]),
    ...         ("img", "c", [])]
    >>> fused = WeightedBoxesFusion().fit_predict(rows).as_dict()["img"]
    >>> fused == [{"x": 0.0, "y": 0.0, "w": 10.0, "h": 10.0, "label": "car",
    ...            "score": 2 / 3}]
    True
    """

    # the region parser and fusion of this class: a subclass swaps both (segments for boxes)
    _parse: Callable[[Any], Any] = staticmethod(as_box)
    _fusion: Callable[..., list[FusedRegion]] = staticmethod(weighted_boxes_fusion)

    def __init__(self, iou_threshold: float = 0.55, min_score: float = 0.5) -> None:
        check_threshold(iou_threshold)
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(
                f"The 'min_score' parameter must be in [0, 1]. Got {min_score!r} instead.")
        self.iou_threshold = iou_threshold
        self.min_score = min_score

    def fit(self, data: Any) -> WeightedBoxesFusion:
        grouped = group_regions(data, self._parse)
        if not grouped:
            raise InputError("no annotations to fuse")
        items, regions = [], []
        for item, by_annotator in grouped.items():
            flat = [(r, a) for a, rs in by_annotator.items() for r in rs]
            fused = self._fusion([r for r, _ in flat], [a for _, a in flat],
                                 n_sources=len(by_annotator), iou_threshold=self.iou_threshold)
            items.append(item)
            regions.append([f for f in fused if f.score >= self.min_score - 1e-12])
        self.consensus_ = FusionConsensus(items, regions)
        return self

    def predict(self) -> FusionConsensus:
        if not hasattr(self, "consensus_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(data) first")
        return self.consensus_

    def fit_predict(self, data: Any) -> FusionConsensus:
        return self.fit(data).predict()


class WeightedSegmentsFusion(WeightedBoxesFusion):
    """Consensus time segments across annotators (:func:`weighted_segments_fusion`).

    Examples
    --------
    >>> rows = [("clip", "a", [{"start": 1, "end": 3, "label": "speech"}]),
    ...         ("clip", "b", [{"start": 1, "end": 3, "label": "speech"}])]
    >>> WeightedSegmentsFusion().fit_predict(rows).as_dict()["clip"]
    [{'start': 1.0, 'end': 3.0, 'label': 'speech', 'score': 1.0}]
    """

    _parse = staticmethod(as_segment)
    _fusion = staticmethod(weighted_segments_fusion)
