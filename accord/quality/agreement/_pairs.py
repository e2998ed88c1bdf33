"""Two annotators' labels over the same items, as a contingency table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.frame import _is_missing, _label_array, factorize

WEIGHTS = (None, "linear", "quadratic")


def contingency_table(
    y1: Any, y2: Any, labels: Iterable[Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Counts ``table[i, j]`` of items labelled ``labels[i]`` by one and ``labels[j]`` by the other.

    Pairs where either label is missing (``None``, ``NaN``, empty string) are dropped.
    """
    a = list(y1.tolist() if hasattr(y1, "tolist") else y1)
    b = list(y2.tolist() if hasattr(y2, "tolist") else y2)
    if len(a) != len(b):
        raise InputError(f"y1 and y2 must have the same length; got {len(a)} and {len(b)}")
    kept = [(u, v) for u, v in zip(a, b) if not (_is_missing(u) or _is_missing(v))]
    if not kept:
        raise InputError("no item was labelled by both annotators")
    values = _label_array([u for u, _ in kept] + [v for _, v in kept], source=None)
    if labels is None:
        codes, label_set = factorize(values, sort=True)
    else:
        label_set = np.asarray(list(labels), dtype=object if values.dtype == object else None)
        index = {v: i for i, v in enumerate(label_set.tolist())}
        unknown = [v for v in values.tolist() if v not in index]
        if unknown:
            allowed = ", ".join(map(str, label_set.tolist()))
            raise InputError(f"unknown label {unknown[0]!r} (allowed: {allowed})", field="label")
        codes = np.fromiter((index[v] for v in values.tolist()), np.int64, len(values))
    n = len(kept)
    k = len(label_set)
    table = np.bincount(codes[:n] * k + codes[n:], minlength=k * k).reshape(k, k)
    return table.astype(np.float64), label_set


def disagreement_weights(k: int, weights: str | None) -> np.ndarray:
    """Cohen's disagreement weights over label positions 0..k-1."""
    if weights not in WEIGHTS:
        raise ValueError(
            "The 'weights' parameter must be one of None, 'linear', 'quadratic'. "
            f"Got {weights!r} instead."
        )
    pos = np.arange(k, dtype=np.float64)
    diff = np.abs(pos[:, None] - pos[None, :])
    if weights is None:
        return (diff > 0).astype(np.float64)
    return diff if weights == "linear" else diff**2


def weighted_kappa(table: np.ndarray, expected: np.ndarray, weights: str | None) -> float:
    """``1 - sum(w * observed) / sum(w * expected)``; ``nan`` when chance disagreement is 0."""
    w = disagreement_weights(table.shape[0], weights)
    denom = float(np.sum(w * expected))
    if denom == 0.0:
        return float("nan")
    return 1.0 - float(np.sum(w * table)) / denom
