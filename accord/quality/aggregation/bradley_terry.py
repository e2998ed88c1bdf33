"""Bradley-Terry strengths from pairwise comparisons (MM / Zermelo iterations)."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.aggregation.comparisons import Ranking, win_matrix

__all__ = ["BradleyTerry"]


class BradleyTerry:
    r"""Bradley-Terry model: :math:`P(i \text{ beats } j) = p_i / (p_i + p_j)`.

    Strengths are fitted by the minorise-maximise (Zermelo) iteration

    .. math::

        p_i \leftarrow \frac{W_i + \lambda}
        {\sum_{j \ne i} \frac{N_{ij}}{p_i + p_j} + \frac{2\lambda}{p_i + 1}}

    with :math:`W_i` the wins of *i* (a tie counts half a win for each side),
    :math:`N_{ij}` the comparisons of *i* and *j*, and :math:`\lambda`
    (``prior``) virtual wins and losses against a reference of strength 1.
    The prior makes the estimate exist even when a candidate never wins or
    never loses or the comparison graph is disconnected; ``prior=0`` gives
    the plain maximum-likelihood estimate (which needs a strongly connected
    graph). Stops when no :math:`\log p_i` moves by more than ``tol``.

    Parameters
    ----------
    prior : float, default 0.1
    max_iter : int, default 10000
    tol : float, default 1e-10

    Attributes
    ----------
    candidates_ : list
    strengths_ : ndarray
        :math:`p_i`, normalised to sum to 1.
    n_iter_ : int

    References
    ----------
    .. [1] Bradley, R. A. & Terry, M. E. (1952). Rank analysis of incomplete
       block designs: I. The method of paired comparisons. Biometrika,
       39(3/4), 324-345. https://doi.org/10.2307/2334029
    .. [2] Zermelo, E. (1929). Die Berechnung der Turnier-Ergebnisse als ein
       Maximumproblem der Wahrscheinlichkeitsrechnung. Mathematische
       Zeitschrift, 29, 436-460. https://doi.org/10.1007/BF01180541
    .. [3] Hunter, D. R. (2004). MM algorithms for generalized Bradley-Terry
       models. The Annals of Statistics, 32(1), 384-406.
       https://doi.org/10.1214/aos/1079120141

    Examples
    --------
    >>> rows = [("a", "b", "a")] * 3 + [("a", "b", "b")]
    >>> model = BradleyTerry(prior=0).fit(rows)
    >>> round(float(model.strengths_[0] / model.strengths_[1]), 6)
    3.0
    >>> model.predict().order
    ['a', 'b']
    """

    def __init__(self, prior: float = 0.1, max_iter: int = 10000, tol: float = 1e-10) -> None:
        if prior < 0:
            raise ValueError(f"The 'prior' parameter must be >= 0. Got {prior!r} instead.")
        self.prior = prior
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, comparisons: Any) -> BradleyTerry:
        """Fit on rows ``(left, right, winner)``; see :func:`win_matrix`."""
        names, wins = win_matrix(comparisons)
        games = wins + wins.T
        won = wins.sum(axis=1)
        p = np.ones(len(names))
        lam = self.prior
        self.n_iter_ = 0
        for it in range(1, self.max_iter + 1):
            denom = (games / (p[:, None] + p[None, :])).sum(axis=1) + 2.0 * lam / (p + 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                new = np.where(denom > 0, (won + lam) / np.where(denom > 0, denom, 1.0), p)
            new = np.maximum(new, 1e-300)
            if lam == 0:
                new = new / np.exp(np.mean(np.log(new)))
            delta = np.max(np.abs(np.log(new) - np.log(p)))
            p = new
            self.n_iter_ = it
            if delta <= self.tol:
                break
        self.candidates_ = names
        self.strengths_ = p / p.sum()
        return self

    def predict(self) -> Ranking:
        """Candidates by decreasing strength; confidence = P(each beats the next)."""
        if not hasattr(self, "strengths_"):
            raise RuntimeError("BradleyTerry is not fitted yet; call fit(comparisons) first")
        p = self.strengths_
        order = np.argsort(-p, kind="stable")
        conf = [float(p[a] / (p[a] + p[b])) for a, b in zip(order[:-1], order[1:])]
        names = [self.candidates_[i] for i in order]
        return Ranking(names, dict(zip(self.candidates_, p.tolist())), conf)

    def fit_predict(self, comparisons: Any) -> Ranking:
        return self.fit(comparisons).predict()
