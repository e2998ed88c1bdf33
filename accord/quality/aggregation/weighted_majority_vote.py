"""Majority vote weighted by annotator scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accord.quality.aggregation.base import Aggregator, check_tie, choose
from accord.quality.aggregation.majority_vote import first_vote_positions, vote_shares
from accord.quality.frame import LongForm

__all__ = ["WeightedMajorityVote"]


class WeightedMajorityVote(Aggregator):
    r"""Votes weighted by a score per annotator; confidence is the weighted vote share.

    .. math::

        \hat y_i = \arg\max_k \sum_{j \in A_i} w_j\,[y_{ij} = k]

    Parameters
    ----------
    weights : mapping of annotator to float, optional
        Annotator scores, e.g. accuracy on gold questions
        (:func:`accord.quality.score_annotators`). Annotators missing from
        the mapping get the mean of the given weights. When omitted, each
        annotator's weight is their agreement with the plain majority vote
        (the "Wawa" heuristic, Appen/Figure Eight), computed from the data;
        on an item where the majority is tied, agreeing with any tied label
        counts 1/(number of tied labels).
    tie : str, default "smallest"
        Tie policy, as in :class:`~accord.quality.aggregation.MajorityVote`.
    seed : int or None, default 0

    Attributes
    ----------
    weights_ : ndarray, shape (n_annotators,)
        The weight used for each annotator (in ``annotators_`` order).
    annotators_ : ndarray

    Examples
    --------
    >>> rows = [(1, "a", "x"), (1, "b", "y"), (1, "c", "y")]
    >>> WeightedMajorityVote({"a": 0.9, "b": 0.3, "c": 0.3}).fit_predict(rows).as_dict()
    {1: 'x'}
    """

    def __init__(
        self,
        weights: Mapping[Any, float] | None = None,
        tie: str = "smallest",
        seed: int | None = 0,
    ) -> None:
        self.weights = weights
        self.tie = check_tie(tie)
        self.seed = seed

    def _fit(self, lf: LongForm) -> None:
        self.annotators_ = lf.annotators
        if self.weights is None:
            # agreement with the majority; a tied majority credits each tied label
            # equally, so the weights never depend on how labels happen to sort
            shares = vote_shares(lf)
            top = np.isclose(shares, shares.max(axis=1, keepdims=True), rtol=0, atol=1e-12)
            credit = top / top.sum(axis=1, keepdims=True)
            hits = credit[lf.item, lf.label]
            n = np.bincount(lf.annotator, minlength=lf.n_annotators)
            w = np.bincount(lf.annotator, weights=hits, minlength=lf.n_annotators) / np.maximum(
                n, 1
            )
        else:
            given = [float(v) for v in self.weights.values()]
            default = float(np.mean(given)) if given else 1.0
            w = np.array([float(self.weights.get(a, default)) for a in lf.annotators.tolist()])
        self.weights_ = w
        self.probas_ = vote_shares(lf, w)
        self._first = first_vote_positions(lf) if self.tie == "first" else None

    def _decide(self, lf: LongForm) -> np.ndarray:
        return choose(self.probas_, self.tie, first_seen=self._first, seed=self.seed)
