"""Streaming import of a file into a dataset: read, map, validate, upsert in batches.

The whole import is one transaction: with ``on_error="fail"`` the first bad
line rolls everything back, so the database is never left half-written; with
``on_error="skip"`` bad lines are left out and listed in a report file
(line number and reason) while the good ones are committed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from accord.errors import InputError, NotFound
from accord.io.jsonl_import import MappedChunk, jsonl_chunks, reject_reason
from accord.io.mapping import DEFAULT_MAX_FIELD_CHARS, RowMapper
from accord.io.parallel import worth_parallel
from accord.io.read_ahead import read_ahead
from accord.io.readers import detect_format, read_rows
from accord.schema import Settings, settings_from_columns
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.engine import write_scope
from accord.store.models import utcnow
from accord.store.records import PackedRows, RecordRow, pack_rows, upsert_records

__all__ = ["ImportOptions", "ImportSummary", "import_file", "import_rows", "write_rejects"]


@dataclass
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)
    on_error: str = "fail"  # fail | skip
    batch_size: int = 5000
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS
    fmt: str | None = None
    create: bool = False
    parallel: bool = False  # parse big JSONL files in a helper process (CLI only)
    parallel_min_bytes: int = 32 * 1024 * 1024
    prep: Any = None  # an accord.prep.PrepConfig: run the prep pipeline first
    prep_executor: str = "local"


@dataclass
class ImportSummary:
    dataset: str
    source: str
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    seconds: float = 0.0
    created_dataset: bool = False
    rejects: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        total = self.inserted + self.updated
        return total / self.seconds if self.seconds > 0 else float(total)

    def line(self) -> str:
        return (f"{self.source} -> {self.dataset}: {self.inserted:,} inserted, {self.updated:,} "
                f"updated, {self.rejected:,} rejected in {self.seconds:.1f} s "
                f"({self.rate:,.0f} records/s)")


Progress = Callable[[int], None]


def import_file(engine: Engine, dataset: str, path: str | Path,
                options: ImportOptions | None = None, *,
                progress: Progress | None = None, name: str | None = None) -> ImportSummary:
    """Import ``path`` into ``dataset`` (see the module docstring for the guarantees).

    Parameters
    ----------
    engine : Engine
        The store.
    dataset : str
        Dataset name; created with settings inferred from the columns when
        ``options.create`` and it does not exist.
    path : str or Path
        JSONL, JSON array, CSV, Parquet or a saved Hugging Face dataset.
    options : ImportOptions, optional
    progress : callable, optional
        Called with the number of rows read since the previous call.
    name : str, optional
        What to call the file in errors and the summary instead of ``path`` (an
        uploaded file's own name, not the server's temporary copy).

    Returns
    -------
    ImportSummary

    Raises
    ------
    InputError
        For the first bad line (``on_error="fail"``), naming file, line and field.
    """
    p = Path(path)
    if name is None:
        return _import_file(engine, dataset, p, options or ImportOptions(), progress)
    try:
        summary = _import_file(engine, dataset, p, options or ImportOptions(), progress)
    except InputError as exc:
        if exc.path == str(p):
            exc.path = name
        exc.message = exc.message.replace(str(p), name)
        raise
    summary.source = name
    return summary


def _import_file(engine: Engine, dataset: str, p: Path, options: ImportOptions,
                 progress: Progress | None) -> ImportSummary:
    fmt = options.fmt or detect_format(p)
    bad: list[tuple[int | None, str]] = []
    on_bad = (lambda exc: bad.append((exc.line, reject_reason(exc)))) \
        if options.on_error == "skip" else None
    chunks = None
    if options.prep is not None:
        from accord.io.prep_import import prepared_rows

        kept, bad, _ = prepared_rows(p, fmt, options.prep, executor=options.prep_executor)
        return import_rows(engine, dataset, kept, options, source=str(p), progress=progress,
                           reader_rejects=bad)
    rows = read_rows(p, fmt, on_bad)
    skip = options.on_error == "skip"
    if fmt == "jsonl" and options.parallel and worth_parallel(p, options.parallel_min_bytes):
        from accord.io.parallel import parallel_jsonl_chunks

        def chunks(mapper: RowMapper) -> Iterator[MappedChunk]:
            return parallel_jsonl_chunks(p, mapper, skip=skip, chunk_size=options.batch_size)
    elif fmt == "jsonl":  # whole chunks of lines, most rows proven storable from their text
        # open for the whole import: the reader thread reaches the end of the file before
        # the writer does (tests/reliability/test_crash_import.py reads its offset)
        with open(p, "rb") as fh:
            return import_rows(
                engine, dataset, rows, options, source=str(p), progress=progress,
                reader_rejects=bad, chunks=lambda mapper: jsonl_chunks(
                    fh, mapper, skip=skip, size=options.batch_size, src=str(p)))
    return import_rows(engine, dataset, rows, options, source=str(p), progress=progress,
                       reader_rejects=bad, chunks=chunks)


def import_rows(engine: Engine, dataset: str, rows: Iterable[tuple[int, dict[str, Any]]],
                options: ImportOptions | None = None, *, source: str = "<records>",
                progress: Progress | None = None,
                reader_rejects: list[tuple[int | None, str]] | None = None,
                chunks: Callable[[RowMapper], Iterator[MappedChunk]] | None = None
                ) -> ImportSummary:
    """Import ``(line, row)`` pairs; the engine of :func:`import_file` (also used by the API).

    ``chunks``, when given, produces the mapped rows instead of mapping ``rows``
    here (the JSONL paths); ``rows`` then only serves ``--create``'s settings
    inference from the first row. Chunks are mapped (and on SQLite packed for the
    insert) one ahead in a helper thread (:func:`accord.io.read_ahead.read_ahead`)
    while this one writes the previous chunk.
    """
    options = options or ImportOptions()
    if options.on_error not in ("fail", "skip"):
        raise InputError(f"expected fail or skip, got {options.on_error!r}", field="--on-error")
    summary = ImportSummary(dataset=dataset, source=source)
    if reader_rejects is not None:
        summary.rejects = reader_rejects  # the reader appends to it while we iterate
    started = time.perf_counter()
    iterator: Iterator[tuple[int, dict[str, Any]]] = iter(rows)
    with _gc_paused(), write_scope(engine) as session:
        try:
            ds = get_dataset(session, dataset)
            settings = settings_of(ds)
        except NotFound:
            if not options.create:
                raise
            first = next(iterator, None)
            if first is None:
                raise InputError("the file has no records", path=source) from None
            settings = _infer_settings(first[1], options.mapping, source)
            ds = create_dataset(session, dataset, settings)
            summary.created_dataset = True
            if chunks is not None:  # the chunks read the file themselves: close this reader
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
            else:
                iterator = _chain(first, iterator)
        mapper = RowMapper(settings, options.mapping, source=source,
                           max_field_chars=options.max_field_chars)
        stamp = utcnow()
        skip = options.on_error == "skip"
        produced = chunks(mapper) if chunks is not None else \
            _serial_chunks(iterator, mapper, skip, options.batch_size)
        with closing(read_ahead(_packed(produced, engine.dialect.name == "sqlite"))) as ahead:
            for mapped, rejects, n_read, packed in ahead:
                summary.rejects.extend(rejects)
                if mapped:
                    result = upsert_records(session, ds.id, mapped, stamp=stamp, source=source,
                                            strict=not skip, packed=packed)
                    summary.inserted += result.inserted
                    summary.updated += result.updated
                    for dup in result.duplicates:
                        summary.rejects.append((dup.line, "field 'external_id': duplicate "
                                                f"external_id {dup.external_id!r} in this file"))
                if progress is not None and n_read:
                    progress(n_read)
        summary.rejects.sort(key=lambda r: r[0] or 0)
        summary.rejected = len(summary.rejects)
        if summary.inserted + summary.updated + summary.rejected == 0:
            raise InputError("the file has no records", path=source)
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: an import allocates millions of short-lived acyclic objects,
    and generation scans cost about a third of the time (bench/import_bench.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _serial_chunks(rows: Iterator[tuple[int, dict[str, Any]]], mapper: RowMapper, skip: bool,
                   size: int) -> Iterator[MappedChunk]:
    """Map rows in this process, in chunks shaped like the parallel path's."""
    while True:
        mapped: list[RecordRow] = []
        rejects: list[tuple[int | None, str]] = []
        n = 0
        for line, row in rows:
            n += 1
            try:
                mapped.append(mapper.map(line, row))
            except InputError as exc:
                if not skip:
                    raise
                rejects.append((line, reject_reason(exc)))
            if n >= size:
                break
        if n == 0:
            return
        yield mapped, rejects, n


def _packed(chunks: Iterator[MappedChunk], sqlite: bool
            ) -> Iterator[tuple[list[RecordRow], list[tuple[int | None, str]], int,
                                PackedRows | None]]:
    """Each chunk with its rows packed for SQLite's insert (in the read-ahead thread)."""
    try:
        for mapped, rejects, n_read in chunks:
            yield mapped, rejects, n_read, pack_rows(mapped) if sqlite and mapped else None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _chain(first: tuple[int, dict[str, Any]],
           rest: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
    yield first
    yield from rest


def _infer_settings(sample: dict[str, Any], mapping: dict[str, str], source: str) -> Settings:
    columns = list(sample)
    id_cols = tuple(c for c in ("id", "external_id", mapping.get("external_id")) if c)
    meta_cols = set(v for k, v in mapping.items() if k.startswith("metadata."))
    renamed = {column: target for target, column in mapping.items()
               if target != "external_id" and not target.startswith("metadata.")}
    cols = [renamed.get(c, c) for c in columns if c not in meta_cols]
    sample2 = {renamed.get(k, k): v for k, v in sample.items()}
    try:
        return settings_from_columns(cols, id_columns=id_cols, sample=sample2)
    except Exception as exc:
        raise InputError(f"cannot infer settings from the columns {columns}: {exc}",
                         path=source, line=1) from None


def write_rejects(path: str | Path, rejects: list[tuple[int | None, str]]) -> None:
    """Write rejected lines as JSONL ``{"line": N, "reason": "..."}``, atomically (only a
    regular file is replaced: :func:`accord.atomic.atomic_output`)."""
    from accord.atomic import atomic_output

    with atomic_output(path) as fh:
        for line, reason in rejects:
            fh.write(orjson.dumps({"line": line, "reason": reason}) + b"\n")
