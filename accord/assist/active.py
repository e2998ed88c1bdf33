r"""Active learning: hand people the records the model is least sure about, and diverse ones.

Uncertainty sampling (Settles 2009, section 3.1) from a suggestion's label
distribution :math:`p` (from logprobs or sample votes, or an external
model's ``metadata.distribution`` given to ``Client.add_suggestions``; checked
by :func:`accord.schema.distribution.check_distribution`; when only the score
is known, the rest of the mass is spread evenly over the other labels):

- least confidence: :math:`1 - p_{(1)}`;
- margin: :math:`1 - (p_{(1)} - p_{(2)})`;
- entropy: :math:`-\sum_i p_i \log p_i / \log K` (normalized to [0, 1]).

Optional diversity (Sener & Savarese 2018): among the ``pool`` most
uncertain records, k-center greedy on their embeddings picks a ``batch``
that covers the pool (each pick is the record farthest from those already
picked), and those go first. Uncertain records are often near-duplicates;
the core set spreads annotation effort over the space instead.

References
----------
.. [1] Settles, B. (2009). Active Learning Literature Survey. Computer
   Sciences Technical Report 1648, University of Wisconsin-Madison.
   https://burrsettles.com/pub/settles.activelearning.pdf
.. [2] Sener, O. & Savarese, S. (2018). Active learning for convolutional
   neural networks: a core-set approach. ICLR 2018. https://arxiv.org/abs/1708.00489
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from accord.assist.prelabel import question_of
from accord.assist.reference import resolve_agent
from accord.errors import InputError
from accord.schema.distribution import check_distribution, distribution_row
from accord.store.assist_queries import question_suggestions
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.priorities import set_priorities
from accord.store.vectors import iter_vectors

__all__ = [
    "STRATEGIES",
    "PrioritizeSummary",
    "entropy",
    "k_center_greedy",
    "least_confidence",
    "margin",
    "prioritize",
    "uncertainty",
]

STRATEGIES = ("least-confidence", "margin", "entropy")


def _matrix(p: Any) -> np.ndarray:
    m = np.atleast_2d(np.asarray(p, dtype=np.float64))
    total = m.sum(axis=1, keepdims=True)
    return np.divide(m, total, out=np.full_like(m, 1.0 / m.shape[1]), where=total > 0)


def least_confidence(p: Any) -> np.ndarray:
    """``1 - max p`` per row.

    Examples
    --------
    >>> least_confidence([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0]]).round(3).tolist()
    [0.3, 0.5]
    """
    return 1.0 - _matrix(p).max(axis=1)


def margin(p: Any) -> np.ndarray:
    """``1 - (p1 - p2)`` per row (first and second largest).

    Examples
    --------
    >>> margin([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0]]).round(3).tolist()
    [0.5, 1.0]
    """
    m = np.sort(_matrix(p), axis=1)
    second = m[:, -2] if m.shape[1] > 1 else np.zeros(m.shape[0])
    return 1.0 - (m[:, -1] - second)


def entropy(p: Any) -> np.ndarray:
    """Entropy per row divided by ``log K`` (1 for a uniform row).

    Examples
    --------
    >>> entropy([[0.5, 0.5], [1.0, 0.0]]).round(3).tolist()
    [1.0, 0.0]
    """
    m = _matrix(p)
    if m.shape[1] < 2:
        return np.zeros(m.shape[0])
    logs = np.log(m, out=np.zeros_like(m), where=m > 0)
    return 0.0 - (m * logs).sum(axis=1) / np.log(m.shape[1])  # 0.0 - x: no negative zero


def uncertainty(p: Any, strategy: str) -> np.ndarray:
    """Uncertainty of each row of label distributions by ``strategy``."""
    funcs = {"least-confidence": least_confidence, "margin": margin, "entropy": entropy}
    if strategy not in funcs:
        raise InputError(f"expected one of {', '.join(STRATEGIES)}, got {strategy!r}",
                         field="--strategy")
    return funcs[strategy](p)


def k_center_greedy(embeddings: Any, k: int, *, first: int = 0) -> list[int]:
    """Indices of ``k`` rows chosen by k-center greedy (Sener & Savarese 2018, alg. 1).

    Starts from row ``first`` and repeatedly adds the row whose distance to its
    nearest chosen row is largest (ties: the lowest index). O(n k d).

    Examples
    --------
    >>> k_center_greedy([[0, 0], [0.1, 0], [5, 5], [10, 0]], 3)
    [0, 3, 2]
    """
    x = np.asarray(embeddings, dtype=np.float64)
    n = x.shape[0]
    if n == 0 or k <= 0:
        return []
    chosen = [first]
    nearest = np.linalg.norm(x - x[first], axis=1)
    picked = {first}
    while len(chosen) < min(k, n):
        nearest[list(picked)] = -1.0
        nxt = int(np.argmax(nearest))  # duplicates of chosen rows (distance 0) come last
        chosen.append(nxt)
        picked.add(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(x - x[nxt], axis=1))
    return chosen


def _distribution_row(question: Any, score: float, meta: dict[str, Any] | None,
                      record_id: int) -> list[float]:
    dist = (meta or {}).get("distribution")
    if dist is not None:
        checked = check_distribution(question, dist,
                                     f"record {record_id}: suggestion metadata.distribution")
        return distribution_row(question, checked)
    k = max(_n_choices(question) or 2, 2)
    rest = (1.0 - score) / (k - 1)
    return [score] + [rest] * (k - 1)


def _n_choices(question: Any) -> int | None:
    if question.type in ("label", "multi_label", "flags"):
        return len(question.labels)
    if question.type == "rating":
        return question.max - question.min + 1
    if question.type == "pairwise":
        return 3 if question.allow_tie else 2
    return None


@dataclass
class PrioritizeSummary:
    dataset: str
    question: str
    agent: str
    strategy: str
    records: int = 0
    diverse: int = 0
    mean_uncertainty: float = 0.0
    seconds: float = 0.0

    def line(self) -> str:
        extra = f", {self.diverse:,} diverse first" if self.diverse else ""
        return (f"prioritize {self.dataset}/{self.question} ({self.agent}, {self.strategy}): "
                f"{self.records:,} records, mean uncertainty {self.mean_uncertainty:.3f}{extra}, "
                f"{self.seconds:.1f} s")


def prioritize(engine: Engine, dataset: str, question: str, *,
               strategy: str = "least-confidence", agent: str | None = None,
               diversity: int = 0, pool: int | None = None,
               vector: str = "all-MiniLM-L6-v2") -> PrioritizeSummary:
    """Set ``priority = uncertainty`` for records with a scored suggestion (or one with a
    ``metadata.distribution``).

    Parameters
    ----------
    strategy : {"least-confidence", "margin", "entropy"}
    diversity : int, default 0
        When > 0, pick that many records by k-center greedy among the ``pool``
        (default ``10 * diversity``) most uncertain ones that have vectors
        named ``vector``; they get priorities above every other record.

    Raises
    ------
    InputError
        Unknown strategy or question, no suggestions, or ``diversity`` without vectors.
    """
    started = time.perf_counter()
    uncertainty([[1.0]], strategy)  # validate the name early
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        q = question_of(settings, question)
        agent = resolve_agent(session, ds.id, q.name, agent)
        rows = [r for r in question_suggestions(session, ds.id, q.name, agent)
                if r.score is not None or (r.meta or {}).get("distribution") is not None]
        vectors = dict(iter_vectors(session, ds.id, vector)) if diversity > 0 else {}
        dataset_id = ds.id
    summary = PrioritizeSummary(dataset, q.name, agent, strategy, records=len(rows))
    if not rows:
        raise InputError(f"no scored suggestions of {agent} for {q.name!r}", field="--question")
    dist_rows = [_distribution_row(q, r.score, r.meta, r.record_id) for r in rows]
    matrix = np.zeros((len(rows), max(len(row) for row in dist_rows)))
    for i, row in enumerate(dist_rows):
        matrix[i, :len(row)] = row
    scores = uncertainty(matrix, strategy)
    priorities = {r.record_id: float(s) for r, s in zip(rows, scores)}
    if diversity > 0:
        order = [i for i in np.argsort(-scores, kind="stable") if rows[i].record_id in vectors]
        if not order:
            raise InputError(f"no record has vectors {vector!r}; run 'accord assist embed' first",
                             field="--diversity")
        candidates = order[:pool or 10 * diversity]
        picked = k_center_greedy([vectors[rows[i].record_id] for i in candidates], diversity)
        for rank, j in enumerate(picked):
            priorities[rows[candidates[j]].record_id] = 2.0 - rank / max(len(picked), 1)
        summary.diverse = len(picked)
    with write_scope(engine) as session:
        set_priorities(session, dataset_id, priorities)
    summary.mean_uncertainty = float(scores.mean())
    summary.seconds = time.perf_counter() - started
    return summary
