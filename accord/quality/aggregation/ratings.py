"""Rating aggregation: mean, median or trimmed mean per item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.aggregation.base import Consensus
from accord.quality.frame import as_longform

__all__ = ["RatingAggregator"]

METHODS = ("mean", "median", "trimmed_mean")


def _trimmed_mean(values: np.ndarray, trim: float) -> float:
    cut = int(trim * len(values))
    kept = np.sort(values)[cut : len(values) - cut]
    return float(kept.mean())


class RatingAggregator:
    r"""One number per item from numeric ratings (e.g. a 1-5 helpfulness scale).

    - ``mean``: arithmetic mean;
    - ``median``: the median (mean of the two middle ratings when even);
    - ``trimmed_mean``: mean after dropping the ``trim`` share of the lowest
      and highest ratings (``scipy.stats.trim_mean``), robust to a few
      careless or adversarial annotators.

    Confidence is the share of the item's ratings within ``tolerance`` of
    the aggregate: with the default 0.5 on an integer scale, the share of
    annotators whose rating rounds to it. Also kept: ``spread_`` (standard
    deviation) and ``counts_``.

    Parameters
    ----------
    method : {"mean", "median", "trimmed_mean"}, default "mean"
    trim : float, default 0.1
        Share cut from each end for ``trimmed_mean``, in [0, 0.5).
    tolerance : float, default 0.5

    References
    ----------
    .. [1] Wilcox, R. R. (2012). Introduction to Robust Estimation and
       Hypothesis Testing (3rd ed.). Academic Press.
       https://doi.org/10.1016/C2010-0-67044-1

    Examples
    --------
    >>> rows = [(1, "a", 4), (1, "b", 5), (1, "c", 1), (2, "a", 2), (2, "b", 2)]
    >>> [(i, v, round(c, 2)) for i, v, c in RatingAggregator("median").fit_predict(rows)]
    [(1, 4.0, 0.33), (2, 2.0, 1.0)]
    """

    def __init__(self, method: str = "mean", trim: float = 0.1, tolerance: float = 0.5) -> None:
        if method not in METHODS:
            raise ValueError(
                f"The 'method' parameter must be one of {', '.join(METHODS)}. "
                f"Got {method!r} instead."
            )
        if not 0.0 <= trim < 0.5:
            raise ValueError(f"The 'trim' parameter must be in [0, 0.5). Got {trim!r} instead.")
        self.method = method
        self.trim = trim
        self.tolerance = tolerance

    def fit(self, data: Any, *, labels: Iterable[Any] | None = None) -> RatingAggregator:
        lf = as_longform(data, labels=labels)
        if len(lf) == 0:
            raise InputError("no ratings to aggregate", path=lf.source)
        try:
            scale = np.asarray(lf.labels, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                f"ratings must be numbers; got {lf.labels[0]!r}", path=lf.source, field="label"
            ) from None
        values = scale[lf.label]
        order = np.argsort(lf.item, kind="stable")
        counts = np.bincount(lf.item, minlength=lf.n_items)
        groups = np.split(values[order], np.cumsum(counts)[:-1])
        if self.method == "mean":
            agg = np.bincount(lf.item, weights=values, minlength=lf.n_items) / counts
        elif self.method == "median":
            agg = np.array([np.median(g) for g in groups])
        else:
            agg = np.array([_trimmed_mean(g, self.trim) for g in groups])
        close = np.abs(values - agg[lf.item]) <= self.tolerance + 1e-12
        self.items_ = lf.items
        self.values_ = agg
        self.counts_ = counts
        self.confidence_ = np.bincount(lf.item, weights=close, minlength=lf.n_items) / counts
        self.spread_ = np.array([g.std() for g in groups])
        return self

    def predict(self) -> Consensus:
        if not hasattr(self, "values_"):
            raise RuntimeError("RatingAggregator is not fitted yet; call fit(data) first")
        return Consensus(self.items_, self.values_, self.confidence_)

    def fit_predict(self, data: Any, *, labels: Iterable[Any] | None = None) -> Consensus:
        return self.fit(data, labels=labels).predict()
