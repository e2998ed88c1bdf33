"""Parse and map JSONL in a helper process while the main process writes.

On a 2-core machine an import is CPU-bound in Python: reading JSON and
checking fields takes about two thirds of the time, the database the rest.
Here a worker process turns chunks of raw lines into ready-to-bind rows
(external_id, fields and metadata already serialized to JSON text), and the
main process only writes them, so the two halves overlap
(bench/import_bench.py). Chunks come back in order, so line numbers, the
first error and duplicate detection behave exactly like the serial path.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.jsonl_import import MappedChunk, map_lines
from accord.io.mapping import RowMapper
from accord.io.readers.jsonl import read_line_chunks
from accord.store.json_text import json_bytes
from accord.store.records import RecordRow

__all__ = ["parallel_jsonl_chunks", "worth_parallel"]

_mapper: RowMapper | None = None
_skip = False


def worth_parallel(path: Path, min_bytes: int = 32 * 1024 * 1024) -> bool:
    """Only big files gain from a helper process (start-up costs ~0.3 s)."""
    try:
        return path.stat().st_size >= min_bytes and (mp.cpu_count() or 1) >= 2
    except OSError:
        return False


def _init(mapper: RowMapper, skip: bool) -> None:
    global _mapper, _skip
    _mapper, _skip = mapper, skip


def _map_chunk(chunk: tuple[int, list[bytes]]) -> tuple[str, Any]:
    first_line, lines = chunk
    assert _mapper is not None
    try:
        mapped, rejects, n = map_lines(first_line, lines, _mapper, _skip, _mapper.source or "")
    except InputError as exc:
        return "error", (exc.message, exc.path, exc.line, exc.field)
    dumps = json_bytes  # the text the database stores
    exts = [r.external_id for r in mapped]
    fields = [dumps(r.fields).decode() for r in mapped]
    metas = [dumps(r.meta).decode() for r in mapped]
    lines_out = [r.line for r in mapped]
    # columns of plain strings pickle ~10x faster than a list of named tuples
    return "ok", ((exts, fields, metas, lines_out), rejects, n)


def parallel_jsonl_chunks(path: Path, mapper: RowMapper, *, skip: bool,
                          chunk_size: int = 5000, ahead: int = 4) -> Iterator[MappedChunk]:
    """Yield mapped chunks of ``path`` in file order, parsed by a worker process.

    Raises
    ------
    InputError
        The first bad line (when not ``skip``), exactly as the serial reader would.
    """
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    pending: deque[Any] = deque()
    with open(path, "rb") as fh, ctx.Pool(1, initializer=_init, initargs=(mapper, skip)) as pool:
        source = read_line_chunks(fh, chunk_size)
        while True:
            # at most `ahead` chunks in flight: constant memory whatever the file size
            while len(pending) < ahead:
                chunk = next(source, None)
                if chunk is None:
                    break
                pending.append(pool.apply_async(_map_chunk, (chunk,)))
            if not pending:
                return
            status, payload = pending.popleft().get()
            if status == "error":
                message, src, line, field = payload
                raise InputError(message, path=src, line=line, field=field)
            columns, rejects, n = payload
            yield list(map(RecordRow._make, zip(*columns, strict=True))), rejects, n
