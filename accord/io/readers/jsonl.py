"""JSON Lines reader: one JSON object per line, read in binary and decoded per line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.readers.json_text import DecodeError, loads_exact

__all__ = ["read_jsonl"]


def read_jsonl(path: Path, on_bad_line: Callable[[InputError], None] | None = None
               ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, object)``; blank lines are skipped.

    With ``on_bad_line``, a bad line is passed to it and reading goes on;
    without, it is raised.

    Raises
    ------
    InputError
        For invalid UTF-8, invalid JSON or a line that is not an object.
    """
    src = str(path)
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                obj = _parse(raw, src, lineno)
            except InputError as exc:
                if on_bad_line is None:
                    raise
                on_bad_line(exc)
                continue
            yield lineno, obj


def _parse(raw: bytes, src: str, lineno: int) -> dict[str, Any]:
    try:
        obj = loads_exact(raw)
    except (DecodeError, UnicodeDecodeError) as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise InputError(f"not valid UTF-8 (byte {uexc.start} of the line); "
                             "re-encode the file as UTF-8", path=src, line=lineno) from None
        where = f" at column {exc.colno}" if getattr(exc, "colno", None) else ""
        raise InputError(f"not valid JSON: {exc}{where}", path=src, line=lineno) from None
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=src,
                         line=lineno)
    return obj
