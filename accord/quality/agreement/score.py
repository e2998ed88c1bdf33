"""One entry point for every agreement metric, by name."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from accord.quality.agreement._ratings import check_level, pairable_counts, ratings
from accord.quality.agreement.cohen import cohen_kappa
from accord.quality.agreement.fleiss import fleiss_kappa
from accord.quality.agreement.gwet import gwet_ac1, gwet_ac2
from accord.quality.agreement.krippendorff import krippendorff_alpha
from accord.quality.agreement.percent import percent_agreement
from accord.quality.agreement.scott import scott_pi
from accord.quality.frame import LongForm

__all__ = ["METRICS", "agreement_score", "annotator_columns"]

METRICS = ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")
_COHEN_WEIGHTS = {
    "nominal": None,
    "ordinal": "linear",
    "interval": "quadratic",
    "ratio": "quadratic",
}


def annotator_columns(lf: LongForm) -> np.ndarray:
    """Dense label codes ``(n_annotators, n_items)``, -1 where missing (last label wins)."""
    out = np.full((lf.n_annotators, lf.n_items), -1, dtype=np.int64)
    out[lf.annotator, lf.item] = lf.label
    return out


def _pairwise_mean(lf: LongForm, fn: Any) -> float:
    cols = annotator_columns(lf)
    values = []
    for a, b in combinations(range(lf.n_annotators), 2):
        both = (cols[a] >= 0) & (cols[b] >= 0)
        if both.sum() < 2:
            continue
        value = fn(cols[a][both], cols[b][both], labels=range(lf.n_labels))
        if not np.isnan(value):
            values.append(value)
    if not values:
        pairable_counts(lf)  # raises when nothing is pairable
        return float("nan")
    return float(np.mean(values))


def agreement_score(data: Any, metric: str = "alpha", level: str = "nominal") -> float:
    """Compute an agreement metric by name.

    Parameters
    ----------
    data : reliability matrix (n_annotators, n_items) or long-form annotations
    metric : {"alpha", "fleiss", "cohen", "scott", "gwet", "percent"}, default "alpha"
        ``alpha`` Krippendorff's alpha; ``fleiss`` Fleiss' kappa; ``cohen``
        Cohen's kappa (with more than two annotators: Light's kappa, the mean
        over annotator pairs sharing at least two items); ``scott`` Scott's pi
        (mean over pairs likewise); ``gwet`` Gwet's AC1 (nominal) or AC2;
        ``percent`` observed agreement.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        Used by alpha, gwet (ordinal -> ordinal weights, interval ->
        quadratic, ratio -> ratio weights) and cohen/scott (ordinal -> linear
        weights, interval and ratio -> quadratic). ``fleiss`` and ``percent``
        are nominal only.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Unknown metric or level, or a non-nominal level for fleiss/percent.

    References
    ----------
    .. [1] Light, R. J. (1971). Measures of response agreement for qualitative
       data. Psychological Bulletin, 76(5), 365-377. https://doi.org/10.1037/h0031643

    Examples
    --------
    >>> round(agreement_score([[1, 2, 2, 1], [1, 2, 2, 2]], "cohen"), 4)
    0.5
    """
    check_level(level)
    if metric not in METRICS:
        raise ValueError(
            f"The 'metric' parameter must be one of {', '.join(METRICS)}. Got {metric!r} instead."
        )
    if metric in ("fleiss", "percent") and level != "nominal":
        raise ValueError(f"metric {metric!r} is defined for nominal data only; got level {level!r}")
    lf = ratings(data)
    if metric == "alpha":
        return krippendorff_alpha(lf, level)
    if metric == "fleiss":
        return fleiss_kappa(lf)
    if metric == "percent":
        return percent_agreement(lf)
    if metric == "gwet":
        return gwet_ac1(lf) if level == "nominal" else gwet_ac2(lf, level)
    weights = _COHEN_WEIGHTS[level]
    fn = cohen_kappa if metric == "cohen" else scott_pi
    return _pairwise_mean(lf, lambda a, b, labels: fn(a, b, labels=labels, weights=weights))
