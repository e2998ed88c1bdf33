"""Fleiss' kappa for many annotators (and its extension to missing values)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.agreement._ratings import pairable_counts, ratings
from accord.quality.agreement.percent import item_agreement

__all__ = ["fleiss_kappa"]


def fleiss_kappa(data: Any, *, counts: bool = False, labels: Iterable[Any] | None = None) -> float:
    r"""Fleiss' kappa: chance-corrected agreement of many annotators on nominal labels.

    .. math::

        \kappa = \frac{\bar P - P_e}{1 - P_e}, \quad
        \bar P = \frac{1}{n'}\sum_{i:\,m_i\ge 2}
                 \frac{\sum_k n_{ik}(n_{ik}-1)}{m_i(m_i-1)}, \quad
        P_e = \sum_k \pi_k^2, \quad
        \pi_k = \frac{1}{n}\sum_{i} \frac{n_{ik}}{m_i}

    With the same number *m* of annotators per item this is exactly Fleiss
    (1971). With missing values (varying :math:`m_i`) it is Gwet's (2014)
    extension: :math:`\bar P` averages over items with at least two
    annotations and :math:`\pi_k` over all items with at least one (as R
    ``irrCAC::fleiss.kappa.raw``).

    Parameters
    ----------
    data : long-form annotations, a ReliabilityMatrix, or a counts table
        Long form or a :class:`~accord.quality.ReliabilityMatrix` (see
        :func:`~accord.quality.agreement.krippendorff_alpha`); with
        ``counts=True`` a table ``(n_items, n_labels)`` of how many
        annotators chose each label for each item (Fleiss' own layout).
    counts : bool, default False
        Read ``data`` as a counts table.
    labels : iterable, optional
        Full label set (unused labels do not change kappa).

    Returns
    -------
    kappa : float
        1 for perfect agreement, 0 for chance; ``nan`` when only one label
        occurs at all.

    Raises
    ------
    InputError
        No item has two or more annotations; a negative or fractional count.

    References
    ----------
    .. [1] Fleiss, J. L. (1971). Measuring nominal scale agreement among many
       raters. Psychological Bulletin, 76(5), 378-382.
       https://doi.org/10.1037/h0031619
    .. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics. ISBN 978-0970806284.

    Examples
    --------
    >>> table = [[0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6]]
    >>> round(fleiss_kappa(table, counts=True), 4)
    0.5765
    """
    if counts:
        table = np.asarray(data, dtype=np.float64)
        if table.ndim != 2 or np.any(table < 0) or np.any(table != np.round(table)):
            raise InputError("a counts table must be 2-D with non-negative integer counts")
        rated = table[table.sum(axis=1) >= 1]
        pairable = rated[rated.sum(axis=1) >= 2]
        if pairable.shape[0] == 0:
            raise InputError("no item has two or more annotations")
    else:
        lf = ratings(data, labels)
        rated = lf.counts()
        rated = rated[rated.sum(axis=1) >= 1]
        pairable = pairable_counts(lf)
    observed = float(np.mean(item_agreement(pairable)))
    pi = np.mean(rated / rated.sum(axis=1, keepdims=True), axis=0)
    chance = float(np.sum(pi**2))
    if chance >= 1.0:
        return float("nan")
    return (observed - chance) / (1.0 - chance)
