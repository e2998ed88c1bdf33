"""Long-form annotations as integer-coded numpy arrays.

Every algorithm in :mod:`accord.quality` works on one shape of data: one row
per annotation, with the columns ``item``, ``annotator`` and ``label``. This
module turns what users hold (a pandas DataFrame, a dict of columns, a list
of dicts, a list of ``(item, annotator, label)`` tuples or a reliability
matrix) into a :class:`LongForm`: three ``int64`` code arrays plus the
distinct keys they index. pandas is never imported here; a DataFrame is
read through its columns.

Ordering conventions (relied upon by tie policies and ordinal metrics):

- ``items`` and ``annotators`` keep the order of first appearance;
- ``labels`` are sorted (numerically when every label is a number), so
  code 0 is the smallest label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.codes import _to_array, factorize

__all__ = [
    "LongForm",
    "ReliabilityMatrix",
    "as_longform",
    "factorize",
    "from_reliability_matrix",
]

_COLUMNS = ("item", "annotator", "label")


@dataclass(frozen=True, eq=False)
class LongForm:
    """Annotations in long form, integer coded.

    Attributes
    ----------
    item, annotator, label : ndarray of int64, shape (n_annotations,)
        Codes into ``items``, ``annotators`` and ``labels``.
    items, annotators : ndarray, shape (n_items,) and (n_annotators,)
        Distinct keys in order of first appearance.
    labels : ndarray, shape (n_labels,)
        Distinct labels, sorted.
    extra : dict of str to ndarray
        Optional per-annotation columns kept from the input (e.g. ``time``).
    source : str or None
        Where the data came from (a file path), for error messages.
    """

    item: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    items: np.ndarray
    annotators: np.ndarray
    labels: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    source: str | None = None

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_annotators(self) -> int:
        return len(self.annotators)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    def __len__(self) -> int:
        return len(self.label)

    def counts(self) -> np.ndarray:
        """Votes per item and label, dense ``(n_items, n_labels)`` float64."""
        flat = self.item * self.n_labels + self.label
        size = self.n_items * self.n_labels
        return (
            np.bincount(flat, minlength=size)
            .astype(np.float64)
            .reshape(self.n_items, self.n_labels)
        )

    def subset(self, mask: np.ndarray) -> LongForm:
        """The annotations selected by a boolean mask (keys are kept)."""
        return LongForm(
            self.item[mask],
            self.annotator[mask],
            self.label[mask],
            self.items,
            self.annotators,
            self.labels,
            {k: v[mask] for k, v in self.extra.items()},
            self.source,
        )

    def label_values(self) -> np.ndarray:
        """The label of every annotation (decoded), shape (n_annotations,)."""
        return self.labels[self.label]


@dataclass(frozen=True, eq=False)
class ReliabilityMatrix:
    """A reliability matrix, said to be one: annotators x items, missing as ``None``/``NaN``.

    Krippendorff's layout: row *i* holds annotator *i*'s labels, column *j*
    item *j*. The agreement metrics read plain nested lists and arrays as
    nothing (a list of ``(item, annotator, label)`` rows and a small matrix can
    look alike); wrap a matrix in this class to say what it is.

    Examples
    --------
    >>> from accord.quality.agreement import agreement_score
    >>> round(agreement_score(ReliabilityMatrix([[1, 2, 2, 1], [1, 2, 2, 2]]), "cohen"), 4)
    0.5
    """

    values: Any

    def to_longform(self, labels: Iterable[Any] | None = None) -> LongForm:
        return from_reliability_matrix(self.values, labels=labels)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _label_array(values: Any, *, source: str | None, field_name: str = "label") -> np.ndarray:
    """Labels as int64, float64 or str: one type for all, so they sort."""
    arr = _to_array(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(np.isnan(arr))
        if bad.size:
            _raise_missing(int(bad[0]), source, field_name)
        return arr.astype(np.float64)
    out = list(arr)
    for i, v in enumerate(out):
        if _is_missing(v):
            _raise_missing(i, source, field_name)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in out):
        return np.asarray(out, dtype=np.int64)
    if all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in out
    ):
        return np.asarray(out, dtype=np.float64)
    strings = np.empty(len(out), dtype=object)
    strings[:] = [v if isinstance(v, str) else str(v) for v in out]
    return strings


def _raise_missing(index: int, source: str | None, field_name: str) -> None:
    raise InputError(
        f"row {index + 1}: empty or NaN {field_name}; every annotation needs a {field_name}",
        path=source,
        field=field_name,
    )


def _columns_of(data: Any) -> dict[str, Any]:
    """Named columns of a DataFrame, a dict of columns or a list of rows."""
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        return {str(c): data[c] for c in data.columns}
    if isinstance(data, Mapping):
        return {str(k): v for k, v in data.items()}
    rows = data if isinstance(data, Sequence) else list(data)
    if not rows:
        return {c: [] for c in _COLUMNS}
    if isinstance(rows[0], Mapping):
        keys: dict[str, None] = {}
        for row in rows:
            keys.update(dict.fromkeys(row))
        return {str(k): [row.get(k) for row in rows] for k in keys}
    width = len(rows[0])
    if width not in (3, 4):
        raise InputError(
            f"rows must be (item, annotator, label) or (item, annotator, label, time) "
            f"tuples; got {width} values in row 1"
        )
    names = _COLUMNS + ("time",)
    return {names[j]: [row[j] for row in rows] for j in range(width)}


def as_longform(
    data: Any,
    *,
    labels: Iterable[Any] | None = None,
    extra: Iterable[str] = ("time",),
    source: str | None = None,
) -> LongForm:
    """Turn annotations into a :class:`LongForm`.

    Parameters
    ----------
    data : LongForm, DataFrame, dict of columns, list of dicts or list of tuples
        One row per annotation with the columns ``item``, ``annotator`` and
        ``label``; other columns are ignored except those named in ``extra``.
    labels : iterable, optional
        The full label set in its natural order (e.g. a rating scale with
        unused points). Labels outside it raise :class:`InputError`.
    extra : iterable of str, default ("time",)
        Optional numeric columns to keep in :attr:`LongForm.extra`.
    source : str, optional
        Path shown in error messages.

    Returns
    -------
    LongForm

    Raises
    ------
    InputError
        A required column is missing, or a label is empty or NaN.

    Examples
    --------
    >>> lf = as_longform([("q1", "ann", "yes"), ("q1", "bob", "no")])
    >>> lf.n_items, lf.n_annotators, lf.labels.tolist()
    (1, 2, ['no', 'yes'])
    """
    if isinstance(data, LongForm):
        return data if labels is None else _relabel(data, list(labels))
    cols = _columns_of(data)
    missing = [c for c in _COLUMNS if c not in cols]
    if missing:
        present = ", ".join(sorted(cols)) or "none"
        raise InputError(
            f"missing column {missing[0]!r} (needs item, annotator, label; found: {present})",
            path=source,
            field=missing[0],
        )
    item_codes, items = factorize(cols["item"])
    ann_codes, annotators = factorize(cols["annotator"])
    values = _label_array(cols["label"], source=source)
    if labels is None:
        label_codes, label_set = factorize(values, sort=True)
    else:
        label_codes, label_set = _codes_in(values, list(labels), source)
    kept = {}
    for name in extra:
        if name in cols:
            kept[name] = np.asarray(_to_array(cols[name]), dtype=np.float64)
    if not (len(item_codes) == len(ann_codes) == len(label_codes)):
        raise InputError("columns item, annotator and label have different lengths", path=source)
    return LongForm(item_codes, ann_codes, label_codes, items, annotators, label_set, kept, source)


def _codes_in(
    values: np.ndarray, label_set: list[Any], source: str | None
) -> tuple[np.ndarray, np.ndarray]:
    index = {v: i for i, v in enumerate(label_set)}
    codes = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values.tolist()):
        code = index.get(v)
        if code is None:
            allowed = ", ".join(map(str, label_set))
            raise InputError(
                f"row {i + 1}: unknown label {v!r} (allowed: {allowed})", path=source, field="label"
            )
        codes[i] = code
    uniques = np.empty(len(label_set), dtype=object)
    uniques[:] = label_set
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in label_set):
        uniques = np.asarray(label_set)
    return codes, uniques


def _relabel(lf: LongForm, label_set: list[Any]) -> LongForm:
    codes, uniques = _codes_in(lf.label_values(), label_set, lf.source)
    return LongForm(
        lf.item, lf.annotator, codes, lf.items, lf.annotators, uniques, lf.extra, lf.source
    )


def from_reliability_matrix(matrix: Any, *, labels: Iterable[Any] | None = None) -> LongForm:
    """A reliability matrix (annotators x items, missing = None/NaN) as a LongForm.

    Items are the column indices ``0..n_items-1`` (all columns are kept, even
    empty ones); annotators are the row indices.

    Examples
    --------
    >>> lf = from_reliability_matrix([[1, 2, None], [1, 3, 3]])
    >>> len(lf), lf.n_items, lf.labels.tolist()
    (5, 3, [1, 2, 3])
    """
    arr = np.asarray(matrix) if isinstance(matrix, np.ndarray) else _matrix_array(matrix)
    if arr.ndim != 2:
        raise InputError(
            f"a reliability matrix must be 2-D (annotators x items); got {arr.ndim} dimensions"
        )
    if arr.dtype.kind == "f":
        present = ~np.isnan(arr)
    elif arr.dtype.kind in "iub":
        present = np.ones(arr.shape, dtype=bool)
    else:
        present = np.vectorize(lambda v: not _is_missing(v), otypes=[bool])(arr)
    ann, item = np.nonzero(present)
    values = arr[ann, item]
    if arr.dtype.kind == "O":
        values = _label_array(values, source=None)
    if values.dtype.kind == "f" and values.size and np.all(values == np.floor(values)):
        if np.abs(values).max() < 2**53:
            values = values.astype(np.int64)
    if labels is None:
        label_codes, label_set = factorize(values, sort=True)
    else:
        label_codes, label_set = _codes_in(np.asarray(values), list(labels), None)
    return LongForm(
        item.astype(np.int64),
        ann.astype(np.int64),
        label_codes,
        np.arange(arr.shape[1]),
        np.arange(arr.shape[0]),
        label_set,
    )


def _matrix_array(matrix: Any) -> np.ndarray:
    rows = list(matrix)
    if not all(isinstance(r, Iterable) and not isinstance(r, (str, bytes)) for r in rows):
        raise InputError("a reliability matrix must be 2-D (annotators x items); got 1 dimension")
    rows = [list(r) for r in rows]
    if len({len(r) for r in rows}) > 1:
        raise InputError("a reliability matrix must be rectangular: rows have different lengths")
    flat = [v for r in rows for v in r]
    if flat and all(
        v is None or (isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
        for v in flat
    ):
        return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
    arr = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, r in enumerate(rows):
        arr[i, :] = r
    return arr
