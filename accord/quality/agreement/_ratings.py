"""Shared input handling for the agreement metrics.

A metric's ``data`` says what it is; nothing is guessed from its shape:

- long-form annotations, one per row: a :class:`LongForm`, a DataFrame or a
  dict of columns named ``item, annotator, label``, a list of dicts with those
  keys, or a list of ``(item, annotator, label)`` tuples (a fourth value is
  the time spent);
- a reliability matrix (annotators x items, Krippendorff's layout, missing
  values as ``None``/``NaN``) wrapped in :class:`ReliabilityMatrix`.

A bare nested list or a 2-D array is refused with an :class:`InputError`
that names both ways to say it: ``[(1, "a", "pos"), (1, "b", "pos"),
(2, "a", "neg")]`` is three annotations, but the same values as lists could
be a 3 x 3 matrix, and reading one as the other gives a wrong number without
a word (alpha 0.26 instead of 0.44 on the six rows of the regression test).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.frame import LongForm, ReliabilityMatrix, as_longform

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def ratings(data: Any, labels: Iterable[Any] | None = None) -> LongForm:
    """Coerce a metric's ``data`` argument into a :class:`LongForm`.

    Raises
    ------
    InputError
        ``data`` is a bare nested list, tuple of lists or array (ambiguous),
        or rows that are neither all mappings nor all tuples.
    """
    if isinstance(data, LongForm):
        return as_longform(data, labels=labels)
    if isinstance(data, ReliabilityMatrix):
        return data.to_longform(labels=labels)
    if isinstance(data, Mapping) or hasattr(data, "columns"):
        return as_longform(data, labels=labels)
    if isinstance(data, (list, tuple)) and (
        not data
        or all(isinstance(row, Mapping) for row in data)
        or all(isinstance(row, tuple) for row in data)
    ):
        return as_longform(data, labels=labels)
    raise InputError(
        f"cannot tell how to read {type(data).__name__} data: pass long-form annotations "
        "(a list of (item, annotator, label) tuples, a list of dicts, a DataFrame or a dict of "
        "columns item, annotator, label) or a reliability matrix (annotators x items) wrapped "
        "in accord.quality.ReliabilityMatrix(...)",
        field="data",
    )


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
        raise InputError(
            f"The 'level' parameter must be one of {', '.join(LEVELS)}. Got {level!r} instead.",
            field="level",
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
