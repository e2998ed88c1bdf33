"""Multi-label aggregation: one binary aggregation per label (binary relevance)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.aggregation.base import Aggregator
from accord.quality.aggregation.majority_vote import MajorityVote

__all__ = ["MultiLabel", "MultiLabelConsensus"]


@dataclass(frozen=True)
class MultiLabelConsensus:
    """Per item: the chosen label set and every label's probability.

    Iterating yields ``(item, labels, scores)`` with ``labels`` a sorted list
    and ``scores`` a dict label -> probability that the label applies.
    """

    items: list[Any]
    labels: list[list[Any]]
    scores: list[dict[Any, float]]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return zip(self.items, self.labels, self.scores)

    def __len__(self) -> int:
        return len(self.items)

    def as_dict(self) -> dict[Any, list[Any]]:
        return dict(zip(self.items, self.labels))


def _rows(data: Any) -> list[tuple[Any, Any, list[Any]]]:
    out = []
    for i, row in enumerate(data, start=1):
        if isinstance(row, Mapping):
            try:
                item, ann, labels = row["item"], row["annotator"], row["label"]
            except KeyError as exc:
                raise InputError(
                    f"row {i}: missing key {exc.args[0]!r}", field=str(exc.args[0])
                ) from None
        else:
            item, ann, labels = row
        if labels is None:
            labels = []
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
            raise InputError(
                f"row {i}: multi-label value must be a list of labels; got {labels!r}",
                field="label",
            )
        out.append((item, ann, list(labels)))
    return out


class MultiLabel:
    """Aggregate multi-label answers label by label.

    Every (item, annotator) answer becomes one yes/no vote per label ("did
    they tick it?"); each label is aggregated separately by a binary
    aggregator (majority vote by default, or Dawid-Skene etc.), and a label
    is kept when its probability reaches ``threshold``. An annotator who
    ticked nothing votes "no" for every label.

    Parameters
    ----------
    method : callable returning an Aggregator, default MajorityVote
        E.g. ``DawidSkene`` or ``lambda: MajorityVote(tie="largest")``.
    threshold : float, default 0.5
        Keep a label when P(applies) >= threshold. With majority vote and
        0.5, a tie keeps the label.
    labels : iterable, optional
        The full label set (labels nobody ticked get probability 0).

    Attributes
    ----------
    scores_ : dict of label to ndarray, shape (n_items,)
        P(label applies) per item.
    items_ : list

    References
    ----------
    .. [1] Tsoumakas, G. & Katakis, I. (2007). Multi-label classification: An
       overview. International Journal of Data Warehousing and Mining, 3(3),
       1-13. https://doi.org/10.4018/jdwm.2007070101

    Examples
    --------
    >>> rows = [(1, "a", ["x", "y"]), (1, "b", ["x"]), (1, "c", ["x", "z"])]
    >>> MultiLabel().fit_predict(rows).as_dict()
    {1: ['x']}
    """

    def __init__(
        self,
        method: Callable[[], Aggregator] = MajorityVote,
        threshold: float = 0.5,
        labels: Iterable[Any] | None = None,
    ) -> None:
        self.method = method
        self.threshold = threshold
        self.labels = labels

    def fit(self, data: Any) -> MultiLabel:
        rows = _rows(data)
        if not rows:
            raise InputError("no annotations to aggregate")
        label_set: list[Any] = (
            list(self.labels)
            if self.labels is not None
            else sorted(
                {lab for _, _, labs in rows for lab in labs}, key=lambda v: (str(type(v)), v)
            )
        )
        known = set(label_set)
        for i, (_, _, labs) in enumerate(rows, start=1):
            for lab in labs:
                if lab not in known:
                    raise InputError(f"row {i}: unknown label {lab!r}", field="label")
        items: dict[Any, int] = {}
        for item, _, _ in rows:
            items.setdefault(item, len(items))
        self.items_ = list(items)
        self.scores_ = {}
        for lab in label_set:
            votes = [(item, ann, int(lab in labs)) for item, ann, labs in rows]
            model = self.method().fit(votes, labels=[0, 1])
            proba = model.predict_proba()
            order = np.array([items[i] for i in proba.items.tolist()])
            p = np.zeros(len(items))
            p[order] = proba.values[:, 1]
            self.scores_[lab] = p
        return self

    def predict(self) -> MultiLabelConsensus:
        if not hasattr(self, "scores_"):
            raise RuntimeError("MultiLabel is not fitted yet; call fit(data) first")
        chosen: list[list[Any]] = [[] for _ in self.items_]
        scores: list[dict[Any, float]] = [{} for _ in self.items_]
        for lab, p in self.scores_.items():
            for i, value in enumerate(p.tolist()):
                scores[i][lab] = value
                if value >= self.threshold:
                    chosen[i].append(lab)
        return MultiLabelConsensus(list(self.items_), chosen, scores)

    def fit_predict(self, data: Any) -> MultiLabelConsensus:
        return self.fit(data).predict()
