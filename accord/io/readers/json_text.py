"""JSON text to Python values for the file readers, keeping every integer exact.

orjson is the fast path, but it reads an integer outside 64 bits as a float
(``18446744073709551616`` becomes ``1.8446744073709552e+19``): the import would
store a different number than the file holds. Text with a run of 19 or more
digits (the only way to write such an integer) is decoded by the standard
library instead, which keeps integers exact, so the import's storable check
(:mod:`accord.schema.storable`) can refuse the ones no backend stores. Nesting
too deep for either decoder is an :class:`InputError`, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from accord.schema.storable import orjson_text_storable

__all__ = ["loads_exact", "loads_proven", "loads_as_stdlib", "DecodeError"]

# digits -> "0", "[" and "{" -> "[", every other byte -> " ": a 19-digit run is then a
# substring test and the opening brackets one count
_DIGITS = bytes(48 if 48 <= b <= 57 else 91 if b in (91, 123) else 32 for b in range(256))
_RUN = b"0" * 19


class DecodeError(ValueError):
    """Text that is not valid JSON (or too deeply nested); ``msg``, ``lineno``, ``colno``."""

    def __init__(self, msg: str, lineno: int | None = None, colno: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.lineno = lineno
        self.colno = colno


def loads_exact(data: bytes) -> Any:
    """Decode ``data`` like ``orjson.loads``, keeping integers beyond 64 bits exact.

    >>> loads_exact(b'{"n": 18446744073709551616}')
    {'n': 18446744073709551616}

    Raises
    ------
    DecodeError
        For invalid JSON (``lineno``/``colno`` set) or nesting deeper than the
        decoders allow.
    UnicodeDecodeError
        For bytes that are not UTF-8 (the stdlib path).
    """
    if _RUN not in data.translate(_DIGITS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(exc.msg, exc.lineno, exc.colno) from None
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise DecodeError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise DecodeError("nested too deeply to read") from None


def loads_proven(data: bytes) -> tuple[Any, bool]:
    """:func:`loads_exact`, and whether the value is proven storable without walking it
    (:func:`accord.schema.storable.orjson_text_storable`; False: walk it).

    >>> loads_proven(b'{"a": [1, "x"]}'), loads_proven(b'{"a": "\\\\u0000"}')[1]
    (({'a': [1, 'x']}, True), False)
    """
    scan = data.translate(_DIGITS)
    if _RUN not in scan:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(exc.msg, exc.lineno, exc.colno) from None
        return value, orjson_text_storable(data, scan.count(b"["))
    return loads_exact(data), False


def loads_as_stdlib(data: bytes) -> Any:
    """Exactly ``json.loads(data)`` (value and errors), through orjson where that gives
    the same value: text without a 19-digit run (orjson reads integers beyond 64 bits
    as floats) that orjson decodes at all (it refuses NaN, lone surrogates, byte order
    marks, UTF-16 and deep nesting, which ``json.loads`` then reads or refuses itself).

    >>> loads_as_stdlib(b'{"n": -9223372036854775809, "x": NaN}')
    {'n': -9223372036854775809, 'x': nan}
    """
    if _RUN not in data.translate(_DIGITS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)
