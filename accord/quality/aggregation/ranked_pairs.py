"""Ranked pairs (Tideman): a consensus order from rankings or comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.aggregation.comparisons import Ranking, win_matrix

__all__ = ["RankedPairs"]


def _reaches(graph: list[set[int]], start: int, goal: int) -> bool:
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in graph[node] - seen:
            seen.add(nxt)
            stack.append(nxt)
    return False


class RankedPairs:
    r"""Tideman's ranked pairs: lock in the strongest majorities unless they make a cycle.

    1. For every pair (*a*, *b*) count how often *a* was preferred to *b*
       (ties count half for each).
    2. Sort the pairs with a positive margin :math:`w_{ab} - w_{ba}` by
       margin, then by winning votes :math:`w_{ab}`, then by first
       appearance of *a* and *b* (deterministic tie-breaking).
    3. Lock each pair into a graph unless it would close a cycle.
    4. The order is a topological sort of the locked graph; candidates left
       unordered (zero margins) are placed by net margin, then first appearance.

    Ranked pairs elects the Condorcet winner whenever there is one.
    Confidence between neighbours is the share of comparisons the upper one
    won (0.5 when they were never compared).

    Attributes
    ----------
    candidates_ : list
    wins_ : ndarray, shape (n, n)
    locked_ : list of (winner, loser)

    References
    ----------
    .. [1] Tideman, T. N. (1987). Independence of clones as a criterion for
       voting rules. Social Choice and Welfare, 4(3), 185-206.
       https://doi.org/10.1007/BF00433944

    Examples
    --------
    >>> from accord.quality.aggregation.comparisons import comparisons_from_rankings
    >>> orders = [["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2 + [["c", "a", "b"]] * 2
    >>> RankedPairs().fit(comparisons_from_rankings(orders)).predict().order
    ['a', 'b', 'c']
    """

    def fit(self, comparisons: Any) -> RankedPairs:
        names, wins = win_matrix(comparisons)
        n = len(names)
        margin = wins - wins.T
        pairs = [(a, b) for a in range(n) for b in range(n) if margin[a, b] > 0]
        pairs.sort(key=lambda ab: (-margin[ab], -wins[ab], ab[0], ab[1]))
        graph: list[set[int]] = [set() for _ in range(n)]
        locked = []
        for a, b in pairs:
            if not _reaches(graph, b, a):
                graph[a].add(b)
                locked.append((a, b))
        indegree = np.zeros(n, dtype=int)
        for _a, b in locked:
            indegree[b] += 1
        net = margin.sum(axis=1)
        remaining = set(range(n))
        order = []
        while remaining:
            sources = [c for c in remaining if indegree[c] == 0]
            best = min(sources, key=lambda c: (-net[c], c))
            order.append(best)
            remaining.remove(best)
            for b in graph[best]:
                indegree[b] -= 1
        self.candidates_ = names
        self.wins_ = wins
        self.locked_ = [(names[a], names[b]) for a, b in locked]
        self._order = order
        self._net = net
        return self

    def predict(self) -> Ranking:
        """The locked order; scores are net margins, confidence the neighbours' win share."""
        if not hasattr(self, "_order"):
            raise RuntimeError("RankedPairs is not fitted yet; call fit(comparisons) first")
        w = self.wins_
        conf = []
        for a, b in zip(self._order[:-1], self._order[1:]):
            total = w[a, b] + w[b, a]
            conf.append(float(w[a, b] / total) if total > 0 else 0.5)
        names = [self.candidates_[i] for i in self._order]
        return Ranking(names, dict(zip(self.candidates_, self._net.tolist())), conf)

    def fit_predict(self, comparisons: Any) -> Ranking:
        return self.fit(comparisons).predict()
