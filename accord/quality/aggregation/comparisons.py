"""Pairwise comparisons: parsing, rankings to pairs, the win matrix, and the Ranking result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.orders import ranks_from_order

__all__ = ["Ranking", "comparisons_from_rankings", "win_matrix"]

_TIE = (None, "tie")


@dataclass(frozen=True)
class Ranking:
    """A consensus order of candidates, best first.

    Attributes
    ----------
    order : list
        Candidates, best first.
    scores : dict
        Candidate -> score (higher is better; meaning depends on the method).
    confidence : list of float, length ``len(order) - 1``
        ``confidence[k]``: how sure the method is that ``order[k]`` belongs
        above ``order[k + 1]`` (a probability or a vote share).
    """

    order: list[Any]
    scores: dict[Any, float]
    confidence: list[float]


def comparisons_from_rankings(orders: Iterable[Sequence[Any]]) -> list[tuple[Any, Any, Any]]:
    """Split best-first rankings (ties as nested lists) into pairwise comparisons.

    Each ranking of *n* candidates gives *n(n-1)/2* rows ``(left, right,
    winner)``; tied candidates give ``winner=None``.

    Examples
    --------
    >>> comparisons_from_rankings([["a", ["b", "c"]]])
    [('a', 'b', 'a'), ('a', 'c', 'a'), ('b', 'c', None)]
    """
    rows = []
    for order in orders:
        ranks = ranks_from_order(order)
        for a, b in combinations(ranks, 2):
            winner = a if ranks[a] < ranks[b] else b if ranks[b] < ranks[a] else None
            rows.append((a, b, winner))
    return rows


def _parse(row: Any, i: int) -> tuple[Any, Any, Any]:
    if isinstance(row, Mapping):
        if "left" not in row or "right" not in row:
            raise InputError(f"row {i}: a comparison needs 'left' and 'right'; got {sorted(row)}")
        left, right = row["left"], row["right"]
        if "choice" in row:
            choice = row["choice"]
            if isinstance(choice, Mapping):
                choice = choice.get("choice")
            mapping = {"a": left, "b": right, "tie": None}
            if choice not in mapping:
                raise InputError(
                    f"row {i}: choice must be 'a', 'b' or 'tie'; got {choice!r}", field="choice"
                )
            return left, right, mapping[choice]
        winner = row.get("winner", row.get("label"))
    else:
        try:
            left, right, winner = row[-3:] if len(row) > 3 else row
        except (TypeError, ValueError):
            raise InputError(f"row {i}: expected (left, right, winner); got {row!r}") from None
    if winner == left or winner == right:
        return left, right, winner
    if winner in _TIE:
        return left, right, None
    raise InputError(
        f"row {i}: winner {winner!r} is neither {left!r} nor {right!r} "
        "(use None or 'tie' for a tie)",
        field="winner",
    )


def win_matrix(comparisons: Iterable[Any]) -> tuple[list[Any], np.ndarray]:
    """Candidates (first-appearance order) and ``wins[i, j]``: times *i* beat *j* (ties 0.5).

    Rows are ``(left, right, winner)`` tuples (or ``(annotator, left, right,
    winner)``), or dicts with ``left``, ``right`` and ``winner`` (or
    ``label``), or accord's pairwise value ``choice: "a" | "b" | "tie"``.

    Examples
    --------
    >>> names, wins = win_matrix([("a", "b", "a"), ("a", "b", "tie")])
    >>> names, wins.tolist()
    (['a', 'b'], [[0.0, 1.5], [0.5, 0.0]])
    """
    parsed = [_parse(row, i) for i, row in enumerate(comparisons, start=1)]
    if not parsed:
        raise InputError("no comparisons given")
    index: dict[Any, int] = {}
    for left, right, _ in parsed:
        index.setdefault(left, len(index))
        index.setdefault(right, len(index))
    wins = np.zeros((len(index), len(index)))
    for left, right, winner in parsed:
        a, b = index[left], index[right]
        if a == b:
            continue
        if winner is None:
            wins[a, b] += 0.5
            wins[b, a] += 0.5
        elif winner == left:
            wins[a, b] += 1.0
        else:
            wins[b, a] += 1.0
    return list(index), wins
