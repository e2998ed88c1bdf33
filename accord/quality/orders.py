"""Rankings: best-first orders (ties as nested lists) and rank matrices.

accord stores a ranking as a best-first list of candidate ids, with tied
candidates grouped in a nested list: ``[["c2", "c1"], "c3"]`` means c2 and
c1 share first place, c3 is last. Ranks are 1-based; tied candidates get
the mean of the ranks they span (c2 and c1 both get 1.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from accord.errors import InputError

__all__ = ["rank_matrix", "ranks_from_order"]


def ranks_from_order(order: Sequence[Any]) -> dict[Any, float]:
    """Mean ranks of a best-first order with optional tie groups.

    Raises
    ------
    InputError
        A candidate appears twice.

    Examples
    --------
    >>> ranks_from_order([["c2", "c1"], "c3"])
    {'c2': 1.5, 'c1': 1.5, 'c3': 3.0}
    """
    ranks: dict[Any, float] = {}
    position = 0
    for entry in order:
        group = list(entry) if isinstance(entry, (list, tuple, set, frozenset)) else [entry]
        if not group:
            continue
        mean_rank = position + (len(group) + 1) / 2.0
        for candidate in group:
            if candidate in ranks:
                raise InputError(f"candidate {candidate!r} appears twice in ranking {order!r}")
            ranks[candidate] = mean_rank
        position += len(group)
    return ranks


def rank_matrix(
    orders: Iterable[Sequence[Any]], candidates: Iterable[Any] | None = None
) -> tuple[list[Any], np.ndarray]:
    """Rank matrix ``(n_annotators, n_candidates)`` from best-first orders.

    Every order must rank every candidate (rankings are complete); the
    candidate set defaults to the candidates of the first order, in its order.

    Raises
    ------
    InputError
        An order misses a candidate or names an unknown one.

    Examples
    --------
    >>> names, ranks = rank_matrix([["a", "b", "c"], ["b", ["a", "c"]]])
    >>> names, ranks.tolist()
    (['a', 'b', 'c'], [[1.0, 2.0, 3.0], [2.5, 1.0, 2.5]])
    """
    rows = [ranks_from_order(o) for o in orders]
    if not rows:
        raise InputError("no rankings given")
    names = list(candidates) if candidates is not None else list(rows[0])
    index = set(names)
    out = np.empty((len(rows), len(names)))
    for i, row in enumerate(rows, start=1):
        if set(row) != index:
            missing = sorted(map(str, index - set(row)))
            extra = sorted(map(str, set(row) - index))
            raise InputError(
                f"ranking {i} must rank exactly the candidates {sorted(map(str, names))}; "
                f"missing {missing}, unknown {extra}"
            )
        out[i - 1] = [row[c] for c in names]
    return names, out
