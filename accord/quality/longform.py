"""Read long-form annotation files (CSV, TSV, JSONL, JSON, Parquet) into a :class:`LongForm`.

The standalone quality input is one row per annotation with the columns
``item``, ``annotator`` and ``label`` (other columns are ignored, except an
optional numeric ``time`` in seconds). Bad input raises
:class:`~accord.errors.InputError` naming the file, line and column.

Label types: in CSV every value is text, so labels that all parse as
integers become ``int`` (then ``float``); otherwise they stay text. Items
and annotators stay text in CSV and keep their JSON type in JSONL.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.quality.frame import LongForm, as_longform

__all__ = ["SUFFIXES", "LongForm", "read_gold", "read_longform", "read_table"]

SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet")
_REQUIRED = ("item", "annotator", "label")


def _missing_column(
    path: str, name: str, present: list[str], required: tuple[str, ...]
) -> InputError:
    found = ", ".join(present) if present else "none"
    return InputError(
        f"missing column {name!r} (needs {', '.join(required)}; found: {found})",
        path=path,
        line=1 if not path.endswith(".parquet") else None,
        field=name,
    )


def _numbers(values: list[Any]) -> list[Any]:
    """Text labels that are all integers (or all numbers) become numbers."""
    if not values or not all(isinstance(v, str) for v in values):
        return values
    try:
        return [int(v) for v in values]
    except ValueError:
        pass
    try:
        floats = [float(v) for v in values]
    except ValueError:
        return values
    return floats if all(f == f for f in floats) else values


def _check_value(value: Any, path: str, line: int, name: str, parquet: bool) -> None:
    empty = value is None or (isinstance(value, str) and value.strip() == "")
    nan = (isinstance(value, float) and value != value) or (
        isinstance(value, str) and value.strip().lower() == "nan"
    )
    if empty or nan:
        what = "NaN" if nan else "empty"
        prefix = f"row {line}: " if parquet else ""
        raise InputError(
            f"{prefix}{what} {name}; every annotation needs a {name}",
            path=path,
            line=None if parquet else line,
            field=name,
        )


def _read_csv(path: str, required: tuple[str, ...]) -> tuple[dict[str, list[Any]], list[int]]:
    delimiter = "\t" if path.endswith(".tsv") else ","
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError(
                "file is empty: expected a header row with item, annotator, label", path=path
            )
        names = [h.strip() for h in header]
        for name in required:
            if name not in names:
                raise _missing_column(path, name, names, required)
        wanted = {n: names.index(n) for n in names if n in required or n == "time"}
        cols: dict[str, list[Any]] = {n: [] for n in wanted}
        lines: list[int] = []
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            line = reader.line_num
            if len(row) < len(names):
                missing = names[len(row)]
                raise InputError(
                    f"row has {len(row)} values but the header has {len(names)}",
                    path=path,
                    line=line,
                    field=missing,
                )
            for name, j in wanted.items():
                cols[name].append(row[j])
            lines.append(line)
    return cols, lines


def _read_json_rows(path: str, required: tuple[str, ...]) -> tuple[dict[str, list[Any]], list[int]]:
    rows: list[tuple[int, Any]] = []
    with open(path, encoding="utf-8") as fh:
        if path.endswith(".json"):
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
            if not isinstance(data, list):
                raise InputError("a .json file must hold a list of objects", path=path)
            rows = [(i, r) for i, r in enumerate(data, start=1)]
        else:
            for line_no, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    rows.append((line_no, json.loads(text)))
                except json.JSONDecodeError as exc:
                    raise InputError(f"invalid JSON: {exc.msg}", path=path, line=line_no) from None
    if not rows:
        raise InputError("file is empty: expected one object per annotation", path=path)
    cols: dict[str, list[Any]] = {n: [] for n in required}
    times: list[Any] = []
    lines = []
    for line_no, row in rows:
        if not isinstance(row, dict):
            raise InputError(
                f"expected a JSON object, got {type(row).__name__}", path=path, line=line_no
            )
        for name in required:
            if name not in row:
                found = ", ".join(sorted(row)) or "none"
                raise InputError(
                    f"missing key {name!r} (needs {', '.join(required)}; found: {found})",
                    path=path,
                    line=line_no,
                    field=name,
                )
            cols[name].append(row[name])
        times.append(row.get("time"))
        lines.append(line_no)
    if any(t is not None for t in times):
        cols["time"] = times
    return cols, lines


def _read_parquet(path: str, required: tuple[str, ...]) -> tuple[dict[str, list[Any]], list[int]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "reading Parquet needs pyarrow: pip install 'accord[data]'", path=path
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"not a readable Parquet file: {exc}", path=path) from None
    names = table.column_names
    for name in required:
        if name not in names:
            raise _missing_column(path, name, names, required)
    if table.num_rows == 0:
        raise InputError("file is empty: no rows", path=path)
    keep = [n for n in names if n in required or n == "time"]
    cols = {n: table.column(n).to_pylist() for n in keep}
    return cols, list(range(1, table.num_rows + 1))


def read_table(
    path: str | os.PathLike[str], required: tuple[str, ...] = _REQUIRED
) -> tuple[dict[str, list[Any]], list[int]]:
    """Columns of a CSV/TSV/JSONL/JSON/Parquet file and the line (or row) of each record.

    Raises
    ------
    InputError
        Unknown suffix, missing file, empty file, a missing column, or an
        empty/NaN value in a required column.
    """
    p = str(path)
    suffix = Path(p).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"unsupported file type {suffix or '(none)'!r}; use one of {', '.join(SUFFIXES)}",
            path=p,
        )
    if not os.path.isfile(p):
        raise InputError("no such file", path=p)
    if suffix in (".csv", ".tsv"):
        cols, lines = _read_csv(p, required)
    elif suffix == ".parquet":
        cols, lines = _read_parquet(p, required)
    else:
        cols, lines = _read_json_rows(p, required)
    if not lines:
        raise InputError("file is empty: a header but no annotations", path=p)
    for name in required:
        for value, line in zip(cols[name], lines):
            if value is None or isinstance(value, (str, float)):
                _check_value(value, p, line, name, suffix == ".parquet")
    return cols, lines


def read_longform(path: str | os.PathLike[str]) -> LongForm:
    """Read a long-form annotation file.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.json`` (list of
        objects) or ``.parquet`` (needs pyarrow) with columns ``item``,
        ``annotator``, ``label`` and optionally ``time`` (seconds).

    Returns
    -------
    LongForm
        With ``source`` set to ``path``.

    Raises
    ------
    InputError
        Empty file, missing column (the message lists the columns found),
        empty or NaN values, malformed JSON, unsupported suffix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "votes.csv"
    >>> _ = f.write_text("item,annotator,label\\nq1,ann,1\\nq1,bob,2\\n")
    >>> lf = read_longform(f)
    >>> lf.n_items, lf.n_annotators, lf.labels.tolist()
    (1, 2, [1, 2])
    """
    p = str(path)
    cols, lines = read_table(p)
    cols["label"] = _numbers(cols["label"])
    if "time" in cols:
        times = []
        for value, line in zip(cols["time"], lines):
            try:
                times.append(float("nan") if value in (None, "") else float(value))
            except (TypeError, ValueError):
                raise InputError(
                    f"time must be a number of seconds; got {value!r}",
                    path=p,
                    line=line,
                    field="time",
                ) from None
        cols["time"] = times
    return as_longform(cols, source=p)


def read_gold(path: str | os.PathLike[str], labels: Any = None) -> dict[Any, Any]:
    """Read gold answers (columns ``item, label``) as ``{item: label}``.

    Parameters
    ----------
    path : str or path-like
    labels : iterable, optional
        The allowed labels (e.g. ``read_longform(...).labels``); a gold label
        outside them raises, naming its line.

    Raises
    ------
    InputError
        As :func:`read_table`, an item with two different gold labels, or a
        label outside ``labels``.
    """
    p = str(path)
    cols, lines = read_table(p, ("item", "label"))
    values = _numbers(cols["label"])
    allowed = None if labels is None else {str(v) for v in list(labels)}
    out: dict[Any, Any] = {}
    for item, label, line in zip(cols["item"], values, lines):
        if allowed is not None and str(label) not in allowed:
            shown = ", ".join(sorted(allowed))
            raise InputError(
                f"unknown gold label {label!r} for item {item!r} (annotation labels: {shown})",
                path=p,
                line=line,
                field="label",
            )
        if item in out and out[item] != label:
            raise InputError(
                f"item {item!r} has two gold labels: {out[item]!r} and {label!r}",
                path=p,
                line=line,
                field="label",
            )
        out[item] = label
    return out
