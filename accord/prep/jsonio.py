"""JSON (de)serialization of records that never loses data.

orjson is fast but reads integers beyond 64 bits as floats (losing digits)
and refuses lone surrogates; the standard library handles both. Records go
through orjson unless they hold a run of 19 or more digits or orjson
refuses them. ``NaN`` and ``Infinity`` (not JSON, but accepted on input) are
written back as ``null``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

__all__ = ["dumps_record", "loads_record"]

_LONG_DIGITS = re.compile(rb"\d{19,}")
_DIGITS = b"0123456789"


def loads_record(data: bytes | str) -> Any:
    """Parse JSON, exactly.

    Raises
    ------
    json.JSONDecodeError
        Invalid JSON (orjson's error is a subclass of it).

    Examples
    --------
    >>> loads_record(b'{"n": 123456789012345678901234567890}')
    {'n': 123456789012345678901234567890}
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    # counting digits is much cheaper than the regex, which only runs when it could match
    few_digits = len(raw) - len(raw.translate(None, _DIGITS)) < 19
    if few_digits or _LONG_DIGITS.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def dumps_record(record: Any) -> bytes:
    """Serialize as one compact JSON line (UTF-8, no newline).

    Examples
    --------
    >>> dumps_record({"n": 2**70, "t": "é"})
    b'{"n":1180591620717411303424,"t":"\\xc3\\xa9"}'
    """
    try:
        return orjson.dumps(record)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(_finite(record), ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by ``None`` (as orjson writes them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
