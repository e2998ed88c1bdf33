"""How much people changed a model's draft: character-level edit distance.

:func:`levenshtein` counts insertions, deletions and substitutions with the
bit-parallel algorithm of Myers (1999) in Hyyrö's (2001) formulation for the
global distance: the DP column is kept as two bit vectors of vertical deltas
(``+1``/``-1``) over the shorter string, one per character of the longer,
so the cost is O(n * ceil(m / w)) word operations (Python's integers are
the words) instead of O(n * m) cell updates: a few milliseconds for two 2,000
character texts. :func:`normalized_edit_distance` divides by the longer
length (0 = unchanged, 1 = rewritten). :func:`edit_stats` compares each
draft suggestion of a text question with every human submission for its
record.

References
----------
.. [1] Myers, G. (1999). A fast bit-vector algorithm for approximate string
   matching based on dynamic programming. Journal of the ACM, 46(3), 395-415.
   https://doi.org/10.1145/316542.316550
.. [2] Hyyrö, H. (2001). Explaining and extending the bit-parallel approximate
   string matching algorithm of Myers. Technical report A-2001-10, University
   of Tampere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine

from accord.assist.prelabel import question_of
from accord.assist.reference import resolve_agent
from accord.errors import InputError
from accord.store.assist_queries import human_values, question_suggestions
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope

__all__ = ["EditStats", "edit_stats", "levenshtein", "normalized_edit_distance"]


def levenshtein(a: str, b: str) -> int:
    """Character-level Levenshtein distance.

    Examples
    --------
    >>> levenshtein("kitten", "sitting"), levenshtein("", "abc"), levenshtein("same", "same")
    (3, 3, 0)
    """
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


def normalized_edit_distance(a: str, b: str) -> float:
    """``levenshtein(a, b) / max(len(a), len(b))``; 0.0 for two empty strings.

    Examples
    --------
    >>> normalized_edit_distance("abcd", "abxd")
    0.25
    """
    longest = max(len(a), len(b))
    return levenshtein(a, b) / longest if longest else 0.0


@dataclass
class EditStats:
    """Edit distances between drafts and the texts people submitted."""

    dataset: str
    question: str
    agent: str
    pairs: list[tuple[int, int, float]] = field(default_factory=list)  # record, distance, norm

    @property
    def n(self) -> int:
        return len(self.pairs)

    def to_dict(self) -> dict[str, Any]:
        norms = np.array([p[2] for p in self.pairs]) if self.pairs else np.zeros(0)
        dists = np.array([p[1] for p in self.pairs]) if self.pairs else np.zeros(0)

        def stat(x: np.ndarray, f: Any) -> float | None:
            return round(float(f(x)), 6) if x.size else None

        return {"dataset": self.dataset, "question": self.question, "agent": self.agent,
                "pairs": self.n, "mean_normalized": stat(norms, np.mean),
                "median_normalized": stat(norms, np.median),
                "p90_normalized": stat(norms, lambda x: np.quantile(x, 0.9)),
                "mean_distance": stat(dists, np.mean),
                "unchanged_share": stat(norms, lambda x: np.mean(x == 0))}

    def line(self) -> str:
        d = self.to_dict()
        if not self.n:
            return f"edits {self.dataset}/{self.question} ({self.agent}): no submitted texts yet"
        return (f"edits {self.dataset}/{self.question} ({self.agent}): {self.n:,} drafts "
                f"answered, normalized edit distance mean {d['mean_normalized']:.3f}, median "
                f"{d['median_normalized']:.3f}, p90 {d['p90_normalized']:.3f}; "
                f"{d['unchanged_share']:.1%} submitted unchanged")


def edit_stats(engine: Engine, dataset: str, question: str, *,
               agent: str | None = None) -> EditStats:
    """Compare ``agent``'s drafts for a text question with the texts people submitted.

    Raises
    ------
    InputError
        Not a text question, or no drafts.
    """
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        q = question_of(settings_of(ds), question)
        if q.type != "text":
            raise InputError(f"question {q.name!r} is a {q.type} question; edit distance is "
                             "for text questions (drafts)", field="--question")
        agent = resolve_agent(session, ds.id, q.name, agent)
        drafts = question_suggestions(session, ds.id, q.name, agent)
        submitted = human_values(session, ds.id, q.name)
    stats = EditStats(dataset, q.name, agent)
    for row in drafts:
        for text in submitted.get(row.record_id, []):
            if isinstance(row.value, str) and isinstance(text, str):
                stats.pairs.append((row.record_id, levenshtein(row.value, text),
                                    normalized_edit_distance(row.value, text)))
    return stats
