"""Agreement broken down: per question, per label (one-vs-rest), per annotator pair."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.agreement._ratings import ratings
from accord.quality.agreement.score import agreement_score
from accord.quality.frame import LongForm, _columns_of, as_longform

__all__ = ["PairwiseAgreement", "agreement_by_label", "agreement_by_question", "pairwise_agreement"]


def agreement_by_question(
    data: Any,
    metric: str = "alpha",
    level: str | Mapping[Any, str] = "nominal",
    *,
    question: str = "question",
) -> dict[Any, float]:
    """Agreement of each question separately.

    Parameters
    ----------
    data : dict of columns, DataFrame or list of dicts
        Long-form annotations with ``item, annotator, label`` and a question column.
    metric : str, default "alpha"
        See :func:`~accord.quality.agreement.agreement_score`.
    level : str or mapping of question to str, default "nominal"
        One level for all questions or one per question (missing ones are nominal).
    question : str, default "question"
        Name of the question column.

    Returns
    -------
    dict
        Question -> value, in order of first appearance; ``nan`` for a
        question with no item annotated twice.

    Examples
    --------
    >>> rows = [{"item": i, "annotator": a, "label": v, "question": q}
    ...         for q, votes in {"tone": [1, 1, 2, 2], "topic": [1, 2, 1, 2]}.items()
    ...         for (i, a), v in zip([(0, "x"), (0, "y"), (1, "x"), (1, "y")], votes)]
    >>> agreement_by_question(rows, "percent")
    {'tone': 1.0, 'topic': 0.0}
    """
    cols = _columns_of(data)
    if question not in cols:
        present = ", ".join(sorted(cols))
        raise InputError(f"missing column {question!r} (found: {present})", field=question)
    keys = list(cols[question])
    base = {name: list(cols[name]) for name in ("item", "annotator", "label") if name in cols}
    groups: dict[Any, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    out: dict[Any, float] = {}
    for key, rows in groups.items():
        sub = {name: [col[i] for i in rows] for name, col in base.items()}
        q_level = level.get(key, "nominal") if isinstance(level, Mapping) else level
        try:
            out[key] = agreement_score(as_longform(sub), metric, q_level)
        except InputError:
            out[key] = float("nan")
    return out


def agreement_by_label(data: Any, metric: str = "alpha") -> dict[Any, float]:
    """One-vs-rest agreement per label: each label against all others, as a binary question.

    Shows which labels annotators confuse: a label with low one-vs-rest
    agreement is applied inconsistently.

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
    metric : str, default "alpha"
        A nominal metric (see :func:`~accord.quality.agreement.agreement_score`).

    Returns
    -------
    dict
        Label -> value (``nan`` if undefined, e.g. a label nobody used).

    Examples
    --------
    >>> from accord.quality import ReliabilityMatrix as R
    >>> out = agreement_by_label(R([["a", "a", "b", "c"], ["a", "a", "b", "b"]]), "percent")
    >>> {k: round(v, 2) for k, v in out.items()}
    {'a': 1.0, 'b': 0.75, 'c': 0.75}
    """
    lf = ratings(data)
    out = {}
    for code, label in enumerate(lf.labels.tolist()):
        binary = LongForm(
            lf.item,
            lf.annotator,
            (lf.label == code).astype(np.int64),
            lf.items,
            lf.annotators,
            np.array([0, 1]),
            source=lf.source,
        )
        out[label] = agreement_score(binary, metric, "nominal")
    return out


@dataclass(frozen=True)
class PairwiseAgreement:
    """Agreement of every pair of annotators.

    Attributes
    ----------
    annotators : list
        Row/column order.
    values : ndarray, shape (n_annotators, n_annotators)
        Symmetric for symmetric metrics; ``nan`` where a pair shares fewer
        than ``min_overlap`` items or the metric is undefined.
    overlap : ndarray of int, shape (n_annotators, n_annotators)
        Number of items both annotated.
    """

    annotators: list[Any]
    values: np.ndarray
    overlap: np.ndarray


def pairwise_agreement(
    data: Any, metric: str = "cohen", level: str = "nominal", *, min_overlap: int = 2
) -> PairwiseAgreement:
    """Agreement between every two annotators on the items they share.

    Parameters
    ----------
    data : long-form annotations or a :class:`~accord.quality.ReliabilityMatrix`
    metric : str, default "cohen"
    level : str, default "nominal"
    min_overlap : int, default 2
        Pairs sharing fewer items get ``nan``.

    Returns
    -------
    PairwiseAgreement

    Examples
    --------
    >>> from accord.quality import ReliabilityMatrix as R
    >>> pa = pairwise_agreement(R([[1, 2, 1, 2], [1, 2, 1, 2], [2, 1, 1, 2]]), "percent")
    >>> pa.values.round(2).tolist()
    [[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]
    """
    lf = ratings(data)
    k = lf.n_annotators
    values = np.full((k, k), np.nan)
    overlap = np.zeros((k, k), dtype=np.int64)
    present = np.zeros((k, lf.n_items), dtype=bool)
    present[lf.annotator, lf.item] = True
    for a in range(k):
        overlap[a, a] = int(present[a].sum())
        values[a, a] = 1.0
    for a, b in combinations(range(k), 2):
        shared = present[a] & present[b]
        n = int(shared.sum())
        overlap[a, b] = overlap[b, a] = n
        if n < min_overlap:
            continue
        keep = ((lf.annotator == a) | (lf.annotator == b)) & shared[lf.item]
        pair = LongForm(
            lf.item[keep],
            (lf.annotator[keep] == b).astype(np.int64),
            lf.label[keep],
            lf.items,
            np.array([a, b]),
            lf.labels,
        )
        try:
            values[a, b] = values[b, a] = agreement_score(pair, metric, level)
        except InputError:
            continue
    return PairwiseAgreement(lf.annotators.tolist(), values, overlap)
