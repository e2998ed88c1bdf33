"""JSON Lines reader: one JSON object per line, read in binary and decoded per line.

:func:`read_jsonl` yields ``(line, object)`` like every reader; the import's hot path
reads whole chunks of lines instead (:func:`read_line_chunks`, :func:`parse_line`) and
keeps, per line, whether the object is already proven storable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from accord.errors import InputError
from accord.io.readers.json_text import DecodeError, loads_proven

__all__ = ["read_jsonl", "read_line_chunks", "parse_line"]

_BOM = b"\xef\xbb\xbf"


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
            try:
                obj = parse_line(raw, src, lineno)[0]
            except InputError as exc:
                if on_bad_line is None:
                    raise
                on_bad_line(exc)
                continue
            yield lineno, obj


def read_line_chunks(fh: BinaryIO, size: int) -> Iterator[tuple[int, list[bytes]]]:
    """Yield ``(number of the first line, up to size raw lines)`` of an open binary file,
    in file order (the caller opens and closes it)."""
    line = 1
    while True:
        lines = list(islice(fh, size))
        if not lines:
            return
        yield line, lines
        line += len(lines)


def parse_line(raw: bytes, src: str, lineno: int) -> tuple[dict[str, Any], bool]:
    """One non-blank line to ``(object, proven storable)``
    (:func:`accord.io.readers.json_text.loads_proven`).

    Raises
    ------
    InputError
        For invalid UTF-8, invalid JSON or a line that is not an object.
    """
    if lineno == 1 and raw.startswith(_BOM):
        raw = raw[3:]
    try:
        obj, proven = loads_proven(raw)
    except (DecodeError, UnicodeDecodeError) as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise InputError(f"not valid UTF-8 (byte {uexc.start} of the line); "
                             "re-encode the file as UTF-8", path=src, line=lineno) from None
        where = f" at column {exc.colno}" if getattr(exc, "colno", None) else ""
        raise InputError(f"not valid JSON: {exc}{where}", path=src, line=lineno) from None
    if type(obj) is not dict:
        raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=src,
                         line=lineno)
    return obj, proven
