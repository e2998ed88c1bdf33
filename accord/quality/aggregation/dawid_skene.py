"""Dawid-Skene: one full confusion matrix per annotator, fitted by EM."""

from __future__ import annotations

import numpy as np

from accord.quality.aggregation._em import EPS, ConfusionEM

__all__ = ["DawidSkene"]


class DawidSkene(ConfusionEM):
    r"""Dawid-Skene latent-class model, vectorised EM in log space.

    Each item *i* has an unknown true label :math:`z_i \sim p`; annotator
    *j* reports label *l* with probability :math:`\pi^{(j)}_{z_i l}`
    (row *k* of annotator *j*'s confusion matrix). EM alternates:

    - **E-step**: :math:`\log T_{ik} = \log p_k + \sum_{j,l} n_{ijl}
      \log \pi^{(j)}_{kl}`, normalised with a max-shift (log-sum-exp), so
      items with hundreds of labels never underflow;
    - **M-step**: :math:`\pi^{(j)}_{kl} \propto \alpha\, q_{jl} + \sum_i T_{ik}\,
      n_{ijl}` and :math:`p_k \propto \sum_i T_{ik}`, where :math:`q_j` is
      annotator *j*'s own label distribution.

    As in crowd-kit 1.4.2, :math:`T` starts from the majority-vote shares,
    the first M-step fits :math:`p` and :math:`\pi` to them, and the loop
    stops when the evidence lower bound per annotation (each annotation
    scored with its item's class prior, crowd-kit's objective) gains less
    than ``tol``, or after ``max_iter`` rounds (``n_iter_`` tells which).
    That objective is not monotone under EM, so on some sets the loop stops
    after two or three rounds, which acts as early stopping (fact_eval: 0.891
    accuracy, 0.851 when run to convergence). Accuracy is within 0.5 points
    of crowd-kit's on every crowd set of ``docs/benchmarks.md``.

    The pseudo-count :math:`\alpha` (``smoothing``) is spread like the
    annotator's own answers: an annotator who gave one label (or always the
    same label) gets a confusion matrix that is flat across true labels, so
    their answers carry no evidence, however few there are. A flat
    pseudo-count would instead make one answer evidence for the label given.
    Cells that stay empty are floored at 1e-10 before logs. Ties between
    equally probable labels go to the smallest label. Both steps are sparse
    matrix products: 1,000,000 annotations take about a second.

    Parameters
    ----------
    max_iter : int, default 100
    tol : float, default 1e-5
        Stop when the bound per annotation gains less.
    smoothing : float, default 0.01
        Pseudo-count per confusion row, spread like the annotator's answers.

    Attributes
    ----------
    probas_ : ndarray, shape (n_items, n_classes)
        Posterior :math:`T`; ``confidence_`` is its row maximum.
    errors_ : ndarray, shape (n_annotators, n_classes, n_classes)
        ``errors_[j, k, l]`` = P(annotator *j* says *l* | truth *k*).
    priors_ : ndarray, shape (n_classes,)
    n_iter_ : int
    loglik_ : float

    References
    ----------
    .. [1] Dawid, A. P. & Skene, A. M. (1979). Maximum likelihood estimation
       of observer error-rates using the EM algorithm. Journal of the Royal
       Statistical Society, Series C, 28(1), 20-28. https://doi.org/10.2307/2346806

    Notes
    -----
    Tested on bluebird, RTE and dog (``tests/data/crowd``) against
    crowd-kit 1.4.2's accuracy (``tests/quality/test_aggregation_reference.py``).

    Examples
    --------
    >>> rows = [(i, a, "x" if i < 3 else "y") for i in range(6) for a in "abc"]
    >>> rows += [(i, "d", "x") for i in range(6)]          # "d" always says x
    >>> result = DawidSkene().fit_predict(rows)
    >>> [label for _, label, _ in result]
    ['x', 'x', 'x', 'y', 'y', 'y']
    """

    def _confusions(self, counts: np.ndarray, n_wl: np.ndarray) -> np.ndarray:
        # pseudo-counts spread like the annotator's own answers: an annotator who
        # always gives one label stays uninformative, however few labels they gave
        own = n_wl / np.maximum(n_wl.sum(axis=1, keepdims=True), EPS)
        by_truth = counts.transpose(0, 2, 1) + self.smoothing * own[:, None, :]
        by_truth = np.maximum(by_truth, EPS)  # [annotator, truth, said]
        return by_truth / by_truth.sum(axis=2, keepdims=True)
