"""MACE: Multi-Annotator Competence Estimation (spammer-aware EM)."""

from __future__ import annotations

import numpy as np

from accord.quality.aggregation._em import ConfusionEM

__all__ = ["MACE"]


class MACE(ConfusionEM):
    r"""MACE: each annotator either knows the answer or spams with their own habits.

    For item *i* with true label :math:`z_i` (uniform prior), annotator *j*
    spams with probability :math:`\theta_j`; when not spamming they give
    :math:`z_i`, when spamming they draw a label from their own
    distribution :math:`\xi_j`. Hence

    .. math::

        P(y_{ij} = l \mid z_i = k) = (1 - \theta_j)\,[l = k] + \theta_j\,\xi_{jl}.

    EM: the E-step is Dawid-Skene's with these structured confusion
    matrices; the M-step splits each label's expected count into "knew it"
    (:math:`\propto 1 - \theta_j`) and "spam" (:math:`\propto \theta_j
    \xi_{jl}`) parts and re-estimates :math:`\theta_j` and :math:`\xi_j` from
    them (``smoothing`` pseudo-counts). :math:`1 - \theta_j` is the
    annotator's *competence* (``competence_``). Start from majority vote,
    stop on ``tol`` as in :class:`~accord.quality.aggregation.DawidSkene`.

    Parameters
    ----------
    max_iter : int, default 100
    tol : float, default 1e-5
    smoothing : float, default 0.01

    Attributes
    ----------
    competence_ : ndarray, shape (n_annotators,)
        :math:`1 - \theta_j`, probability that the annotator is not spamming.
    spam_labels_ : ndarray, shape (n_annotators, n_classes)
        :math:`\xi_j`.
    errors_, priors_, probas_, n_iter_, loglik_
        As in :class:`~accord.quality.aggregation.DawidSkene` (priors uniform).

    References
    ----------
    .. [1] Hovy, D., Berg-Kirkpatrick, T., Vaswani, A. & Hovy, E. (2013).
       Learning whom to trust with MACE. Proceedings of NAACL-HLT 2013,
       1120-1130. https://aclanthology.org/N13-1132

    Examples
    --------
    >>> rows = [(i, a, i % 2) for i in range(10) for a in "abc"] + [(i, "s", 1) for i in range(10)]
    >>> model = MACE().fit(rows)
    >>> model.competence_.round(1).tolist()
    [1.0, 1.0, 1.0, 0.0]
    """

    learn_priors = False
    _theta: np.ndarray  # per-annotator spamming probability, kept across EM steps
    _xi: np.ndarray  # per-annotator label distribution when spamming

    def _confusions(self, counts: np.ndarray, n_wl: np.ndarray) -> np.ndarray:
        w, k, _ = counts.shape
        if not hasattr(self, "_theta") or self._theta.shape[0] != w:
            self._theta = np.full(w, 0.5)
            self._xi = np.full((w, k), 1.0 / k)
        theta, xi = self._theta, self._xi
        agree = np.diagonal(counts, axis1=1, axis2=2)  # [w, l]: said l, truth l
        knew_share = (1.0 - theta)[:, None] / ((1.0 - theta)[:, None] + theta[:, None] * xi)
        knew = agree * knew_share
        spam = n_wl - knew
        s = self.smoothing
        theta = (spam.sum(axis=1) + s) / (n_wl.sum(axis=1) + 2.0 * s)
        xi = (spam + s) / (spam.sum(axis=1, keepdims=True) + k * s)
        self._theta, self._xi = theta, xi
        self.competence_ = 1.0 - theta
        self.spam_labels_ = xi
        errors = theta[:, None, None] * xi[:, None, :] + np.zeros((w, k, k))
        idx = np.arange(k)
        errors[:, idx, idx] += (1.0 - theta)[:, None]
        return errors

    def _fit(self, lf) -> None:  # type: ignore[no-untyped-def]
        for name in ("_theta", "_xi"):
            self.__dict__.pop(name, None)
        super()._fit(lf)
