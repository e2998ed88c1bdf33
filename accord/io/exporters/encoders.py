"""Rows to bytes for the text containers: JSONL, CSV, a JSON array, CoNLL.

An :class:`Encoder` has a ``header``, a ``separator`` between rows and a
``footer``; the same encoder writes files and feeds streamed downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["MEDIA_TYPES", "SUFFIXES", "TEXT_CONTAINERS", "Encoder", "make_encoder"]

TEXT_CONTAINERS = ("jsonl", "csv", "json", "conll")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
               "json": "application/json", "conll": "text/plain; charset=utf-8",
               "parquet": "application/vnd.apache.parquet"}
SUFFIXES = {"jsonl": ".jsonl", "csv": ".csv", "json": ".json", "conll": ".conll",
            "parquet": ".parquet"}


class Encoder:
    """Turns rows into bytes: ``header + row (separator row)* + footer``."""

    def __init__(self, encode: Callable[[dict[str, Any]], bytes], *, header: bytes = b"",
                 separator: bytes = b"", footer: bytes = b"") -> None:
        self.encode = encode
        self.header = header
        self.separator = separator
        self.footer = footer


def _jsonl(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return orjson.dumps(value).decode()


def _csv(columns: list[str]) -> Encoder:
    def line(values: list[str]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        return buf.getvalue().encode()

    return Encoder(lambda row: line([_cell(row.get(c)) for c in columns]), header=line(columns))


def make_encoder(container: str, columns: list[str]) -> Encoder:
    """The encoder of a text container (``jsonl``, ``csv``, ``json``, ``conll``)."""
    if container == "jsonl":
        return Encoder(_jsonl)
    if container == "csv":
        return _csv(columns)
    if container == "json":
        return Encoder(orjson.dumps, header=b"[\n", separator=b",\n", footer=b"\n]\n")
    if container == "conll":
        from accord.io.exporters.conll import encode_sentence

        return Encoder(encode_sentence)
    raise ValueError(f"not a text container: {container!r}")
