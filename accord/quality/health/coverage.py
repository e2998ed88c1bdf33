"""Coverage gaps: slice values with too few records, responses or distinct annotators."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.health.data import Column

__all__ = ["slice_coverage"]


def slice_coverage(column: Column, response_record: np.ndarray, response_annotator: np.ndarray,
                   *, min_records: int = 30, min_annotators: int = 2) -> list[dict[str, Any]]:
    """Records, answered records, responses and distinct annotators per slice value.

    Parameters
    ----------
    column : Column
        Slice code per record.
    response_record, response_annotator : ndarray of int64, shape (n_responses,)
        Record index and annotator index of every submitted response.
    min_records, min_annotators : int
        Below either, the value is a gap (``gaps`` names which).

    Returns
    -------
    list of dict
        One per slice value: ``value``, ``records``, ``answered`` (records with
        at least one response), ``responses``, ``annotators`` and ``gaps``
        (``too_few_records``, ``no_responses``, ``too_few_annotators``).

    Examples
    --------
    >>> col = Column.from_values(["a", "a", "b"])
    >>> rows = slice_coverage(col, np.array([0, 0, 1]), np.array([0, 1, 0]), min_records=2)
    >>> [(r["value"], r["records"], r["answered"], r["annotators"], r["gaps"]) for r in rows]
    [('a', 2, 2, 2, []), ('b', 1, 0, 0, ['too_few_records', 'no_responses', 'too_few_annotators'])]
    """
    n = len(column)
    records = np.bincount(column.codes, minlength=n)
    of_response = column.codes[response_record]
    responses = np.bincount(of_response, minlength=n)
    has_response = np.bincount(response_record, minlength=column.codes.size) > 0
    answered = np.bincount(column.codes, weights=has_response, minlength=n).astype(np.int64)
    seen = np.zeros((n, int(response_annotator.max(initial=-1)) + 1), dtype=bool)
    seen[of_response, response_annotator] = True
    annotators = seen.sum(axis=1)
    rows = []
    for code, value in enumerate(column.values):
        gaps = []
        if records[code] < min_records:
            gaps.append("too_few_records")
        if responses[code] == 0:
            gaps.append("no_responses")
        if annotators[code] < min_annotators:
            gaps.append("too_few_annotators")
        rows.append({"value": value, "records": int(records[code]),
                     "answered": int(answered[code]), "responses": int(responses[code]),
                     "annotators": int(annotators[code]), "gaps": gaps})
    return rows
