"""Suggestion-vs-human agreement per slice: does the pre-labeller err more on some slices?

For every slice value, over the records that have a model suggestion and
human answers:

- ``answer_match``: the share of human answers equal to the suggestion;
- ``majority_match``: the share of records whose human majority label (ties
  left out) equals the suggestion (the model's accuracy against the crowd);
- ``mean_abs_diff`` (ratings only): the mean distance between suggestion and
  answers, in scale points.

A chi-square test on the slice x (match, mismatch) table of records says
whether the model's accuracy depends on the slice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.health.data import Column
from accord.quality.health.distribution import crosstab, record_majority
from accord.quality.health.independence import chi_square_independence

__all__ = ["suggestion_agreement"]


def _row(name: str, answers: np.ndarray, matches: np.ndarray, rec_ok: np.ndarray,
         rec_match: np.ndarray, diffs: np.ndarray | None) -> dict[str, Any]:
    n_answers = int(answers.sum())
    n_records = int(rec_ok.sum())
    row: dict[str, Any] = {
        "value": name, "records": n_records, "answers": n_answers,
        "answer_match": float(matches.sum() / n_answers) if n_answers else None,
        "majority_match": float(rec_match.sum() / n_records) if n_records else None}
    if diffs is not None:
        row["mean_abs_diff"] = float(diffs.sum() / n_answers) if n_answers else None
    return row


def suggestion_agreement(record: np.ndarray, value: np.ndarray, suggestion: np.ndarray,
                         n_labels: int, column: Column, *, numeric: bool = False
                         ) -> dict[str, Any] | None:
    """Agreement between the model's suggestion and the human answers, overall and per slice.

    Parameters
    ----------
    record, value : ndarray of int64, shape (n_answers,)
        Record index and value code of every human answer.
    suggestion : ndarray of int64, shape (n_records,)
        The suggestion's value code per record, -1 where there is none.
    n_labels : int
    column : Column
        Slice code per record.
    numeric : bool
        Value codes are points of a rating scale: also report ``mean_abs_diff``.

    Returns
    -------
    dict or None
        ``overall`` and ``slices`` (rows described in the module docstring)
        and ``chi_square`` (slice x match on records with a majority); None
        when no answered record has a suggestion.

    Examples
    --------
    >>> col = Column.from_values(["a", "b"])
    >>> out = suggestion_agreement(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 1]),
    ...                            np.array([1, 1]), 2, col)
    >>> [(r["value"], r["answer_match"], r["majority_match"]) for r in out["slices"]]
    [('a', 1.0, 1.0), ('b', 0.5, None)]
    """
    n_records = suggestion.size
    sugg = suggestion[record]
    has = sugg >= 0
    if not has.any():
        return None
    rec, val, sug = record[has], value[has], sugg[has]
    match = val == sug
    diffs = np.abs(val - sug).astype(np.float64) if numeric else None
    majority = record_majority(rec, val, n_records, n_labels)
    rec_ok = (majority >= 0) & (suggestion >= 0)
    rec_match = rec_ok & (majority == suggestion)
    slice_of = column.codes[rec]
    n = len(column)
    answers = np.bincount(slice_of, minlength=n)
    matches = np.bincount(slice_of, weights=match, minlength=n)
    abs_sum = np.bincount(slice_of, weights=diffs, minlength=n) if diffs is not None else None
    ok_by = np.bincount(column.codes, weights=rec_ok, minlength=n)
    match_by = np.bincount(column.codes, weights=rec_match, minlength=n)
    rows = [_row(name, answers[k:k + 1], matches[k:k + 1], ok_by[k:k + 1], match_by[k:k + 1],
                 abs_sum[k:k + 1] if abs_sum is not None else None)
            for k, name in enumerate(column.values)]
    overall = _row("(all)", answers, matches, ok_by, match_by, abs_sum)
    outcome = np.where(rec_ok, rec_match.astype(np.int64), -1)
    table = crosstab(column.codes, n, outcome, 2)
    return {"overall": overall, "slices": rows, "chi_square": chi_square_independence(table)}
