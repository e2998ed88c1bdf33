"""GLAD: annotator ability times item difficulty."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit

from accord.quality.aggregation.base import Aggregator
from accord.quality.aggregation.majority_vote import vote_shares
from accord.quality.frame import LongForm

__all__ = ["GLAD"]


class GLAD(Aggregator):
    r"""GLAD: Generative model of Labels, Abilities and Difficulties.

    Annotator *j* labels item *i* correctly with probability
    :math:`\sigma(\alpha_j \beta_i)`, where :math:`\alpha_j \in \mathbb R` is
    the annotator's ability (negative = adversarial) and :math:`\beta_i =
    e^{b_i} > 0` the item's inverse difficulty; wrong labels are uniform
    over the other :math:`K - 1` classes.

    EM: the E-step computes the posterior over true labels per item (log
    space, max-shift); the M-step maximises the expected complete
    log-likelihood plus Gaussian priors :math:`\alpha_j \sim N(1, 1)`,
    :math:`b_i \sim N(0, 1)` with a few L-BFGS steps (vectorised gradient).
    Start from majority vote; stop when the mean per-item log-likelihood
    changes by at most ``tol`` or after ``max_iter`` rounds. Ties go to the
    smallest label.

    Parameters
    ----------
    max_iter : int, default 100
    tol : float, default 1e-5
    m_steps : int, default 10
        L-BFGS iterations per M-step.

    Attributes
    ----------
    abilities_ : ndarray, shape (n_annotators,)
    difficulties_ : ndarray, shape (n_items,)
        :math:`\beta_i` (larger = easier).
    priors_, probas_, n_iter_, loglik_

    References
    ----------
    .. [1] Whitehill, J., Ruvolo, P., Wu, T., Bergsma, J. & Movellan, J.
       (2009). Whose vote should count more: Optimal integration of labels
       from labelers of unknown expertise. Advances in Neural Information
       Processing Systems 22, 2035-2043.
       https://papers.nips.cc/paper/3644-whose-vote-should-count-more

    Examples
    --------
    >>> rows = [(i, a, i % 2) for i in range(10) for a in "abc"]
    >>> rows += [(i, "z", 1 - i % 2) for i in range(10)]
    >>> model = GLAD().fit(rows)
    >>> [label for _, label, _ in model.predict()][:4], bool(model.abilities_[3] < 0)
    ([0, 1, 0, 1], True)
    """

    def __init__(self, max_iter: int = 100, tol: float = 1e-5, m_steps: int = 10) -> None:
        if max_iter < 1 or m_steps < 1:
            raise ValueError("The 'max_iter' and 'm_steps' parameters must be >= 1.")
        self.max_iter = max_iter
        self.tol = tol
        self.m_steps = m_steps

    def _fit(self, lf: LongForm) -> None:
        k, n, w = lf.n_labels, lf.n_items, lf.n_annotators
        item, ann, label = lf.item, lf.annotator, lf.label
        log_wrong_share = np.log(max(k - 1, 1))
        alpha = np.ones(w)
        b = np.zeros(n)
        posterior = vote_shares(lf)
        prev = -np.inf
        self.n_iter_ = 0
        for it in range(1, self.max_iter + 1):
            q = posterior[item, label]  # P(annotation is correct)
            priors = posterior.mean(axis=0) + 1e-12
            priors /= priors.sum()
            alpha, b = self._m_step(q, item, ann, alpha, b)
            x = alpha[ann] * np.exp(b[item])
            right = log_expit(x)
            wrong = log_expit(-x) - log_wrong_share
            base = np.bincount(item, weights=wrong, minlength=n)
            gain = np.bincount(item * k + label, weights=right - wrong, minlength=n * k)
            log_post = base[:, None] + gain.reshape(n, k) + np.log(priors)
            shift = log_post.max(axis=1, keepdims=True)
            posterior = np.exp(log_post - shift)
            total = posterior.sum(axis=1, keepdims=True)
            posterior /= total
            loglik = float(np.mean(shift[:, 0] + np.log(total[:, 0])))
            self.n_iter_ = it
            if abs(loglik - prev) <= self.tol:
                break
            prev = loglik
        self.abilities_ = alpha
        self.difficulties_ = np.exp(b)
        self.priors_ = priors
        self.loglik_ = loglik
        self.annotators_ = lf.annotators
        self.probas_ = posterior

    def _m_step(
        self, q: np.ndarray, item: np.ndarray, ann: np.ndarray, alpha: np.ndarray, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        from scipy.optimize import minimize  # slow to import: only when GLAD runs

        w = len(alpha)
        n = len(b)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, bb = theta[:w], theta[w:]
            beta = np.exp(bb)
            x = a[ann] * beta[item]
            value = np.sum(q * log_expit(x) + (1.0 - q) * log_expit(-x))
            value -= 0.5 * np.sum((a - 1.0) ** 2) + 0.5 * np.sum(bb**2)
            resid = q - expit(x)
            grad_a = np.bincount(ann, weights=resid * beta[item], minlength=w) - (a - 1.0)
            grad_b = np.bincount(item, weights=resid * x, minlength=n) - bb
            return -float(value), -np.concatenate([grad_a, grad_b])

        start = np.concatenate([alpha, b])
        result = minimize(
            objective, start, jac=True, method="L-BFGS-B", options={"maxiter": self.m_steps}
        )
        return result.x[:w], result.x[w:]
