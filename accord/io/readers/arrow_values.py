"""Arrow values as JSON, for the readers of Arrow data (Parquet, Hugging Face datasets).

Values that JSON has no type for are converted per column, as documented in
docs/import.md: timestamps, dates and times become ISO 8601 strings
(``2024-01-02T03:04:05+00:00``), decimals become strings (``"1.50"``, exact),
binary becomes base64 text. Any other such type (a duration, an interval) is
refused with an error naming the column.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from accord.errors import InputError

__all__ = ["column_converters", "convert_rows", "json_value"]


def convert_rows(rows: list[dict[str, Any]],
                 convert: list[tuple[str, Callable[[Any], Any]]]) -> None:
    """Apply ``convert`` (from :func:`column_converters`) to ``rows`` in place."""
    for row in rows:
        for name, fn in convert:
            value = row.get(name)
            if value is not None:
                row[name] = fn(value)


def column_converters(schema: Any, src: str) -> list[tuple[str, Callable[[Any], Any]]]:
    """``(column, convert)`` for the columns whose values are not JSON as read."""
    import pyarrow.types as pat

    out = []
    for fld in schema:
        typ = fld.type
        if _needs_conversion(typ, pat):
            _check_supported(fld.name, typ, pat, src)
            out.append((fld.name, json_value))
    return out


def _needs_conversion(typ: Any, pat: Any) -> bool:
    if pat.is_temporal(typ) or pat.is_decimal(typ) or pat.is_binary(typ) or \
            pat.is_large_binary(typ) or pat.is_fixed_size_binary(typ) or \
            pat.is_binary_view(typ):
        return True
    return any(_needs_conversion(typ.field(i).type, pat) for i in range(typ.num_fields))


def _check_supported(name: str, typ: Any, pat: Any, src: str) -> None:
    if pat.is_duration(typ) or pat.is_interval(typ):
        raise InputError(f"column {name!r} has type {typ}, which has no JSON form; cast it to "
                         "a number (e.g. seconds) or a string before importing", path=src,
                         field=name)
    for i in range(typ.num_fields):
        _check_supported(name, typ.field(i).type, pat, src)


def json_value(value: Any) -> Any:
    """A value read from Arrow as JSON: ISO 8601 text for times, decimals as exact text,
    bytes as base64; lists, dicts and tuples (map entries) converted inside.

    >>> json_value([dt.date(2024, 1, 2), Decimal("1.50"), b"\\x00\\xff"])
    ['2024-01-02', '1.50', 'AP8=']
    """
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value
