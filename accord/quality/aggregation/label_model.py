"""The label model of data programming: labelling-function votes with abstains -> labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.aggregation.base import Aggregator
from accord.quality.frame import LongForm

__all__ = ["LabelModel"]

_EPS = 1e-10


class LabelModel(Aggregator):
    r"""Per-rule accuracy and propensity with abstains (data programming), fitted by EM.

    The generative model of Ratner et al. (2016), eq. 2, for *K* classes: the
    true label :math:`Y_i` has prior :math:`p`; labelling function *j* votes on
    a record with probability :math:`\beta_j` (its propensity, independent of
    :math:`Y_i`) and, when it votes, says the true label with probability
    :math:`\alpha_j` (its accuracy) and each other label with probability
    :math:`(1 - \alpha_j)/(K - 1)`:

    .. math::

        P(\lambda_{ij} = l \mid Y_i = k) = \begin{cases}
            1 - \beta_j & l = \varnothing \text{ (abstain)} \\
            \beta_j \alpha_j & l = k \\
            \beta_j (1 - \alpha_j)/(K - 1) & l \ne k \end{cases}

    Abstains therefore carry no evidence about the label, and a rule that
    only ever says one label (a keyword rule) is still informative through
    :math:`\alpha_j`: a full Dawid-Skene confusion matrix would learn that such
    a rule says its label whatever the truth and ignore it. EM alternates

    - **E-step**: :math:`\log T_{ik} = \log p_k + \sum_{j \text{ voted } l}
      [l = k] \log \alpha_j + [l \ne k] \log \frac{1 - \alpha_j}{K - 1}`,
      a max-shifted softmax over *k*;
    - **M-step**: :math:`\alpha_j = (\sum_{i} T_{i, \lambda_{ij}} + s\,a_0) /
      (n_j + s)`, the expected share of rule *j*'s votes that are right under a
      Beta prior of mean ``prior_accuracy`` :math:`a_0` and strength
      ``prior_strength`` *s*, kept in :math:`[1/K, 0.999]`: a rule never counts as evidence
      against the label it says (data programming assumes rules better than
      chance).

    Only the records two rules both voted on say anything about accuracies
    (a lone vote is equally likely under every accuracy when the class prior
    is uniform), and keyword rules rarely overlap, so the prior is strong by
    default (20 pseudo-votes): with 2, EM on SST-2's twelve keyword rules
    reaches a degenerate optimum where the positive rules are worthless and
    labels 52% of records right instead of 77%. It starts from every rule at
    :math:`a_0` (the first E-step is a majority vote) and stops when no
    accuracy moves by more than ``tol``. The class
    prior is uniform by default, as in Snorkel's label model: learning it on
    the records the rules cover lets a class with more rules swallow the other
    (``class_prior="learn"`` fits it anyway). Rules whose votes are identical
    (same records, same labels) are one source of evidence counted once, so a
    copied rule does not double its weight; Ratner et al. (2019) learn the
    dependencies between rules more generally. Ties between equally probable
    labels go to the smallest label. Records no rule voted on are not in the
    input and get no answer.

    Parameters
    ----------
    prior_accuracy : float, default 0.7
    prior_strength : float, default 20.0
        Pseudo-votes of the Beta prior on each accuracy.
    class_prior : {"uniform", "learn"}, default "uniform"
    max_iter : int, default 100
    tol : float, default 1e-6

    Attributes
    ----------
    accuracies_ : ndarray, shape (n_annotators,)
        :math:`\alpha_j` per rule (``annotators_`` order).
    coverage_ : ndarray, shape (n_annotators,)
        Share of the fitted records each rule voted on (:math:`\beta_j` when
        every record some rule voted on is the population).
    sources_ : ndarray of int, shape (n_annotators,)
        The group of identical rules each rule belongs to.
    priors_, probas_, n_iter_

    References
    ----------
    .. [1] Ratner, A., De Sa, C., Wu, S., Selsam, D. & Re, C. (2016). Data
       programming: creating large training sets, quickly. NeurIPS 29,
       3567-3575. https://arxiv.org/abs/1605.07723
    .. [2] Ratner, A., Hancock, B., Dunnmon, J., Sala, F., Pandey, S. & Re, C.
       (2019). Training complex models with multi-task weak supervision.
       AAAI 33, 4763-4771. https://doi.org/10.1609/aaai.v33i01.33014763
    .. [3] Dawid, A. P. & Skene, A. M. (1979). https://doi.org/10.2307/2346806

    Notes
    -----
    Tested on SST-2 (``tests/data/sst2``) with twelve keyword rules, where it
    beats the rules' majority vote (``tests/assist/test_lf.py``).

    Examples
    --------
    >>> votes = [(0, "good", "pos"), (0, "bad", "neg"), (0, "great", "pos"),
    ...          (1, "good", "pos"), (1, "great", "pos"), (2, "bad", "neg"),
    ...          (3, "good", "pos"), (3, "bad", "neg")]
    >>> model = LabelModel().fit(votes, labels=["neg", "pos"])
    >>> model.predict().as_dict()
    {0: 'pos', 1: 'pos', 2: 'neg', 3: 'pos'}
    """

    def __init__(self, prior_accuracy: float = 0.7, prior_strength: float = 20.0,
                 class_prior: str = "uniform", max_iter: int = 100, tol: float = 1e-6) -> None:
        if not 0.0 < prior_accuracy < 1.0:
            raise ValueError("The 'prior_accuracy' parameter must be in (0, 1). "
                             f"Got {prior_accuracy!r} instead.")
        if prior_strength < 0 or tol < 0 or max_iter < 1:
            raise ValueError("The 'prior_strength' and 'tol' parameters must be >= 0 and "
                             "'max_iter' >= 1.")
        if class_prior not in ("uniform", "learn"):
            raise ValueError("The 'class_prior' parameter must be one of uniform, learn. "
                             f"Got {class_prior!r} instead.")
        self.prior_accuracy = prior_accuracy
        self.prior_strength = prior_strength
        self.class_prior = class_prior
        self.max_iter = max_iter
        self.tol = tol

    def _fit(self, lf: LongForm) -> None:
        k = lf.n_labels
        sources, item, src, label = _collapse_identical(lf)
        n_src = int(sources.max()) + 1 if len(sources) else 0
        votes = np.bincount(src, minlength=n_src).astype(np.float64)
        acc = np.full(n_src, self.prior_accuracy)
        priors = np.full(k, 1.0 / k)
        posterior = np.full((lf.n_items, k), 1.0 / k)
        self.n_iter_ = 0
        for it in range(1, self.max_iter + 1):
            posterior = _posterior(lf.n_items, k, item, src, label, acc, priors)
            if self.class_prior == "learn":
                priors = np.maximum(posterior.mean(axis=0), _EPS)
                priors = priors / priors.sum()
            right = np.bincount(src, weights=posterior[item, label], minlength=n_src)
            new = (right + self.prior_strength * self.prior_accuracy) / \
                (votes + self.prior_strength)
            new = np.clip(new, 1.0 / k if k > 1 else 0.0, 0.999)
            self.n_iter_ = it
            moved = float(np.max(np.abs(new - acc))) if n_src else 0.0
            acc = new
            if moved < self.tol:
                break
        self.probas_ = _posterior(lf.n_items, k, item, src, label, acc, priors)
        self.accuracies_ = acc[sources]
        self.coverage_ = np.bincount(lf.annotator, minlength=lf.n_annotators) / \
            max(lf.n_items, 1)
        self.sources_ = sources
        self.priors_ = priors
        self.annotators_ = lf.annotators


def _posterior(n_items: int, k: int, item: np.ndarray, src: np.ndarray, label: np.ndarray,
               acc: np.ndarray, priors: np.ndarray) -> np.ndarray:
    if k == 1:
        return np.ones((n_items, 1))
    a = np.clip(acc[src], _EPS, 1.0 - _EPS)
    wrong = np.log((1.0 - a) / (k - 1))
    log_t = np.tile(np.log(priors), (n_items, 1))
    log_t += np.bincount(item, weights=wrong, minlength=n_items)[:, None]
    np.add.at(log_t, (item, label), np.log(a) - wrong)
    post = np.exp(log_t - log_t.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


def _collapse_identical(lf: LongForm) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group rules with identical votes; the votes of each group once.

    Returns ``(source of each annotator, item, source, label)`` of the kept votes.
    """
    order = np.lexsort((lf.label, lf.item, lf.annotator))
    keys: dict[bytes, int] = {}
    sources = np.zeros(lf.n_annotators, dtype=np.int64)
    first: list[int] = []
    bounds = np.searchsorted(lf.annotator[order], np.arange(lf.n_annotators + 1))
    for j in range(lf.n_annotators):
        rows = order[bounds[j]:bounds[j + 1]]
        key: Any = np.stack([lf.item[rows], lf.label[rows]]).tobytes()
        if key not in keys:
            keys[key] = len(first)
            first.append(j)
        sources[j] = keys[key]
    keep = np.isin(lf.annotator, np.asarray(first, dtype=np.int64))
    return sources, lf.item[keep], sources[lf.annotator[keep]], lf.label[keep]
