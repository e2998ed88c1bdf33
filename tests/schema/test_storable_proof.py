"""The import's byte-level storable proof against the full walk (accord/schema/storable.py).

``loads_proven`` skips :func:`storable_problem` for a JSONL row when its text proves the
value storable (:func:`orjson_text_storable`). Whenever it says "proven", the full check
must find nothing, on random and hostile text: NUL escapes, lone surrogates (escaped and
as raw bytes), nesting at and beyond the limit, integers at and beyond 64 bits, NaN and
infinities, and arbitrary bytes.
"""

from __future__ import annotations

import json
import math

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from accord.io.readers.json_text import DecodeError, loads_exact, loads_proven
from accord.schema.storable import MAX_DEPTH, storable_problem

_EDGE_INTS = [2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**18 - 1, 10**18, 2**64, -(10**30)]
_EDGE_FLOATS = [math.nan, math.inf, -math.inf, -0.0, 1e-7, 1.7976931348623157e308, 5e-324]
_HOSTILE_TEXT = ["\x00", "a\x00b", "\ud800", "x\udfffy", "\ud83d\ude00", "\u2028", "\\u0000",
                 '"', "\\", "\x1f", "é", "[[[", "{{{"]

scalars = (st.none() | st.booleans()
           | st.integers() | st.sampled_from(_EDGE_INTS)
           | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(_EDGE_FLOATS)
           | st.text() | st.sampled_from(_HOSTILE_TEXT))
keys = st.text(max_size=5) | st.sampled_from(_HOSTILE_TEXT)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=20)


@st.composite
def nested(draw: st.DrawFn) -> object:
    """A value wrapped in lists and objects, around the depth limit."""
    value = draw(values)
    lists = draw(st.sampled_from(["lists", "objects", "both"]))
    for i in range(draw(st.sampled_from([1, 2, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH,
                                         MAX_DEPTH + 1, MAX_DEPTH + 5]))):
        in_list = lists == "lists" or (lists == "both" and i % 2 == 0)
        value = [value] if in_list else {f"k{i}": value}
    return value


@st.composite
def json_texts(draw: st.DrawFn) -> bytes:
    """JSON text of a row written several ways, sometimes with bytes changed."""
    row = {"id": "r", "v": draw(values | nested())}
    ascii_only = draw(st.booleans())
    text = json.dumps(row, ensure_ascii=ascii_only, allow_nan=True)
    data = text.encode("utf-8", "surrogatepass")  # lone surrogates as (invalid) raw bytes
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=6) | st.sampled_from(
            [b"\\u0000", b"\x00", b"\\ud800", b"[", b"{", b"9" * 19, b"NaN"])) + data[at:]
    return data


def _same(a: object, b: object) -> bool:
    return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        b, option=orjson.OPT_SORT_KEYS) if storable_problem(a) is None else repr(a) == repr(b)


@given(json_texts() | st.binary(max_size=64))
@example(b'{"a": "\\u0000"}')
@example(b'{"\\u0000": 1}')
@example(b'{"a": "\\ud800"}')
@example(b'{"a": "\xed\xa0\x80"}')
@example(b'{"a": 9223372036854775808}')
@example(b'{"a": -9223372036854775809}')
@example(b'{"a": 1e999}')
@example(b'{"a": NaN}')
@example(b'{"a": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}")
def test_a_proven_row_passes_the_full_check(data: bytes) -> None:
    try:
        value, proven = loads_proven(data)
    except (DecodeError, UnicodeDecodeError):
        with pytest.raises((DecodeError, UnicodeDecodeError)):
            loads_exact(data)
        return
    assert _same(value, loads_exact(data))  # the same value as the reader's decoder
    if proven:
        assert storable_problem(value) is None


@pytest.mark.parametrize("data", [
    b'{"a": "x\\u0000"}', b'{"\\u0000": 1}', b'{"a": 12345678901234567890}',
    b'{"a": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}",
])
def test_what_the_text_cannot_prove_is_left_to_the_walk(data: bytes) -> None:
    assert loads_proven(data)[1] is False


def test_ordinary_rows_are_proven() -> None:
    """The fast path is taken: a row of text, numbers, a list and an object."""
    value, proven = loads_proven(b'{"id": "rec-1", "text": "caf\xc3\xa9 \\"q\\" [x] {y}", '
                                 b'"score": 0.25, "n": 922337203685477580, "tags": ["a"], '
                                 b'"m": {"k": null, "b": true}}')
    assert proven and value["text"] == 'café "q" [x] {y}'
    assert loads_proven(b'{"a": ' + b"[" * 98 + b"]" * 98 + b"}")[1] is True
