"""One-coin Dawid-Skene: a single accuracy per annotator."""

from __future__ import annotations

import numpy as np

from accord.quality.aggregation._em import ConfusionEM

__all__ = ["OneCoinDawidSkene"]


class OneCoinDawidSkene(ConfusionEM):
    r"""Dawid-Skene with one "coin" per annotator: right with probability :math:`s_j`.

    .. math::

        \pi^{(j)}_{kl} = \begin{cases} s_j & l = k \\
                         (1 - s_j)/(K - 1) & l \ne k \end{cases}

    The E-step is Dawid-Skene's; the M-step sets :math:`s_j` to the expected
    share of annotator *j*'s labels that match the truth (with ``smoothing``
    pseudo-counts on both sides). With few labels per annotator this is far
    more stable than a full confusion matrix. Start, stopping rule and ties
    as in :class:`~accord.quality.aggregation.DawidSkene`.

    Parameters
    ----------
    max_iter : int, default 100
    tol : float, default 1e-5
    smoothing : float, default 0.01

    Attributes
    ----------
    skills_ : ndarray, shape (n_annotators,)
        Estimated accuracy :math:`s_j`.
    errors_, priors_, probas_, n_iter_, loglik_
        As in :class:`~accord.quality.aggregation.DawidSkene`.

    References
    ----------
    .. [1] Dawid, A. P. & Skene, A. M. (1979). https://doi.org/10.2307/2346806
    .. [2] Zhang, Y., Chen, X., Zhou, D. & Jordan, M. I. (2016). Spectral
       methods meet EM: A provably optimal algorithm for crowdsourcing.
       Journal of Machine Learning Research, 17(102), 1-44.
       https://jmlr.org/papers/v17/14-511.html

    Examples
    --------
    >>> rows = [(i, a, i % 2) for i in range(8) for a in "abc"] + [(i, "d", 0) for i in range(8)]
    >>> model = OneCoinDawidSkene().fit(rows)
    >>> [round(s, 2) for s in model.skills_.tolist()]
    [1.0, 1.0, 1.0, 0.5]
    """

    def _confusions(self, counts: np.ndarray, n_wl: np.ndarray) -> np.ndarray:
        w, k, _ = counts.shape
        right = np.trace(counts, axis1=1, axis2=2)
        total = n_wl.sum(axis=1)
        skill = (right + self.smoothing) / (total + 2.0 * self.smoothing)
        self.skills_ = skill
        wrong = (1.0 - skill) / max(k - 1, 1)
        errors = np.repeat(wrong[:, None, None], k, axis=1).repeat(k, axis=2)
        idx = np.arange(k)
        errors[:, idx, idx] = skill[:, None]
        if k == 1:
            errors[:] = 1.0
        return errors
