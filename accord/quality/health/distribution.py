"""Label distributions: answers per label, one majority label per record, counts per slice.

Two units are counted. *Answers* are every submitted annotation (what the
annotators said). *Records* get one label each, their majority vote, because
the answers to one record are not independent observations: the chi-square
tests of :mod:`accord.quality.health.independence` use record counts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["answer_counts", "record_majority", "binary_majority", "crosstab"]


def answer_counts(value: np.ndarray, n_labels: int) -> np.ndarray:
    """Answers per label, int64 of shape (n_labels,).

    Examples
    --------
    >>> answer_counts(np.array([0, 2, 2]), 3).tolist()
    [1, 0, 2]
    """
    return np.bincount(value, minlength=n_labels).astype(np.int64)


def record_majority(record: np.ndarray, value: np.ndarray, n_records: int,
                    n_labels: int) -> np.ndarray:
    """The majority label of every record: its code, or -1 on a tie or without answers.

    Sparse (sorts ``record * n_labels + value``), so memory follows the number
    of answers, not records x labels.

    Examples
    --------
    >>> record_majority(np.array([0, 0, 0, 1, 1]), np.array([1, 1, 0, 0, 1]), 3, 2).tolist()
    [1, -1, -1]
    """
    out = np.full(n_records, -1, dtype=np.int64)
    if record.size == 0:
        return out
    keys, counts = np.unique(record.astype(np.int64) * n_labels + value, return_counts=True)
    rec = keys // n_labels
    lab = keys % n_labels
    # within each record, the largest count; a tie when it occurs twice
    order = np.lexsort((-counts, rec))
    rec, lab, counts = rec[order], lab[order], counts[order]
    first = np.ones(rec.size, dtype=bool)
    first[1:] = rec[1:] != rec[:-1]
    starts = np.flatnonzero(first)
    top = counts[starts]
    has_second = np.zeros(starts.size, dtype=bool)
    second_pos = starts + 1
    inside = second_pos < rec.size
    inside[inside] &= rec[second_pos[inside]] == rec[starts[inside]]
    has_second[inside] = counts[second_pos[inside]] == top[inside]
    winners = ~has_second
    out[rec[starts[winners]]] = lab[starts[winners]]
    return out


def binary_majority(record: np.ndarray, chosen: np.ndarray, n_records: int) -> np.ndarray:
    """Per record and label of a multi-label question: 1 when more than half of the
    answers chose the label, 0 when fewer than half did, -1 on a tie or without answers.

    Examples
    --------
    >>> chosen = np.array([[True, False], [True, True], [False, False]])
    >>> binary_majority(np.array([0, 0, 1]), chosen, 2).tolist()
    [[1, -1], [0, 0]]
    """
    n = np.bincount(record, minlength=n_records).astype(np.int64)
    out = np.full((n_records, chosen.shape[1]), -1, dtype=np.int8)
    for j in range(chosen.shape[1]):
        yes = np.bincount(record, weights=chosen[:, j], minlength=n_records).astype(np.int64)
        col = out[:, j]
        col[(n > 0) & (2 * yes > n)] = 1
        col[(n > 0) & (2 * yes < n)] = 0
    return out


def crosstab(rows: np.ndarray, n_rows: int, cols: np.ndarray, n_cols: int) -> np.ndarray:
    """Counts of every (row, column) code pair, int64 of shape (n_rows, n_cols); pairs
    with a negative code (no value) are left out.

    Examples
    --------
    >>> crosstab(np.array([0, 0, 1, 1]), 2, np.array([1, -1, 0, 0]), 2).tolist()
    [[0, 1], [2, 0]]
    """
    keep = (rows >= 0) & (cols >= 0)
    flat = rows[keep].astype(np.int64) * n_cols + cols[keep]
    return np.bincount(flat, minlength=n_rows * n_cols).reshape(n_rows, n_cols).astype(np.int64)
