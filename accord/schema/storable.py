"""What both databases can store: the one check every value passes on its way in.

A value that reaches SQLite or PostgreSQL must be storable on both, or the
same request would work on one backend and fail on the other (as a 500). The
rules, checked by :func:`check_storable` for a request body (the server's
JSON decoding, ``accord/server/checked_route.py``) and for every imported row
(``accord/io/mapping.py``):

- text holds no NUL character (PostgreSQL refuses it in ``text`` and ``jsonb``)
  and no lone UTF-16 surrogate (not encodable as UTF-8);
- integers fit in 64 signed bits, ``-2**63 .. 2**63 - 1`` (PostgreSQL
  ``bigint``; SQLite's integers and its JSON functions): within that range a
  JSON value is kept exactly on both backends, including beyond ``2**53``;
- containers nest at most :data:`MAX_DEPTH` levels (the JSON encoder stops at
  255, and nothing accord reads is that deep);
- floats are finite (JSON has no NaN or Infinity).

>>> check_storable({"note": "fine", "n": [1, 2.5, None]})
>>> storable_problem({"values": {"note": "a\\x00b"}})[0]
'values.note'
"""

from __future__ import annotations

import math
import re
from typing import Any

from accord.errors import InputError

__all__ = ["check_storable", "check_text", "storable_problem", "orjson_text_storable",
           "MAX_DEPTH", "INT_MIN", "INT_MAX"]

MAX_DEPTH = 100
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "text contains a NUL character (\\u0000), which cannot be stored; remove it"
    if not text.isascii():
        found = _BAD_TEXT.search(text)
        if found is not None:
            return (f"text contains a lone UTF-16 surrogate (\\u{ord(found.group()):04x}) at "
                    f"character {found.start()}; it is not valid Unicode text")
    return None


def _join(path: str, key: object) -> str:
    if type(key) is int:
        return f"{path}[{key}]"
    text = str(key)
    if "\x00" in text or not text.isascii():  # a field name must be printable in any reply
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        text = text.replace("\x00", "\\x00")
    return f"{path}.{text}" if path else text


def storable_problem(value: Any, field: str = "") -> tuple[str, str] | None:
    """The first ``(field path, reason)`` that makes ``value`` unstorable, else None.

    Walks without recursion, so a value nested 10,000 levels deep is reported,
    not a ``RecursionError``. Scalars inside a container are checked in place
    (the import path calls this for every row).
    """
    if type(value) is not dict and type(value) is not list:
        problem = _scalar_problem(value)
        return None if problem is None else (field, problem)
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return _clip(path), (f"nested more than {MAX_DEPTH} levels deep; flatten the "
                                 "value or store it as text")
        pairs: Any = item.items() if type(item) is dict else enumerate(item)
        for key, sub in pairs:
            if type(key) is str and ("\x00" in key or not key.isascii()):
                problem = _text_problem(key)
                if problem is not None:
                    return _join(path, key), "key: " + problem
            kind = type(sub)
            if kind is str:
                if "\x00" in sub or not sub.isascii():
                    problem = _text_problem(sub)
                    if problem is not None:
                        return _join(path, key), problem
            elif kind is dict or kind is list:
                stack.append((sub, _join(path, key), depth + 1))
            elif kind is float:
                if sub - sub != 0.0:  # NaN or an infinity (the import's common case inline)
                    return _join(path, key), _scalar_problem(sub)  # type: ignore[return-value]
            elif kind is int:
                if not INT_MIN <= sub <= INT_MAX:
                    return _join(path, key), _scalar_problem(sub)  # type: ignore[return-value]
            elif sub is not None and kind is not bool:
                problem = _scalar_problem(sub)
                if problem is not None:
                    return _join(path, key), problem
    return None


def orjson_text_storable(data: bytes, openings: int) -> bool:
    """Whether the value orjson decoded from ``data`` is proven storable without a walk.

    For the import's hot path (JSONL: :func:`accord.io.readers.json_text.loads_proven`);
    equivalent to ``storable_problem(orjson.loads(data)) is None`` whenever it says True
    (tests/schema/test_storable_proof.py compares the two on random and hostile rows).
    The caller guarantees that ``orjson.loads(data)`` succeeded, that ``data`` holds no
    run of 19 or more digits and that ``openings`` counts the bytes ``[`` and ``{`` in
    ``data``. Then, rule by rule:

    - integers: every JSON integer is written in full, so with at most 18 digits it is
      below ``10**18 < 2**63``;
    - floats: orjson refuses NaN, Infinity and numbers that overflow to infinity;
    - lone surrogates: orjson refuses them, escaped or as UTF-8 bytes;
    - NUL: a raw control byte inside a string is invalid JSON (refused), so a NUL can only
      come from the escape ``\\u0000`` (its hex digits have no case), found as bytes here;
    - depth: a value nested ``d`` levels needs ``d + 1`` opening brackets, so fewer than
      :data:`MAX_DEPTH` brackets in the text (in strings too: it can only over-count)
      cannot reach the limit;
    - types: orjson produces dict, list, str, int, float, bool and None only, str keys.

    False means "not proven", not "unstorable": the caller walks the value.
    """
    # one byte first: memchr finds no backslash in most rows faster than the escape
    return openings < MAX_DEPTH and (b"\\" not in data or b"\\u0000" not in data)


def _scalar_problem(item: Any) -> str | None:
    kind = type(item)
    if kind is str:
        return _text_problem(item)
    if kind is int:
        if not INT_MIN <= item <= INT_MAX:
            return (f"integer {_short(item)} is out of range: stored integers are 64-bit, "
                    f"from -2**63 to 2**63-1 ({INT_MAX}); send it as a string to keep it")
    elif kind is float:
        if not math.isfinite(item):
            return f"{item} is not a JSON number; use null or a string"
    elif kind is not dict and kind is not list and kind is not bool and item is not None:
        return (f"a {kind.__name__} value is not JSON (expected text, a number, true/false, "
                "null, a list or an object)")
    return None


def _clip(path: str) -> str:
    return path if len(path) <= 40 else path[:24] + "..."


def _short(number: int) -> str:
    text = str(number) if number.bit_length() < 4000 else f"with {number.bit_length()} bits"
    return text if len(text) <= 40 else text[:20] + "..." + text[-8:]


def check_storable(value: Any, *, field: str = "", path: str | None = None,
                   line: int | None = None) -> None:
    """Raise :class:`InputError` naming the field path when ``value`` cannot be stored.

    Parameters
    ----------
    value : Any
        A decoded JSON value (dict, list, str, int, float, bool, None).
    field : str
        The name of ``value`` itself; nested problems are named ``field.key[i]``.
    path, line : optional
        The file and line ``value`` came from (imports).

    Raises
    ------
    InputError
        For NUL or lone surrogates in text (keys too), integers outside 64 bits,
        nesting deeper than :data:`MAX_DEPTH`, NaN or infinite floats.
    """
    found = storable_problem(value, field)
    if found is not None:
        where, message = found
        raise InputError(message, path=path, line=line, field=where or None)


def check_text(text: str, *, field: str) -> None:
    """:func:`check_storable` for one string (a path or query parameter)."""
    problem = _text_problem(text)
    if problem is not None:
        raise InputError(problem, field=field)
