"""The disagreement queue: records whose annotators disagree most, first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.aggregation import AGGREGATORS
from accord.quality.agreement.percent import item_agreement
from accord.quality.frame import as_longform

__all__ = ["Disagreement", "rank_disagreements"]


@dataclass(frozen=True)
class Disagreement:
    """One item of the queue.

    Attributes
    ----------
    item : Any
    label : Any
        The aggregated label.
    confidence : float
        Its confidence (posterior probability or vote share).
    agreement : float
        Share of annotator pairs on this item who agree (1 = unanimous).
    n_annotations : int
    votes : dict
        Label -> number of annotators who gave it.
    """

    item: Any
    label: Any
    confidence: float
    agreement: float
    n_annotations: int
    votes: dict[Any, int]


def rank_disagreements(
    data: Any, *, method: str = "ds", min_annotations: int = 2, limit: int | None = None
) -> list[Disagreement]:
    """Items ordered from most to least contested, for review.

    Items are sorted by the confidence of the aggregated label (lowest
    first), then by pairwise agreement (lowest first), then by input order.
    Items with fewer than ``min_annotations`` annotations are left out
    (nothing to disagree about yet).

    Parameters
    ----------
    data : long-form annotations (``item, annotator, label``)
    method : str, default "ds"
        A key of :data:`accord.quality.aggregation.AGGREGATORS`.
    min_annotations : int, default 2
    limit : int, optional
        Return at most this many items.

    Returns
    -------
    list of Disagreement

    Examples
    --------
    >>> rows = [(1, "a", "x"), (1, "b", "x"), (2, "a", "x"), (2, "b", "y"), (3, "a", "y")]
    >>> [(d.item, d.agreement) for d in rank_disagreements(rows, method="mv")]
    [(2, 0.0), (1, 1.0)]
    """
    if method not in AGGREGATORS:
        raise ValueError(
            f"The 'method' parameter must be one of {', '.join(AGGREGATORS)}. "
            f"Got {method!r} instead."
        )
    lf = as_longform(data)
    if len(lf) == 0:
        raise InputError("no annotations", path=lf.source)
    model = AGGREGATORS[method]().fit(lf)
    counts = lf.counts()
    m = counts.sum(axis=1)
    keep = np.flatnonzero(m >= max(min_annotations, 1))
    agreement = np.ones(lf.n_items)
    pairable = m >= 2
    agreement[pairable] = item_agreement(counts[pairable])
    order = keep[np.lexsort((keep, agreement[keep], model.confidence_[keep]))]
    if limit is not None:
        order = order[:limit]
    labels = lf.labels.tolist()
    items = lf.items.tolist()
    out_labels = model.labels_.tolist()
    return [
        Disagreement(
            item=items[i],
            label=out_labels[i],
            confidence=float(model.confidence_[i]),
            agreement=float(agreement[i]),
            n_annotations=int(m[i]),
            votes={labels[k]: int(c) for k, c in enumerate(counts[i]) if c > 0},
        )
        for i in order
    ]
