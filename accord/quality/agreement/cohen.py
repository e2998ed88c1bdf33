"""Cohen's kappa for two annotators, unweighted or with linear/quadratic weights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.quality.agreement._pairs import contingency_table, weighted_kappa

__all__ = ["cohen_kappa"]


def cohen_kappa(
    y1: Any, y2: Any, *, labels: Iterable[Any] | None = None, weights: str | None = None
) -> float:
    r"""Cohen's kappa: agreement of two annotators corrected for chance.

    .. math::

        \kappa = 1 - \frac{\sum_{ij} w_{ij}\,o_{ij}}{\sum_{ij} w_{ij}\,e_{ij}},
        \qquad e_{ij} = \frac{o_{i\cdot}\,o_{\cdot j}}{N}

    where :math:`o` is the contingency table of the two annotators, :math:`e`
    the table expected from each annotator's *own* marginals, and :math:`w`
    the disagreement weights: 0 on the diagonal and 1 elsewhere (unweighted),
    :math:`|i - j|` (``linear``) or :math:`(i - j)^2` (``quadratic``), with
    *i*, *j* the positions of the labels in ``labels``. Unweighted this is
    :math:`(p_o - p_e) / (1 - p_e)`. Same definition and result as
    scikit-learn's ``cohen_kappa_score`` (checked to 1e-12 in the tests).

    Parameters
    ----------
    y1, y2 : array-like, shape (n_items,)
        Labels given by the two annotators to the same items, in the same
        order. Items where either label is ``None``/``NaN``/empty are dropped.
    labels : iterable, optional
        Label order for the weights (e.g. a rating scale). Defaults to the
        sorted union of both annotators' labels.
    weights : {None, "linear", "quadratic"}, default None

    Returns
    -------
    kappa : float
        1 for perfect agreement, 0 for chance level, down to -1. ``nan`` when
        chance disagreement is zero (both annotators always give one same label).

    Raises
    ------
    InputError
        Different lengths, no item labelled by both, or a label outside ``labels``.
    ValueError
        Unknown ``weights``.

    References
    ----------
    .. [1] Cohen, J. (1960). A coefficient of agreement for nominal scales.
       Educational and Psychological Measurement, 20(1), 37-46.
       https://doi.org/10.1177/001316446002000104
    .. [2] Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4),
       213-220. https://doi.org/10.1037/h0026256
    .. [3] Artstein, R. & Poesio, M. (2008). Inter-coder agreement for
       computational linguistics. Computational Linguistics, 34(4), 555-596.
       https://doi.org/10.1162/coli.07-034-R2

    Examples
    --------
    >>> round(cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
    0.5
    >>> round(cohen_kappa([1, 2, 3, 3], [1, 2, 3, 2], weights="quadratic"), 4)
    0.8
    """
    table, _ = contingency_table(y1, y2, labels)
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    return weighted_kappa(table, expected, weights)
