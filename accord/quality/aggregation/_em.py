"""Vectorised EM for models with one confusion matrix per annotator.

Dawid-Skene, one-coin Dawid-Skene and MACE differ only in how the M-step
turns expected counts into confusion matrices; the E-step and the loop are
shared here. Annotations are held as a sparse ``(n_items, n_annotators *
n_labels)`` count matrix ``S``, so both steps are sparse matrix products:

- M-step counts: ``C = S^T T`` gives, for annotator *j*, observed label *l*
  and true label *k*, the expected number of times *j* said *l* when the
  truth was *k*;
- E-step: ``log T = S log(pi) + log(prior)`` then a max-shifted softmax.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from accord.quality.aggregation.base import Aggregator
from accord.quality.aggregation.majority_vote import vote_shares
from accord.quality.frame import LongForm


class ConfusionEM(Aggregator):
    """Shared EM loop; subclasses implement :meth:`_confusions`.

    After fit: ``errors_`` (n_annotators, n_classes, n_classes) with
    ``errors_[j, k, l] = P(annotator j says l | truth k)``, ``priors_``,
    ``annotators_``, ``n_iter_`` and ``loglik_`` (log-likelihood per item).
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
        w, k, n = lf.n_annotators, lf.n_labels, lf.n_items
        col = lf.annotator * k + lf.label
        s = sparse.csr_matrix(
            (np.ones(len(lf)), (lf.item, col)), shape=(n, w * k), dtype=np.float64
        )
        s_t = s.T.tocsr()
        n_wl = np.asarray(s.sum(axis=0)).reshape(w, k)
        posterior = vote_shares(lf)
        prev = -np.inf
        self.n_iter_ = 0
        for it in range(1, self.max_iter + 1):
            counts = (s_t @ posterior).reshape(w, k, k)  # [annotator, said, truth]
            errors = self._confusions(counts, n_wl)
            priors = self._priors(posterior, k)
            log_errors = np.log(errors).transpose(0, 2, 1).reshape(w * k, k)
            log_post = s @ log_errors + np.log(priors)
            shift = log_post.max(axis=1, keepdims=True)
            posterior = np.exp(log_post - shift)
            total = posterior.sum(axis=1, keepdims=True)
            posterior /= total
            loglik = float(np.mean(shift[:, 0] + np.log(total[:, 0])))
            self.n_iter_ = it
            if abs(loglik - prev) <= self.tol:
                break
            prev = loglik
        self.errors_ = errors
        self.priors_ = priors
        self.loglik_ = loglik
        self.annotators_ = lf.annotators
        self.probas_ = posterior

    def _priors(self, posterior: np.ndarray, k: int) -> np.ndarray:
        if not self.learn_priors:
            return np.full(k, 1.0 / k)
        p = posterior.mean(axis=0) + 1e-12
        return p / p.sum()
