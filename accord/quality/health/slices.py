"""Agreement per slice: Krippendorff's alpha over the records of each slice value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.agreement.krippendorff import krippendorff_alpha
from accord.quality.frame import LongForm
from accord.quality.health.data import Column

__all__ = ["coded_alpha", "agreement_by_slice"]


def coded_alpha(record: np.ndarray, annotator: np.ndarray, value: np.ndarray, n_labels: int,
                level: str = "nominal") -> dict[str, Any]:
    """Krippendorff's alpha of integer-coded answers, with how much data it rests on.

    Thin wrapper over :func:`accord.quality.agreement.krippendorff_alpha`
    (Krippendorff 2011) on the codes as they are (record and annotator
    indices are small dense integers, so no re-indexing sort is needed).

    Returns
    -------
    dict
        ``alpha`` (None when no record has two answers or nothing varies),
        ``records`` (records with two or more answers: the pairable units) and
        ``answers``.

    Examples
    --------
    >>> out = coded_alpha(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]),
    ...                   np.array([0, 0, 1, 0]), 2)
    >>> round(out["alpha"], 3), out["records"], out["answers"]
    (0.0, 2, 4)
    """
    per_item = np.bincount(record)
    pairable = int(np.count_nonzero(per_item >= 2))
    out: dict[str, Any] = {"alpha": None, "records": pairable, "answers": int(record.size)}
    if pairable == 0:
        return out
    # codes are dense already: records and annotators without answers add empty rows only
    lf = LongForm(record.astype(np.int64), annotator.astype(np.int64), value.astype(np.int64),
                  np.arange(per_item.size), np.arange(int(annotator.max()) + 1),
                  np.arange(n_labels))
    try:
        alpha = krippendorff_alpha(lf, level)
    except InputError:
        return out
    out["alpha"] = alpha if math.isfinite(alpha) else None
    return out


def agreement_by_slice(record: np.ndarray, annotator: np.ndarray, value: np.ndarray,
                       n_labels: int, column: Column, level: str = "nominal"
                       ) -> list[dict[str, Any]]:
    """:func:`coded_alpha` for every value of a slice ``column`` (codes per record).

    Examples
    --------
    >>> col = Column.from_values(["a", "a", "b", "b"])
    >>> rows = agreement_by_slice(np.array([0, 0, 1, 1, 2, 2, 3, 3]), np.tile([0, 1], 4),
    ...                           np.array([0, 0, 1, 1, 0, 1, 1, 0]), 2, col)
    >>> [(r["value"], round(r["alpha"], 2)) for r in rows]
    [('a', 1.0), ('b', -0.5)]
    """
    of_answer = column.codes[record]
    order = np.argsort(of_answer, kind="stable")
    bounds = np.searchsorted(of_answer[order], np.arange(len(column) + 1))
    rows = []
    for code, name in enumerate(column.values):
        idx = order[bounds[code]:bounds[code + 1]]
        rows.append({"value": name, **coded_alpha(record[idx], annotator[idx], value[idx],
                                                   n_labels, level)})
    return rows
