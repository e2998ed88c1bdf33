"""Agreement between rankings: Kendall's W and pairwise Kendall tau-b."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.errors import InputError

__all__ = ["kendall_w", "pairwise_kendall_tau"]


def _ranks(ranks: Any) -> np.ndarray:
    arr = np.asarray(ranks, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(
            f"rankings must be 2-D (annotators x candidates); got {arr.ndim} dimensions"
        )
    if np.isnan(arr).any():
        raise InputError("rankings must be complete: every annotator ranks every candidate")
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise InputError(
            f"need at least 2 annotators and 2 candidates; got {arr.shape[0]} x {arr.shape[1]}"
        )
    from scipy.stats import rankdata  # scipy.stats is slow to import: only when needed

    return rankdata(arr, axis=1)


def kendall_w(ranks: Any) -> float:
    r"""Kendall's coefficient of concordance W, corrected for ties.

    .. math::

        W = \frac{12\,S}{m^2 (n^3 - n) - m \sum_j T_j}, \quad
        S = \sum_{i=1}^{n} (R_i - \bar R)^2, \quad
        T_j = \sum_g (t_g^3 - t_g)

    with *m* annotators, *n* candidates, :math:`R_i` the sum of ranks of
    candidate *i* and :math:`t_g` the sizes of the tie groups of annotator
    *j*. Each row is re-ranked first (mean ranks), so any scores where lower
    means better are accepted. W is in [0, 1]: 1 when all rankings are equal.

    Parameters
    ----------
    ranks : array-like, shape (n_annotators, n_candidates)
        Complete rankings (see :func:`accord.quality.orders.rank_matrix`).

    Returns
    -------
    float
        ``nan`` when every annotator ties all candidates.

    Raises
    ------
    InputError
        Missing ranks, or fewer than 2 annotators or candidates.

    References
    ----------
    .. [1] Kendall, M. G. & Babington Smith, B. (1939). The problem of m
       rankings. The Annals of Mathematical Statistics, 10(3), 275-287.
       https://doi.org/10.1214/aoms/1177732186

    Examples
    --------
    >>> kendall_w([[1, 2, 3], [1, 2, 3], [1, 3, 2]])
    0.7777777777777778
    """
    r = _ranks(ranks)
    m, n = r.shape
    totals = r.sum(axis=0)
    s = float(np.sum((totals - totals.mean()) ** 2))
    ties = 0.0
    for row in r:
        _, sizes = np.unique(row, return_counts=True)
        ties += float(np.sum(sizes**3 - sizes))
    denom = m * m * (n**3 - n) - m * ties
    if denom <= 0:
        return float("nan")
    return 12.0 * s / denom


def pairwise_kendall_tau(ranks: Any) -> np.ndarray:
    r"""Kendall's tau-b between every pair of annotators' rankings.

    .. math::

        \tau_b = \frac{n_c - n_d}{\sqrt{(n_0 - n_1)(n_0 - n_2)}}

    with concordant/discordant pairs :math:`n_c, n_d`, :math:`n_0 = n(n-1)/2`
    and :math:`n_1, n_2` the pairs tied in either ranking (Kendall 1945).

    Parameters
    ----------
    ranks : array-like, shape (n_annotators, n_candidates)

    Returns
    -------
    ndarray, shape (n_annotators, n_annotators)
        Symmetric, in [-1, 1]; ``nan`` where a ranking ties everything.

    References
    ----------
    .. [1] Kendall, M. G. (1945). The treatment of ties in ranking problems.
       Biometrika, 33(3), 239-251. https://doi.org/10.1093/biomet/33.3.239

    Examples
    --------
    >>> pairwise_kendall_tau([[1, 2, 3], [3, 2, 1]]).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    r = _ranks(ranks)
    n = r.shape[1]
    i, j = np.triu_indices(n, k=1)
    signs = np.sign(r[:, i] - r[:, j])
    cross = signs @ signs.T
    norms = np.sqrt(np.sum(signs**2, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = cross / np.outer(norms, norms)
    return np.clip(tau, -1.0, 1.0)
