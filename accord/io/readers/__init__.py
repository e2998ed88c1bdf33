"""Streaming readers: each yields ``(line, row)`` pairs with ``row`` a dict.

``line`` is the 1-based line (JSONL, CSV) or row number (JSON array, Parquet,
Hugging Face) used in error messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.catalog import READ_FORMATS

__all__ = ["FORMATS", "detect_format", "read_rows"]

FORMATS = READ_FORMATS


def detect_format(path: Path) -> str:
    """Guess the format from the file name (a directory is a saved HF dataset)."""
    if path.is_dir():
        return "hf"
    suffixes = [s.lower() for s in path.suffixes]
    name = suffixes[-1] if suffixes else ""
    if name == ".gz" and len(suffixes) > 1:
        name = suffixes[-2]
    mapping = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv",
               ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
    if name in mapping:
        return mapping[name]
    raise InputError(f"cannot tell the format from the file name; pass --format "
                     f"({', '.join(FORMATS)})", path=str(path))


def read_rows(path: str | Path, fmt: str | None = None,
              on_bad_line: Callable[[InputError], None] | None = None
              ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Stream the rows of ``path``.

    ``on_bad_line`` receives line-level errors of line formats (JSONL) so the
    caller can skip them; other errors are raised.

    Raises
    ------
    InputError
        Naming the file and line for anything unreadable.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(p))
    fmt = fmt or detect_format(p)
    if fmt == "jsonl":
        from accord.io.readers.jsonl import read_jsonl

        return read_jsonl(p, on_bad_line)
    if fmt == "json":
        from accord.io.readers.json_array import read_json_array

        return read_json_array(p)
    if fmt == "csv":
        from accord.io.readers.csv import read_csv

        return read_csv(p)
    if fmt == "parquet":
        from accord.io.readers.parquet import read_parquet

        return read_parquet(p)
    if fmt == "hf":
        from accord.io.readers.hf import read_hf

        return read_hf(p)
    raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}",
                     field="--format")
