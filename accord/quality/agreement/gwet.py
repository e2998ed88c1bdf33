"""Gwet's AC1 (nominal) and AC2 (weighted) agreement coefficients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.quality.agreement._ratings import check_level, numeric_labels, ratings
from accord.quality.frame import LongForm

__all__ = ["gwet_ac1", "gwet_ac2", "gwet_weights"]

_WEIGHTS = ("identity", "ordinal", "linear", "quadratic", "ratio")
_LEVEL_WEIGHTS = {
    "nominal": "identity",
    "ordinal": "ordinal",
    "interval": "quadratic",
    "ratio": "ratio",
}


def gwet_weights(values: Any, kind: str) -> np.ndarray:
    r"""Gwet's agreement weights :math:`w_{kl} \in [0, 1]` between label values.

    - ``identity``: 1 on the diagonal, 0 elsewhere (AC1);
    - ``ordinal``: :math:`1 - M_{kl}/M_{\max}` with
      :math:`M_{kl} = \binom{|r_k - r_l| + 1}{2}` over label ranks;
    - ``linear``: :math:`1 - |x_k - x_l| / (x_{\max} - x_{\min})`;
    - ``quadratic``: :math:`1 - (x_k - x_l)^2 / (x_{\max} - x_{\min})^2`;
    - ``ratio``: :math:`1 - ((x_k - x_l)/(x_k + x_l))^2 /
      ((x_{\max} - x_{\min})/(x_{\max} + x_{\min}))^2`.

    Parameters
    ----------
    values : array-like, shape (q,)
        The ordered label values (numeric except for identity/ordinal).
    kind : str
        One of ``identity, ordinal, linear, quadratic, ratio``.

    Examples
    --------
    >>> gwet_weights([1, 2, 3], "linear").tolist()
    [[1.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 1.0]]
    """
    if kind not in _WEIGHTS:
        raise ValueError(
            f"The 'weights' parameter must be one of {', '.join(_WEIGHTS)}. Got {kind!r} instead."
        )
    q = len(values)
    if kind == "identity" or q < 2:
        return np.eye(q)
    if kind == "ordinal":
        r = np.arange(q, dtype=np.float64)
        gap = np.abs(r[:, None] - r[None, :]) + 1.0
        pairs = gap * (gap - 1.0) / 2.0
        return 1.0 - pairs / pairs.max()
    x = np.asarray(values, dtype=np.float64)
    spread = x.max() - x.min()
    diff = x[:, None] - x[None, :]
    if kind == "linear":
        return 1.0 - np.abs(diff) / spread
    if kind == "quadratic":
        return 1.0 - diff**2 / spread**2
    total = x[:, None] + x[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(total == 0, 0.0, diff / np.where(total == 0, 1.0, total))
    scale = spread / (x.max() + x.min())
    return 1.0 - rel**2 / scale**2


def _ac(lf: LongForm, w: np.ndarray) -> float:
    counts = lf.counts()
    r = counts.sum(axis=1)
    rated = counts[r >= 1]
    r_rated = r[r >= 1]
    pairable = r_rated >= 2
    if not pairable.any():
        from accord.quality.agreement._ratings import pairable_counts

        pairable_counts(lf)  # raises the standard error
    near = rated @ w.T  # r*_ik = sum_l w_kl r_il
    agree = np.sum(rated * (near - 1.0), axis=1)
    rp = r_rated[pairable]
    pa = float(np.mean(agree[pairable] / (rp * (rp - 1.0))))
    q = w.shape[0]
    if q < 2:
        return float("nan")
    pi = np.mean(rated / r_rated[:, None], axis=0)
    pe = float(w.sum() * np.sum(pi * (1.0 - pi)) / (q * (q - 1.0)))
    if pe >= 1.0:
        return float("nan")
    return (pa - pe) / (1.0 - pe)


def gwet_ac1(data: Any, *, labels: Iterable[Any] | None = None) -> float:
    r"""Gwet's AC1: chance-corrected agreement robust to skewed label distributions.

    .. math::

        AC_1 = \frac{p_a - p_e}{1 - p_e}, \qquad
        p_e = \frac{1}{q - 1} \sum_{k=1}^{q} \pi_k (1 - \pi_k), \qquad
        \pi_k = \frac{1}{n} \sum_i \frac{n_{ik}}{m_i}

    :math:`p_a` is :func:`~accord.quality.agreement.percent_agreement` (items
    with at least two annotations), :math:`\pi_k` averages over items with at
    least one, and *q* is the number of labels (observed, or ``len(labels)``
    when given: unused categories change *q*, as in Gwet's definition).

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
    labels : iterable, optional
        The full category set.

    Returns
    -------
    float
        1 for perfect agreement; ``nan`` with fewer than two categories.

    Raises
    ------
    InputError
        No item has two or more annotations.

    References
    ----------
    .. [1] Gwet, K. L. (2008). Computing inter-rater reliability and its
       variance in the presence of high agreement. British Journal of
       Mathematical and Statistical Psychology, 61(1), 29-48.
       https://doi.org/10.1348/000711006X126600
    .. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics. ISBN 978-0970806284.

    Examples
    --------
    >>> from accord.quality import ReliabilityMatrix as R
    >>> round(gwet_ac1(R([["a", "a", "b", "a"], ["a", "a", "b", "b"]])), 4)
    0.5294
    """
    lf = ratings(data, labels)
    return _ac(lf, np.eye(lf.n_labels))


def gwet_ac2(
    data: Any, weights: str = "quadratic", *, labels: Iterable[Any] | None = None
) -> float:
    r"""Gwet's AC2: AC1 with partial credit for near-miss labels.

    .. math::

        p_a = \frac{1}{n'} \sum_{i:\,m_i \ge 2} \sum_k
              \frac{n_{ik}\,(n^{\star}_{ik} - 1)}{m_i (m_i - 1)},\quad
        n^{\star}_{ik} = \sum_l w_{kl}\, n_{il},\quad
        p_e = \frac{\sum_{kl} w_{kl}}{q (q - 1)} \sum_k \pi_k (1 - \pi_k)

    with the weights of :func:`gwet_weights`. Identity weights give AC1.

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
    weights : str, default "quadratic"
        ``identity, ordinal, linear, quadratic, ratio``, or a level name
        (``nominal`` -> identity, ``interval`` -> quadratic).
    labels : iterable, optional
        The full ordered category set (numeric for linear/quadratic/ratio).

    Returns
    -------
    float

    References
    ----------
    .. [1] Gwet, K. L. (2008). https://doi.org/10.1348/000711006X126600
    .. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).

    Examples
    --------
    >>> from accord.quality import ReliabilityMatrix as R
    >>> round(gwet_ac2(R([[1, 2, 3, 3], [1, 2, 3, 2]]), "linear"), 4)
    0.7241
    """
    if weights in _LEVEL_WEIGHTS:
        weights = _LEVEL_WEIGHTS[check_level(weights)]
    lf = ratings(data, labels)
    if weights in ("linear", "quadratic", "ratio"):
        values = numeric_labels(lf, weights)
    else:
        values = np.arange(lf.n_labels)
    return _ac(lf, gwet_weights(values, weights))
