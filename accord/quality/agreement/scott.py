"""Scott's pi for two annotators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.quality.agreement._pairs import contingency_table, weighted_kappa

__all__ = ["scott_pi"]


def scott_pi(
    y1: Any, y2: Any, *, labels: Iterable[Any] | None = None, weights: str | None = None
) -> float:
    r"""Scott's pi: like Cohen's kappa, with chance from the *pooled* label distribution.

    .. math::

        \pi = \frac{p_o - p_e}{1 - p_e}, \qquad
        p_e = \sum_k \left(\frac{o_{k\cdot} + o_{\cdot k}}{2N}\right)^2

    Both annotators are assumed to share one label distribution, so the
    expected table is :math:`N\,\bar p\,\bar p^\top` with :math:`\bar p` the
    mean of the two marginals. ``weights`` works as in
    :func:`~accord.quality.agreement.cohen_kappa`. Scott's pi is symmetric
    and equals Fleiss' kappa and (up to a small-sample factor) Krippendorff's
    nominal alpha for two annotators.

    Parameters
    ----------
    y1, y2 : array-like, shape (n_items,)
        Labels of the two annotators; pairs with a missing label are dropped.
    labels : iterable, optional
        Label order (for weights). Defaults to the sorted union.
    weights : {None, "linear", "quadratic"}, default None

    Returns
    -------
    pi : float
        1 is perfect agreement, 0 chance level; ``nan`` when only one label
        occurs at all.

    References
    ----------
    .. [1] Scott, W. A. (1955). Reliability of content analysis: The case of
       nominal scale coding. Public Opinion Quarterly, 19(3), 321-325.
       https://doi.org/10.1086/266577

    Examples
    --------
    >>> round(scott_pi(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
    0.4667
    """
    table, _ = contingency_table(y1, y2, labels)
    n = table.sum()
    pooled = (table.sum(axis=1) + table.sum(axis=0)) / (2.0 * n)
    expected = n * np.outer(pooled, pooled)
    return weighted_kappa(table, expected, weights)
