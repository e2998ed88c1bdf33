"""Span agreement: exact and partial-overlap F1 between every pair of annotators."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from accord.quality.spans import Span, group_spans

__all__ = ["SpanAgreement", "span_agreement"]

MODES = ("exact", "partial")


@dataclass(frozen=True)
class SpanAgreement:
    """Pairwise span F1.

    Attributes
    ----------
    annotators : list
        Row/column order of ``f1``.
    f1 : ndarray, shape (n_annotators, n_annotators)
        Symmetric; 1 on the diagonal; ``nan`` for pairs with no shared item.
    mean : float
        Mean over defined off-diagonal pairs (``nan`` if none).
    """

    annotators: list[Any]
    f1: np.ndarray
    mean: float


def _exact_matches(a: list[Span], b: list[Span]) -> int:
    return sum((Counter(a) & Counter(b)).values())


def _partial_matches(a: list[Span], b: list[Span]) -> int:
    """One-to-one matching of same-label overlapping spans, largest overlap first."""
    pairs = []
    for i, s in enumerate(a):
        for j, t in enumerate(b):
            overlap = min(s.end, t.end) - max(s.start, t.start)
            if overlap > 0 and s.label == t.label:
                pairs.append((-overlap, i, j))
    pairs.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def span_agreement(data: Any, *, mode: str = "exact") -> SpanAgreement:
    r"""F1 of span annotations for every pair of annotators.

    For annotators *a* and *b*, over the items both annotated:

    .. math::

        F_1(a, b) = \frac{2\,|M|}{|S_a| + |S_b|}

    where :math:`S_a, S_b` are their spans and :math:`M` the matched pairs.
    ``exact``: same start, end and label (as multisets). ``partial``: same
    label and at least one shared character, matched one-to-one greedily by
    largest overlap (MUC-style partial credit counted as a full match).
    F1 is symmetric, so neither annotator plays "gold". Two annotators who
    both marked nothing on all shared items agree perfectly (F1 = 1).

    Parameters
    ----------
    data : iterable of (item, annotator, spans) rows or dicts
        See :func:`accord.quality.spans.group_spans`.
    mode : {"exact", "partial"}, default "exact"

    Returns
    -------
    SpanAgreement

    References
    ----------
    .. [1] Hripcsak, G. & Rothschild, A. S. (2005). Agreement, the F-measure,
       and reliability in information retrieval. Journal of the American
       Medical Informatics Association, 12(3), 296-298.
       https://doi.org/10.1197/jamia.M1733

    Examples
    --------
    >>> rows = [("t", "a", [(0, 4, "PER"), (10, 15, "LOC")]),
    ...         ("t", "b", [(0, 4, "PER"), (9, 15, "LOC")])]
    >>> span_agreement(rows).mean
    0.5
    >>> span_agreement(rows, mode="partial").mean
    1.0
    """
    if mode not in MODES:
        raise ValueError(
            f"The 'mode' parameter must be one of exact, partial. Got {mode!r} instead."
        )
    grouped = group_spans(data)
    annotators: list[Any] = []
    seen: dict[Any, int] = {}
    for by_annotator in grouped.values():
        for ann in by_annotator:
            if ann not in seen:
                seen[ann] = len(annotators)
                annotators.append(ann)
    k = len(annotators)
    matched = np.zeros((k, k))
    total = np.zeros((k, k))
    shared = np.zeros((k, k), dtype=bool)
    match = _exact_matches if mode == "exact" else _partial_matches
    for by_annotator in grouped.values():
        for a, b in combinations(by_annotator, 2):
            i, j = seen[a], seen[b]
            m = match(by_annotator[a], by_annotator[b])
            n = len(by_annotator[a]) + len(by_annotator[b])
            for x, y in ((i, j), (j, i)):
                matched[x, y] += m
                total[x, y] += n
                shared[x, y] = True
    f1 = np.full((k, k), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1[shared] = np.where(total[shared] > 0, 2.0 * matched[shared] / total[shared], 1.0)
    np.fill_diagonal(f1, 1.0)
    off = f1[~np.eye(k, dtype=bool)]
    off = off[~np.isnan(off)]
    mean = float(off.mean()) if off.size else float("nan")
    return SpanAgreement(annotators, f1, mean)
