"""One entry point for every agreement metric, by name."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.agreement._pairs import disagreement_weights
from accord.quality.agreement._ratings import check_level, pairable_counts, ratings
from accord.quality.agreement.fleiss import fleiss_kappa
from accord.quality.agreement.gwet import gwet_ac1, gwet_ac2
from accord.quality.agreement.krippendorff import krippendorff_alpha
from accord.quality.agreement.percent import percent_agreement
from accord.quality.frame import LongForm

__all__ = ["METRICS", "NOMINAL_ONLY", "PAIRWISE_LIMIT", "agreement_score", "check_metric"]

METRICS = ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")
#: metrics that ignore the order of labels, so refuse a non-nominal level
NOMINAL_ONLY = ("fleiss", "percent")
_COHEN_WEIGHTS = {
    "nominal": None,
    "ordinal": "linear",
    "interval": "quadratic",
    "ratio": "quadratic",
}


#: the largest (annotators x labels) for the pairwise metrics: all pairs' tables are held at
#: once, (annotators x labels)^2 numbers (4,000: 128 MB; e.g. 800 annotators x 5 labels).
PAIRWISE_LIMIT = 4000


def _pairwise_mean(lf: LongForm, metric: str, weights: str | None) -> float:
    """Mean of Cohen's kappa or Scott's pi over annotator pairs sharing 2+ items (Light 1971).

    Every pair's contingency table comes out of one sparse matrix product:
    with ``X[a*L + k, i] = 1`` when annotator *a* gave item *i* label *k*,
    ``X @ X.T`` holds all pairs' tables as ``L x L`` blocks, at a cost that
    grows with the squared annotations per item rather than with the number
    of pairs times items. The tables equal those :func:`cohen_kappa` and
    :func:`scott_pi` build pair by pair (checked in the tests), and so does
    the kappa taken from them. A pair's repeated answers to one item count
    once (the last).

    Raises
    ------
    InputError
        Nothing is pairable, or annotators x labels exceeds :data:`PAIRWISE_LIMIT`
        (the message gives the sizes and names the metrics without that limit).
    """
    from scipy import sparse

    n_ann, n_lab, n_items = lf.n_annotators, lf.n_labels, lf.n_items
    if n_ann * n_lab > PAIRWISE_LIMIT:
        raise InputError(
            f"{metric!r} is a mean over every pair of annotators, and {n_ann:,} annotators x "
            f"{n_lab:,} labels is over its limit of {PAIRWISE_LIMIT:,}; use alpha, fleiss, gwet "
            "or percent, whose cost grows with the number of annotations only",
            field="metric",
        )
    key = lf.annotator * n_items + lf.item
    _, first_from_end = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - first_from_end  # the last answer of each annotator to each item
    x = sparse.csr_matrix(
        (np.ones(len(last)), (lf.annotator[last] * n_lab + lf.label[last], lf.item[last])),
        shape=(n_ann * n_lab, n_items),
    )
    blocks = (x @ x.T).toarray().reshape(n_ann, n_lab, n_ann, n_lab)
    a_idx, b_idx = np.triu_indices(n_ann, k=1)
    tables = blocks[a_idx, :, b_idx, :]  # (pairs, L, L): rows a's label, columns b's
    n = tables.sum(axis=(1, 2))
    keep = n >= 2
    tables, n = tables[keep], n[keep]
    if tables.shape[0] == 0:
        pairable_counts(lf)  # raises when nothing is pairable
        return float("nan")
    rows, cols = tables.sum(axis=2), tables.sum(axis=1)
    if metric == "cohen":
        expected = rows[:, :, None] * cols[:, None, :] / n[:, None, None]
    else:
        pooled = (rows + cols) / (2.0 * n[:, None])
        expected = n[:, None, None] * pooled[:, :, None] * pooled[:, None, :]
    w = disagreement_weights(n_lab, weights)
    denom = np.einsum("kl,pkl->p", w, expected)
    observed = np.einsum("kl,pkl->p", w, tables)
    defined = denom != 0.0
    if not defined.any():
        return float("nan")
    return float(np.mean(1.0 - observed[defined] / denom[defined]))


def check_metric(metric: str, level: str) -> None:
    """Refuse an unknown metric or level, or an ordered level for a nominal-only metric.

    Raises
    ------
    InputError
        With ``field`` "metric" or "level" and what would work instead.
    """
    check_level(level)
    if metric not in METRICS:
        raise InputError(
            f"The 'metric' parameter must be one of {', '.join(METRICS)}. Got {metric!r} instead.",
            field="metric",
        )
    if metric in NOMINAL_ONLY and level != "nominal":
        raise InputError(
            f"metric {metric!r} is for nominal data only (it treats labels as unordered "
            f"categories); got level {level!r}: use alpha, gwet, cohen or scott for ordered "
            "labels",
            field="metric",
        )


def agreement_score(data: Any, metric: str = "alpha", level: str = "nominal") -> float:
    """Compute an agreement metric by name.

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
        A list of ``(item, annotator, label)`` tuples, a list of dicts, a
        DataFrame or dict of columns ``item, annotator, label``, a
        :class:`~accord.quality.LongForm`, or a matrix (annotators x items)
        wrapped in :class:`~accord.quality.ReliabilityMatrix`. A bare nested
        list or array is refused: it could be read either way.
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
    InputError
        Unknown metric or level, a non-nominal level for fleiss/percent,
        ambiguous ``data``, no item with two annotations, or (cohen, scott)
        annotators x labels over :data:`PAIRWISE_LIMIT`.

    References
    ----------
    .. [1] Light, R. J. (1971). Measures of response agreement for qualitative
       data. Psychological Bulletin, 76(5), 365-377. https://doi.org/10.1037/h0031643

    Examples
    --------
    >>> rows = [(1, "a", "pos"), (1, "b", "pos"), (2, "a", "neg"), (2, "b", "neg"),
    ...         (3, "a", "pos"), (3, "b", "neg")]
    >>> round(agreement_score(rows, "alpha"), 4)
    0.4444
    >>> from accord.quality import ReliabilityMatrix
    >>> round(agreement_score(ReliabilityMatrix([[1, 2, 2, 1], [1, 2, 2, 2]]), "cohen"), 4)
    0.5
    """
    check_metric(metric, level)
    lf = ratings(data)
    if metric == "alpha":
        return krippendorff_alpha(lf, level)
    if metric == "fleiss":
        return fleiss_kappa(lf)
    if metric == "percent":
        return percent_agreement(lf)
    if metric == "gwet":
        return gwet_ac1(lf) if level == "nominal" else gwet_ac2(lf, level)
    return _pairwise_mean(lf, metric, _COHEN_WEIGHTS[level])
