"""Agreement on labelled regions (boxes, polygons, segments) matched by IoU.

Shared by :mod:`~accord.quality.agreement.boxes` and
:mod:`~accord.quality.agreement.segments`: one-to-one matching of two
annotators' regions with the Hungarian algorithm, F1 at an IoU threshold, and
the dataset-level score averaged over annotator pairs per item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from accord.errors import InputError

__all__ = ["Match", "RegionAgreement", "match_regions", "region_agreement", "group_regions"]


@dataclass(frozen=True)
class Match:
    """One matched pair: index in the first list, index in the second, their IoU."""

    i: int
    j: int
    iou: float


@dataclass(frozen=True)
class RegionAgreement:
    """Pairwise region agreement over a dataset.

    Attributes
    ----------
    annotators : list
        Row/column order of ``f1``.
    f1 : ndarray, shape (n_annotators, n_annotators)
        F1 of each pair over the items both annotated (matches and regions
        summed over those items); 1 on the diagonal, ``nan`` with no shared item.
    mean_f1 : float
        F1 averaged over every (item, annotator pair); ``nan`` when no item has
        two annotators.
    mean_iou : float
        Mean IoU of the matched pairs (``nan`` when nothing matched).
    per_item : dict
        Item -> mean F1 of its annotator pairs (items with 2+ annotators).
    threshold : float
        The IoU threshold used.
    n_pairs : int
        Number of (item, annotator pair) comparisons.
    """

    annotators: list[Any]
    f1: np.ndarray
    mean_f1: float
    mean_iou: float
    per_item: dict[Any, float]
    threshold: float
    n_pairs: int


def check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or \
            not 0.0 < threshold <= 1.0:
        raise ValueError(
            f"The 'threshold' parameter must be in (0, 1]. Got {threshold!r} instead."
        )
    return float(threshold)


def match_regions(iou: np.ndarray, labels_a: Sequence[Any], labels_b: Sequence[Any],
                  threshold: float) -> list[Match]:
    """One-to-one matching of same-label regions with IoU >= ``threshold``.

    The Hungarian algorithm (Kuhn 1955, "The Hungarian method for the
    assignment problem", Naval Research Logistics Quarterly 2, 83-97;
    ``scipy.optimize.linear_sum_assignment``) maximizes the total IoU over the
    admissible pairs; pairs of different labels or below the threshold are
    never matched.
    """
    if iou.size == 0:
        return []
    same = np.equal.outer(np.array(labels_a, dtype=object), np.array(labels_b, dtype=object))
    weight = np.where(same & (iou >= threshold), iou, 0.0)
    if not weight.any():
        return []
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return [Match(int(i), int(j), float(iou[i, j])) for i, j in zip(rows, cols)
            if weight[i, j] > 0]


def group_regions(data: Iterable[Any], parse: Callable[[Any], Any]
                  ) -> dict[Any, dict[Any, list[Any]]]:
    """``(item, annotator, regions)`` rows (or dicts) -> ``{item: {annotator: [region]}}``.

    An annotator listed twice for one item has their regions concatenated;
    an empty list means the annotator saw the item and marked nothing.
    """
    grouped: dict[Any, dict[Any, list[Any]]] = {}
    for n, row in enumerate(data):
        if isinstance(row, Mapping):
            try:
                item, annotator, regions = row["item"], row["annotator"], row["value"]
            except KeyError as exc:
                raise InputError(f"row {n}: missing {exc.args[0]!r}; expected item, annotator, "
                                 "value") from None
        else:
            try:
                item, annotator, regions = row
            except (TypeError, ValueError):
                raise InputError(f"row {n}: expected (item, annotator, regions), got "
                                 f"{row!r}") from None
        if regions is None:
            regions = []
        if not isinstance(regions, (list, tuple)):
            raise InputError(f"row {n}: expected a list of regions, got {regions!r}")
        try:
            parsed = [parse(r) for r in regions]
        except InputError as exc:
            raise InputError(f"row {n} (item {item!r}, annotator {annotator!r}): "
                             f"{exc.message}") from None
        grouped.setdefault(item, {}).setdefault(annotator, []).extend(parsed)
    return grouped


def region_agreement(data: Iterable[Any], *, parse: Callable[[Any], Any],
                     iou_matrix: Callable[[Sequence[Any], Sequence[Any]], np.ndarray],
                     threshold: float) -> RegionAgreement:
    """F1 at an IoU threshold and mean IoU for every pair of annotators per item."""
    threshold = check_threshold(threshold)
    grouped = group_regions(data, parse)
    annotators: list[Any] = []
    index: dict[Any, int] = {}
    for by_annotator in grouped.values():
        for ann in by_annotator:
            if ann not in index:
                index[ann] = len(annotators)
                annotators.append(ann)
    k = len(annotators)
    matched = np.zeros((k, k))
    total = np.zeros((k, k))
    shared = np.zeros((k, k), dtype=bool)
    ious: list[float] = []
    pair_f1: list[float] = []
    per_item: dict[Any, float] = {}
    for item, by_annotator in grouped.items():
        item_f1 = []
        for a, b in combinations(by_annotator, 2):
            ra, rb = by_annotator[a], by_annotator[b]
            matches = match_regions(iou_matrix(ra, rb), [r.label for r in ra],
                                    [r.label for r in rb], threshold)
            n = len(ra) + len(rb)
            f1 = 2.0 * len(matches) / n if n else 1.0  # both marked nothing: full agreement
            item_f1.append(f1)
            ious.extend(m.iou for m in matches)
            i, j = index[a], index[b]
            for x, y in ((i, j), (j, i)):
                matched[x, y] += len(matches)
                total[x, y] += n
                shared[x, y] = True
        if item_f1:
            per_item[item] = float(np.mean(item_f1))
            pair_f1.extend(item_f1)
    f1m = np.full((k, k), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1m[shared] = np.where(total[shared] > 0, 2.0 * matched[shared] / total[shared], 1.0)
    np.fill_diagonal(f1m, 1.0)
    return RegionAgreement(
        annotators=annotators, f1=f1m,
        mean_f1=float(np.mean(pair_f1)) if pair_f1 else float("nan"),
        mean_iou=float(np.mean(ious)) if ious else float("nan"),
        per_item=per_item, threshold=threshold, n_pairs=len(pair_f1))
