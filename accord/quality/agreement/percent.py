"""Observed (percent) agreement, not corrected for chance."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.agreement._ratings import pairable_counts, ratings

__all__ = ["item_agreement", "percent_agreement"]


def item_agreement(counts: Any) -> np.ndarray:
    r"""Share of agreeing annotator pairs per item: :math:`\sum_k n_{ik}(n_{ik}-1) / (m_i(m_i-1))`.

    Parameters
    ----------
    counts : array-like, shape (n_items, n_labels)
        Votes per item and label; every row must hold at least 2 votes.

    Raises
    ------
    InputError
        Not a 2-D table of non-negative counts, or a row with fewer than 2 votes.

    Examples
    --------
    >>> item_agreement([[3, 0], [2, 1]]).round(4).tolist()
    [1.0, 0.3333]
    """
    try:
        counts = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("counts must be a table of numbers (items x labels)",
                         field="counts") from None
    if counts.ndim != 2 or np.any(counts < 0):
        raise InputError(f"counts must be a 2-D table of non-negative vote counts (items x "
                         f"labels); got {counts.ndim} dimension(s)", field="counts")
    m = counts.sum(axis=1)
    if np.any(m < 2):
        row = int(np.flatnonzero(m < 2)[0])
        raise InputError(f"row {row + 1} holds {m[row]:g} vote(s); every item needs at least 2",
                         field="counts")
    return np.sum(counts * (counts - 1.0), axis=1) / (m * (m - 1.0))


def percent_agreement(data: Any, *, labels: Iterable[Any] | None = None) -> float:
    r"""Mean share of agreeing annotator pairs per item.

    .. math::

        p_a = \frac{1}{n'} \sum_{i:\,m_i \ge 2}
              \sum_k \frac{n_{ik}\,(n_{ik} - 1)}{m_i\,(m_i - 1)}

    with :math:`n_{ik}` the annotators who gave item *i* label *k* and
    :math:`m_i` its number of annotations. With two annotators per item this
    is the plain fraction of items they agree on. It is the observed
    agreement :math:`p_a` of Fleiss' kappa and Gwet's AC1 (Gwet 2014, eq.
    for raw ratings with missing values).

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
        See :func:`~accord.quality.agreement.krippendorff_alpha`.
    labels : iterable, optional
        Accepted label set; other labels raise :class:`InputError`.

    Returns
    -------
    float
        In [0, 1]; 1 when every pairable item is unanimous.

    Raises
    ------
    InputError
        No item has two or more annotations (items with one are ignored).

    References
    ----------
    .. [1] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics. ISBN 978-0970806284.

    Examples
    --------
    >>> from accord.quality import ReliabilityMatrix as R
    >>> percent_agreement(R([[1, 1, 2], [1, 2, 2], [1, 2, None]]))
    0.7777777777777777
    """
    counts = pairable_counts(ratings(data, labels))
    return float(np.mean(item_agreement(counts)))
