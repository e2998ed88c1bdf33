"""The estimator contract shared by every classification aggregator.

``fit(data)`` learns from long-form annotations (``item, annotator, label``
in any form :func:`accord.quality.as_longform` accepts); ``predict()``
returns a :class:`Consensus` (one label and a confidence per item);
``predict_proba()`` returns :class:`Probabilities`. Learned state ends in
``_`` (``items_``, ``classes_``, ``probas_``, ``labels_``, ``confidence_``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.frame import LongForm, as_longform

__all__ = ["TIE_POLICIES", "Aggregator", "Consensus", "Probabilities"]

TIE_POLICIES = ("smallest", "largest", "first", "random")


@dataclass(frozen=True, eq=False)
class Consensus:
    """One aggregated label per item with its confidence.

    Iterating yields ``(item, label, confidence)`` tuples in item order.

    Attributes
    ----------
    items : ndarray, shape (n_items,)
    labels : ndarray, shape (n_items,)
    confidence : ndarray of float64, shape (n_items,)
        Posterior probability (probabilistic models) or vote share (votes).
    """

    items: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray

    def __iter__(self) -> Iterator[tuple[Any, Any, float]]:
        return zip(self.items.tolist(), self.labels.tolist(), self.confidence.tolist())

    def __len__(self) -> int:
        return len(self.items)

    def as_dict(self) -> dict[Any, Any]:
        """``{item: label}``."""
        return dict(zip(self.items.tolist(), self.labels.tolist()))

    def rows(self) -> list[dict[str, Any]]:
        """``[{"item", "label", "confidence"}, ...]``."""
        return [{"item": i, "label": lab, "confidence": c} for i, lab, c in self]


@dataclass(frozen=True, eq=False)
class Probabilities:
    """Probability of every label for every item.

    Attributes
    ----------
    items : ndarray, shape (n_items,)
    classes : ndarray, shape (n_classes,)
        Column order (sorted labels).
    values : ndarray of float64, shape (n_items, n_classes)
        Rows sum to 1.
    """

    items: np.ndarray
    classes: np.ndarray
    values: np.ndarray

    def as_dict(self) -> dict[Any, dict[Any, float]]:
        """``{item: {label: probability}}``."""
        cls = self.classes.tolist()
        return {i: dict(zip(cls, row)) for i, row in zip(self.items.tolist(), self.values.tolist())}


def check_tie(tie: str) -> str:
    """Validate a tie policy name."""
    if tie not in TIE_POLICIES:
        raise ValueError(
            f"The 'tie' parameter must be one of {', '.join(TIE_POLICIES)}. Got {tie!r} instead."
        )
    return tie


def choose(
    scores: np.ndarray,
    tie: str = "smallest",
    *,
    first_seen: np.ndarray | None = None,
    seed: int | None = 0,
) -> np.ndarray:
    """Column of the best score in each row, ties broken by policy.

    ``smallest``/``largest``: the smallest/largest label (columns are sorted
    labels); ``first``: the tied label whose first vote came earliest
    (``first_seen[i, k]`` = input position of that vote); ``random``: uniform
    among the tied labels, seeded.
    """
    check_tie(tie)
    best = scores.max(axis=1, keepdims=True)
    tied = np.isclose(scores, best, rtol=1e-12, atol=1e-12)
    if tie == "smallest":
        return np.argmax(tied, axis=1)
    if tie == "largest":
        return scores.shape[1] - 1 - np.argmax(tied[:, ::-1], axis=1)
    if tie == "first":
        if first_seen is None:
            raise ValueError("tie='first' needs the input order of the votes")
        order = np.where(tied, first_seen, np.iinfo(np.int64).max)
        return np.argmin(order, axis=1)
    rng = np.random.default_rng(seed)
    noise = rng.random(scores.shape)
    return np.argmax(np.where(tied, noise, -1.0), axis=1)


class Aggregator:
    """Base class: subclasses implement ``_fit(lf)`` and set ``probas_``.

    After :meth:`fit`: ``items_`` (item keys), ``classes_`` (sorted labels),
    ``probas_`` (n_items x n_classes), ``labels_``, ``codes_`` (the chosen
    column per item) and ``confidence_``.
    """

    items_: np.ndarray
    classes_: np.ndarray
    probas_: np.ndarray
    labels_: np.ndarray
    confidence_: np.ndarray

    def fit(self, data: Any, *, labels: Iterable[Any] | None = None) -> Aggregator:
        """Learn from long-form annotations; returns ``self``.

        Parameters
        ----------
        data : LongForm, DataFrame, dict of columns, list of dicts or tuples
            One row per annotation: ``item, annotator, label``.
        labels : iterable, optional
            The full label set (labels nobody used still get a probability).
        """
        lf = as_longform(data, labels=labels)
        if len(lf) == 0:
            raise InputError("no annotations to aggregate", path=lf.source)
        self.items_ = lf.items
        self.classes_ = lf.labels
        self._fit(lf)
        winners = self._decide(lf)
        self.codes_ = winners
        self.labels_ = self.classes_[winners]
        self.confidence_ = self.probas_[np.arange(len(winners)), winners]
        return self

    def _fit(self, lf: LongForm) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _decide(self, lf: LongForm) -> np.ndarray:
        return choose(self.probas_, "smallest")

    def _check_fitted(self) -> None:
        if not hasattr(self, "probas_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(data) first")

    def predict(self) -> Consensus:
        """The aggregated label and its confidence for every item."""
        self._check_fitted()
        return Consensus(self.items_, self.labels_, self.confidence_)

    def predict_proba(self) -> Probabilities:
        """The probability of every label for every item."""
        self._check_fitted()
        return Probabilities(self.items_, self.classes_, self.probas_)

    def fit_predict(self, data: Any, *, labels: Iterable[Any] | None = None) -> Consensus:
        """``fit(data)`` then ``predict()``."""
        return self.fit(data, labels=labels).predict()

    def fit_predict_proba(self, data: Any, *, labels: Iterable[Any] | None = None) -> Probabilities:
        """``fit(data)`` then ``predict_proba()``."""
        return self.fit(data, labels=labels).predict_proba()
