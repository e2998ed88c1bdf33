"""JSONL lines to records, a chunk at a time: the import's hot path for JSONL.

Each line is decoded once (:func:`accord.io.readers.jsonl.parse_line`, which also
proves most rows storable from their text so the mapper skips the walk), mapped
(:class:`accord.io.mapping.RowMapper`), and a bad line is raised or, with ``skip``,
listed as a reject. The serial import runs it in a read-ahead thread
(:mod:`accord.io.read_ahead`), ``--parallel`` in a helper process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from accord.errors import InputError
from accord.io.mapping import RowMapper
from accord.io.readers.jsonl import parse_line, read_line_chunks
from accord.store.records import RecordRow

__all__ = ["MappedChunk", "map_lines", "jsonl_chunks", "reject_reason"]

MappedChunk = tuple[list[RecordRow], list[tuple[int | None, str]], int]


def reject_reason(exc: InputError) -> str:
    """The reason written to the rejects report for one bad line."""
    return f"field '{exc.field}': {exc.message}" if exc.field else exc.message


def map_lines(first_line: int, lines: list[bytes], mapper: RowMapper, skip: bool,
              src: str) -> MappedChunk:
    """Map raw lines numbered from ``first_line``; blank lines are left out.

    Raises
    ------
    InputError
        The first bad line, unless ``skip`` (then it is in the rejects).
    """
    mapped: list[RecordRow] = []
    rejects: list[tuple[int | None, str]] = []
    append = mapped.append
    to_record = mapper.map
    lineno = first_line - 1
    for raw in lines:
        lineno += 1
        if not raw.strip():
            continue
        try:
            row, proven = parse_line(raw, src, lineno)
            append(to_record(lineno, row, proven))
        except InputError as exc:
            if not skip:
                raise
            rejects.append((lineno, reject_reason(exc)))
    return mapped, rejects, len(lines)


def jsonl_chunks(fh: BinaryIO, mapper: RowMapper, *, skip: bool, size: int,
                 src: str) -> Iterator[MappedChunk]:
    """The mapped chunks of the open JSONL file ``fh`` (named ``src`` in errors) in file
    order, ``size`` lines each."""
    for first, lines in read_line_chunks(fh, size):
        yield map_lines(first, lines, mapper, skip, src)
