"""Shared input handling for the agreement metrics.

A metric's ``data`` is either a *reliability matrix* (array-like of shape
``(n_annotators, n_items)``, Krippendorff's layout, missing values as
``None``/``NaN``) or long-form annotations (a :class:`LongForm`, a dict of
columns, a DataFrame or a list of dicts with ``item, annotator, label``).
Nested lists/tuples and arrays are read as a matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.frame import LongForm, as_longform, from_reliability_matrix

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def ratings(data: Any, labels: Iterable[Any] | None = None) -> LongForm:
    """Coerce a metric's ``data`` argument into a :class:`LongForm`."""
    if isinstance(data, LongForm):
        return as_longform(data, labels=labels)
    if isinstance(data, Mapping) or hasattr(data, "columns"):
        return as_longform(data, labels=labels)
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], Mapping):
        return as_longform(data, labels=labels)
    return from_reliability_matrix(data, labels=labels)


def pairable_counts(lf: LongForm) -> np.ndarray:
    """Votes per label for items with at least two annotations, ``(n, n_labels)``.

    Raises
    ------
    InputError
        No item has two or more annotations.
    """
    counts = lf.counts()
    counts = counts[counts.sum(axis=1) >= 2]
    if counts.shape[0] == 0:
        raise InputError(
            "no item has two or more annotations; agreement needs at least 2 per item "
            "(items with a single annotation are ignored)",
            path=lf.source,
        )
    return counts


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(
            f"The 'level' parameter must be one of {', '.join(LEVELS)}. Got {level!r} instead."
        )
    return level


def numeric_labels(lf: LongForm, level: str) -> np.ndarray:
    """Label values as float64, or a clear error for text labels."""
    try:
        return np.asarray(lf.labels, dtype=np.float64)
    except (TypeError, ValueError):
        sample = ", ".join(map(repr, lf.labels[:5].tolist()))
        raise InputError(
            f"level {level!r} needs numeric labels; got {sample}", path=lf.source, field="label"
        ) from None


def rank_positions(n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal position of each value: labels below plus half its own count."""
    return np.cumsum(n_c) - n_c / 2.0


def difference_matrix(lf: LongForm, level: str, n_c: np.ndarray) -> np.ndarray:
    """Squared difference function delta^2(c, k) for every pair of labels."""
    v = lf.n_labels
    if level == "nominal":
        return 1.0 - np.eye(v)
    if level == "ordinal":
        pos = rank_positions(n_c)
        return (pos[:, None] - pos[None, :]) ** 2
    values = numeric_labels(lf, level)
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return diff**2
    total = values[:, None] + values[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
    return out
