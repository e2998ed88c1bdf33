"""Pearson's chi-square test of independence with Cramér's V, for label x slice tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["chi_square_independence"]


def chi_square_independence(table: Any) -> dict[str, Any] | None:
    r"""Test whether the rows and columns of a contingency table are independent.

    .. math::

        \chi^2 = \sum_{i,j} \frac{(O_{ij} - E_{ij})^2}{E_{ij}}, \quad
        E_{ij} = \frac{O_{i\cdot}\,O_{\cdot j}}{n}, \quad
        V = \sqrt{\frac{\chi^2}{n\,(\min(r, c) - 1)}}

    with ``(r - 1)(c - 1)`` degrees of freedom. Rows and columns whose total
    is 0 are dropped first (an unused label or an empty slice carries no
    information). No continuity correction is applied, so Cramér's V is the
    textbook effect size for every table shape. Computed with
    :func:`scipy.stats.chi2_contingency` (``correction=False``).

    Parameters
    ----------
    table : array-like of shape (n_rows, n_columns)
        Counts, e.g. records per slice value (rows) and label (columns).

    Returns
    -------
    dict or None
        ``chi2``, ``dof``, ``p_value``, ``cramers_v`` (0 = independent, 1 =
        the slice determines the label), ``n`` (the table total),
        ``min_expected`` and ``sparse`` (True when more than 20 % of the
        expected counts are below 5: Cochran's rule says the p-value is then
        approximate). None when fewer than two rows or two columns remain.

    References
    ----------
    .. [1] Pearson, K. (1900). On the criterion that a given system of
       deviations from the probable... Philosophical Magazine, 50(302),
       157-175. https://doi.org/10.1080/14786440009463897
    .. [2] Cramér, H. (1946). Mathematical Methods of Statistics, section
       21.9. Princeton University Press.
    .. [3] Cochran, W. G. (1954). Some methods for strengthening the common
       chi-square tests. Biometrics, 10(4), 417-451. https://doi.org/10.2307/3001616

    Examples
    --------
    >>> out = chi_square_independence([[30, 10], [10, 30]])
    >>> round(out["chi2"], 2), out["dof"], round(out["cramers_v"], 2)
    (20.0, 1, 0.5)
    >>> chi_square_independence([[5, 0], [7, 0]]) is None
    True
    """
    from scipy.stats import chi2_contingency

    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2:
        raise ValueError(f"a contingency table must be 2-D; got {counts.ndim} dimensions")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return None
    result = chi2_contingency(counts, correction=False)
    n = float(counts.sum())
    chi2 = float(result.statistic)
    k = min(counts.shape) - 1
    expected = np.asarray(result.expected_freq)
    return {"chi2": chi2, "dof": int(result.dof), "p_value": float(result.pvalue),
            "cramers_v": math.sqrt(chi2 / (n * k)) if n > 0 else 0.0, "n": int(n),
            "min_expected": float(expected.min()),
            "sparse": bool(np.mean(expected < 5) > 0.2)}
