"""Bootstrap confidence intervals for agreement metrics (resampling items)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.agreement._ratings import ratings
from accord.quality.agreement.score import agreement_score
from accord.quality.frame import LongForm

__all__ = ["ConfidenceInterval", "bootstrap_ci"]


@dataclass(frozen=True)
class ConfidenceInterval:
    """A metric value with its bootstrap percentile interval."""

    value: float
    low: float
    high: float
    confidence: float
    n_resamples: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
        }


def _resample(
    lf: LongForm, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, picked: np.ndarray
) -> LongForm:
    lengths = sizes[picked]
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = order[np.repeat(starts[picked], lengths) + (np.arange(total) - offsets)]
    item = np.repeat(np.arange(len(picked)), lengths)
    return LongForm(
        item, lf.annotator[rows], lf.label[rows], np.arange(len(picked)), lf.annotators, lf.labels
    )


def bootstrap_ci(
    data: Any,
    metric: str | Callable[[LongForm], float] = "alpha",
    *,
    level: str = "nominal",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> ConfidenceInterval:
    r"""Percentile bootstrap interval of an agreement metric, resampling items.

    Items (with all their annotations) are drawn with replacement
    ``n_resamples`` times; a drawn item appears as a separate item each time
    it is drawn. The interval is the :math:`(1 \pm c)/2` percentiles of the
    resampled values (Efron & Tibshirani 1993); resamples where the metric
    is undefined (``nan``, e.g. a single label drawn) or has no pairable
    item are skipped. Seeded: the same ``seed`` gives the same interval.

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
    metric : str or callable, default "alpha"
        A name from :data:`~accord.quality.agreement.METRICS` or a function
        of a :class:`~accord.quality.LongForm` returning a float.
    level : str, default "nominal"
        Passed to named metrics.
    n_resamples : int, default 1000
    confidence : float, default 0.95
    seed : int or None, default 0

    Returns
    -------
    ConfidenceInterval
        ``value`` is the metric on the full data.

    Raises
    ------
    ValueError
        ``confidence`` not in (0, 1) or ``n_resamples`` < 1.
    InputError
        No resample gave a defined value.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the
       Bootstrap. Chapman & Hall. https://doi.org/10.1201/9780429246593
    .. [2] Hayes, A. F. & Krippendorff, K. (2007).
       https://doi.org/10.1080/19312450709336664

    Examples
    --------
    >>> from accord.quality import ReliabilityMatrix
    >>> matrix = ReliabilityMatrix([[1, 2, 3, 3, 2, 1], [1, 2, 3, 3, 2, 2]])
    >>> ci = bootstrap_ci(matrix, "alpha", n_resamples=200)
    >>> ci.low <= ci.value <= ci.high
    True
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(
            f"The 'confidence' parameter must be in (0, 1). Got {confidence!r} instead."
        )
    if n_resamples < 1:
        raise ValueError(f"The 'n_resamples' parameter must be >= 1. Got {n_resamples!r} instead.")
    lf = ratings(data)
    if callable(metric):
        fn = metric
    else:
        name = metric

        def fn(sample: LongForm) -> float:
            return agreement_score(sample, name, level)

    value = fn(lf)
    order = np.argsort(lf.item, kind="stable")
    sizes = np.bincount(lf.item, minlength=lf.n_items)
    starts = np.cumsum(sizes) - sizes
    rated = np.flatnonzero(sizes > 0)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        picked = rated[rng.integers(0, len(rated), len(rated))]
        try:
            v = fn(_resample(lf, order, starts, sizes, picked))
        except InputError:
            continue
        if not np.isnan(v):
            values.append(v)
    if not values:
        raise InputError("no bootstrap resample gave a defined agreement value")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(np.asarray(values), [tail, 1.0 - tail])
    return ConfidenceInterval(float(value), float(low), float(high), confidence, len(values))
