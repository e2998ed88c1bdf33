"""JSON array reader (``[{...}, {...}]``). The array is parsed whole: prefer JSONL for big data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.readers.json_text import DecodeError, loads_exact

__all__ = ["read_json_array"]


def read_json_array(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    src = str(path)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        obj = loads_exact(data)
    except (DecodeError, UnicodeDecodeError) as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as uexc:
            line = data[:uexc.start].count(b"\n") + 1
            raise InputError("not valid UTF-8; re-encode the file as UTF-8", path=src,
                             line=line) from None
        raise InputError(f"not valid JSON: {exc}", path=src,
                         line=getattr(exc, "lineno", None)) from None
    if isinstance(obj, dict):
        # {"data": [...]} or {"records": [...]} wrappers
        for key in ("records", "data", "rows", "items"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
    if not isinstance(obj, list):
        raise InputError(f"expected a JSON array of objects, got {type(obj).__name__}", path=src)
    del data
    for i, item in enumerate(obj, 1):
        if not isinstance(item, dict):
            raise InputError(f"array element {i}: expected an object, got "
                             f"{type(item).__name__}", path=src, line=i)
        yield i, item
