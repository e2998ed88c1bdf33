"""Integer coding of values: the distinct values and a code per value."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["factorize"]


def factorize(values: Any, *, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and distinct values of a 1-D sequence.

    Parameters
    ----------
    values : array-like, shape (n,)
        Hashable values.
    sort : bool, default False
        Sort the distinct values; otherwise keep the order of first appearance.

    Returns
    -------
    codes : ndarray of int64, shape (n,)
    uniques : ndarray

    Examples
    --------
    >>> codes, uniques = factorize(["b", "a", "b"])
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, 0], ['b', 'a'])
    """
    arr = _to_array(values)
    if arr.dtype.kind in "iub":
        return _factorize_ints(arr.astype(np.int64), sort)
    if arr.dtype.kind in "fUS":
        uniq, first, inv = np.unique(arr, return_index=True, return_inverse=True)
        return _reorder(uniq, first, inv.reshape(-1), sort)
    table: dict[Any, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in arr), np.int64, len(arr))
    uniques = np.empty(len(table), dtype=object)
    uniques[:] = list(table)
    if sort:
        order = np.array(sorted(range(len(uniques)), key=lambda i: uniques[i]), dtype=np.int64)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return rank[codes], uniques[order]
    return codes, uniques


def _factorize_ints(arr: np.ndarray, sort: bool) -> tuple[np.ndarray, np.ndarray]:
    if arr.size == 0:
        return arr.astype(np.int64), arr
    lo, hi = int(arr.min()), int(arr.max())
    if hi - lo > 4 * arr.size + 1024:
        uniq, first, inv = np.unique(arr, return_index=True, return_inverse=True)
        return _reorder(uniq, first, inv.reshape(-1), sort)
    shifted = arr - lo
    present = np.bincount(shifted, minlength=hi - lo + 1) > 0
    uniq = np.flatnonzero(present)
    lookup = np.cumsum(present) - 1
    inv = lookup[shifted]
    if sort:
        return inv.astype(np.int64), uniq + lo
    first = np.full(len(uniq), arr.size, dtype=np.int64)
    np.minimum.at(first, inv, np.arange(arr.size))
    return _reorder(uniq + lo, first, inv, sort)


def _reorder(
    uniq: np.ndarray, first: np.ndarray, inv: np.ndarray, sort: bool
) -> tuple[np.ndarray, np.ndarray]:
    if sort:
        return inv.astype(np.int64), uniq
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inv].astype(np.int64), uniq[order]


def _to_array(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values.reshape(-1)
    if hasattr(values, "to_numpy"):
        return np.asarray(values.to_numpy()).reshape(-1)
    values = list(values)
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr
