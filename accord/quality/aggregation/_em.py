"""Vectorised EM for models with one confusion matrix per annotator.

Dawid-Skene, one-coin Dawid-Skene and MACE differ only in how the M-step
turns expected counts into confusion matrices; the E-step and the loop are
shared here. Annotations are held as a sparse ``(n_items, n_annotators *
n_labels)`` count matrix ``S``, so both steps are sparse matrix products:

- M-step counts: ``C = S^T T`` gives, for annotator *j*, observed label *l*
  and true label *k*, the expected number of times *j* said *l* when the
  truth was *k*;
- E-step: ``log T = S log(pi) + log(prior)`` then a max-shifted softmax.

The loop follows Dawid & Skene's order: start from the majority-vote shares,
fit priors and confusion matrices to them (M), then repeat E, M until the
bound ``sum_i sum_(j answered i) sum_k T_ik (log p_k + log pi_j[k, y_ij]) + H(T)``
divided by the number of annotations gains less than ``tol`` (or
``max_iter`` rounds). Scoring the class prior once per annotation rather
than once per item is crowd-kit 1.4.2's objective; accord keeps it so that
its Dawid-Skene stops where crowd-kit's does.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from accord.quality.aggregation.base import Aggregator
from accord.quality.aggregation.majority_vote import vote_shares
from accord.quality.frame import LongForm

#: Floor for probabilities before taking logs (a cell the data never fills).
EPS = 1e-10


def annotation_matrix(lf: LongForm) -> sparse.csr_matrix:
    """``S[i, j*K + l]`` = 1 when annotator *j* said *l* on item *i*."""
    w, k = lf.n_annotators, lf.n_labels
    col = lf.annotator * k + lf.label
    return sparse.csr_matrix(
        (np.ones(len(lf)), (lf.item, col)), shape=(lf.n_items, w * k), dtype=np.float64
    )


def softmax_rows(log_post: np.ndarray) -> np.ndarray:
    """Row-wise softmax with a max-shift (no underflow for long rows)."""
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


class ConfusionEM(Aggregator):
    """Shared EM loop; subclasses implement :meth:`_confusions`.

    After fit: ``errors_`` (n_annotators, n_classes, n_classes) with
    ``errors_[j, k, l] = P(annotator j says l | truth k)``, ``priors_``,
    ``annotators_``, ``n_iter_`` and ``loglik_`` (evidence lower bound per
    annotation at the last round).
    """

    learn_priors = True

    def __init__(self, max_iter: int = 100, tol: float = 1e-5, smoothing: float = 0.01) -> None:
        if max_iter < 1:
            raise ValueError(f"The 'max_iter' parameter must be >= 1. Got {max_iter!r} instead.")
        if tol < 0 or smoothing < 0:
            raise ValueError("The 'tol' and 'smoothing' parameters must be >= 0.")
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing

    def _confusions(self, counts: np.ndarray, n_wl: np.ndarray) -> np.ndarray:
        """Confusion matrices (W, K, K) from expected counts ``counts[w, l, k]``."""
        raise NotImplementedError  # pragma: no cover

    def _fit(self, lf: LongForm) -> None:
        w, k = lf.n_annotators, lf.n_labels
        s = annotation_matrix(lf)
        s_t = s.T.tocsr()
        n_wl = np.asarray(s.sum(axis=0)).reshape(w, k)
        n_i = np.asarray(s.sum(axis=1))
        posterior = vote_shares(lf)
        priors = self._priors(posterior, k)
        errors = self._confusions((s_t @ posterior).reshape(w, k, k), n_wl)
        prev = -np.inf
        elbo = prev
        self.n_iter_ = 0
        for it in range(1, self.max_iter + 1):
            log_errors = np.log(np.maximum(errors, EPS)).transpose(0, 2, 1).reshape(w * k, k)
            posterior = softmax_rows(s @ log_errors + np.log(priors))
            priors = self._priors(posterior, k)
            errors = self._confusions((s_t @ posterior).reshape(w, k, k), n_wl)
            elbo = self._elbo(s, n_i, posterior, priors, errors) / len(lf)
            self.n_iter_ = it
            if elbo - prev < self.tol:
                break
            prev = elbo
        self.errors_ = errors
        self.priors_ = priors
        self.loglik_ = elbo
        self.annotators_ = lf.annotators
        self.probas_ = posterior

    @staticmethod
    def _elbo(
        s: sparse.csr_matrix,
        n_i: np.ndarray,
        posterior: np.ndarray,
        priors: np.ndarray,
        errors: np.ndarray,
    ) -> float:
        w, k, _ = errors.shape
        log_errors = np.log(np.maximum(errors, EPS)).transpose(0, 2, 1).reshape(w * k, k)
        joint = s @ log_errors + n_i * np.log(priors)
        entropy = -np.sum(posterior * np.log(np.maximum(posterior, EPS)))
        return float(np.sum(posterior * joint) + entropy)

    def _priors(self, posterior: np.ndarray, k: int) -> np.ndarray:
        if not self.learn_priors:
            return np.full(k, 1.0 / k)
        p = np.maximum(posterior.mean(axis=0), EPS)
        return p / p.sum()
