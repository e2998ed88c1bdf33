"""Where rows go: one file per split, Parquet shards, or a saved Hugging Face dataset.

File containers (``jsonl``, ``csv``, ``json``, ``conll``, ``parquet``) write
one file per split, the split name inserted before the suffix
(``dpo.jsonl`` -> ``dpo.train.jsonl``, ``dpo.test.jsonl``); each is written
under a temporary name and renamed at the end. Directory containers are
built in a temporary directory renamed into place at the end:

- ``hub``: ``data/<split>-00000-of-00002.parquet`` shards of ``--shard-rows``
  rows and ``README.md``: the layout of a Hugging Face dataset repository,
  ready for ``push_to_hub`` or ``load_dataset("parquet", data_dir=...)``;
- ``disk``: ``datasets.Dataset.save_to_disk`` (a ``DatasetDict`` with
  splits) and ``README.md``; reload with ``datasets.load_from_disk``.
"""

from __future__ import annotations

import operator
import shutil
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Self

from accord.atomic import atomic_directory, atomic_output
from accord.errors import InputError
from accord.io.exporters.encoders import Encoder

__all__ = ["Outputs", "ParquetSink", "TextSink", "split_path"]

_BATCH_ROWS = 2_000


def split_path(out: Path, split: str | None) -> Path:
    """``out`` with the split name inserted before its suffix.

    Examples
    --------
    >>> split_path(Path("dpo.jsonl"), "train").name
    'dpo.train.jsonl'
    """
    if split is None:
        return out
    return out.with_name(f"{out.stem}.{split}{out.suffix}" if out.suffix else f"{out.name}.{split}")


class TextSink:
    """Rows encoded to a binary file object."""

    def __init__(self, fh: BinaryIO, encoder: Encoder) -> None:
        self.fh = fh
        self.encoder = encoder
        self.rows = 0
        fh.write(encoder.header)

    def write(self, row: dict[str, Any]) -> None:
        if self.rows and self.encoder.separator:
            self.fh.write(self.encoder.separator)
        self.fh.write(self.encoder.encode(row))
        self.rows += 1

    def write_text(self, data: Sequence[bytes], rows: int) -> None:
        """``rows`` rows already encoded (lines of a container without separators), in
        chunks written one after the other."""
        if self.encoder.separator:
            raise ValueError("write_text needs a container without separators (jsonl)")
        self.fh.writelines(data)
        self.rows += rows

    def close(self) -> None:
        self.fh.write(self.encoder.footer)


class ZipSink(ABC):
    """Rows written as files in a ZIP archive (``--to zip``).

    A format subclasses it with :meth:`entries` (a row's files) and, if it
    needs one, :meth:`closing` (files written after the last row, such as an
    index); :class:`ZipLayout` opens it for :class:`Outputs`.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self.zip = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED)
        self.rows = 0

    @abstractmethod
    def entries(self, row: dict[str, Any]) -> Iterable[tuple[str, str | bytes]]:
        """The files (name, content) of one row."""

    def closing(self) -> Iterable[tuple[str, str | bytes]]:
        return ()

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        for name, data in self.entries(row):
            self.zip.writestr(name, data)

    def close(self) -> None:
        for name, data in self.closing():
            self.zip.writestr(name, data)
        self.zip.close()


@dataclass(frozen=True)
class ZipLayout:
    """The "schema" of a ZIP format: :class:`Outputs` opens one ``sink`` per output file."""

    sink: type[ZipSink]

    def open_sink(self, fh: BinaryIO) -> ZipSink:
        return self.sink(fh)


class ParquetSink:
    """Rows buffered by column and written as Parquet row groups (optionally sharded).

    Each batch becomes an Arrow table in the caller's thread; a helper thread writes it
    (``ParquetWriter.write_table`` encodes and compresses without the GIL) while the
    caller reads and builds the next batch. One batch at most is in flight, so memory
    stays at two batches.
    """

    def __init__(self, paths: Any, schema: Any, *, shard_rows: int | None = None) -> None:
        self.paths = paths  # callable(index) -> Path
        self.schema = schema
        self.shard_rows = shard_rows
        self.rows = 0
        self.files: list[Path] = []
        self._writer: Any = None
        self._in_shard = 0
        self._names = list(schema.names)
        # a row dict to a tuple in schema order, at C speed
        self._pick = (lambda row: (row[self._names[0]],)) if len(self._names) == 1 else \
            operator.itemgetter(*self._names)
        self._buf: list[tuple[Any, ...]] = []
        self._tables: list[Any] = []  # whole tables not written yet (write_table)
        self._table_rows = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def write(self, row: dict[str, Any]) -> None:
        if self._tables:
            self._flush_tables()
        try:
            self._buf.append(self._pick(row))
        except KeyError:  # a row without some column: null there
            self._buf.append(tuple(row.get(name) for name in self._names))
        self.rows += 1
        self._in_shard += 1
        if len(self._buf) >= _BATCH_ROWS:
            self._flush()
        if self.shard_rows and self._in_shard >= self.shard_rows:
            self._flush()
            self._close_writer()

    def write_table(self, table: Any) -> None:
        """Rows already in an Arrow table of the sink's schema. Small tables are gathered
        into row groups of about the rows of a batch; a row group never spans two shards."""
        self._flush()
        self._tables.append(table)
        self._table_rows += table.num_rows
        if self._table_rows >= _BATCH_ROWS:
            self._flush_tables()

    def _flush_tables(self) -> None:
        import pyarrow as pa

        if not self._tables:
            return
        table = self._tables[0] if len(self._tables) == 1 else pa.concat_tables(self._tables)
        self._tables, self._table_rows = [], 0
        while table.num_rows:
            room = table.num_rows
            if self.shard_rows:
                room = min(room, self.shard_rows - self._in_shard)
            part, table = table.slice(0, room), table.slice(room)
            self._submit(part)
            self.rows += part.num_rows
            self._in_shard += part.num_rows
            if self.shard_rows and self._in_shard >= self.shard_rows:
                self._close_writer()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self._buf:
            return
        columns = list(zip(*self._buf, strict=True))
        self._buf = []
        table = pa.Table.from_arrays([pa.array(col, type=field.type)
                                      for col, field in zip(columns, self.schema, strict=True)],
                                     schema=self.schema)
        del columns
        self._submit(table)

    def _submit(self, table: Any) -> None:
        """Hand ``table`` to the helper thread (after the batch in flight is written)."""
        import pyarrow.parquet as pq

        self._wait()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._target(), self.schema)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="accord-parquet")
        self._pending = self._pool.submit(self._writer.write_table, table)

    def _wait(self) -> None:
        """Wait for the batch in flight (raising its error, if any)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _close_writer(self) -> None:
        self._wait()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._in_shard = 0

    def close(self) -> None:
        try:
            self._flush_tables()
            self._flush()
            self._wait()
            if not self.files:  # an empty split still gets a (schema-only) file
                import pyarrow.parquet as pq

                pq.write_table(self.schema.empty_table(), self._target())
            self._close_writer()
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop the helper thread (after an error, the batch in flight is dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pending = None

    def _target(self) -> Any:
        target = self.paths(len(self.files))
        self.files.append(target)
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            return str(target)
        return target


class Outputs:
    """Opens one sink per split in ``container`` and finalizes them atomically.

    Use as a context manager; :attr:`paths` lists what was written and
    :attr:`directory` is the temporary directory of ``hub``/``disk`` outputs
    (where the dataset card goes before the rename).
    """

    def __init__(self, out: Path, container: str, splits: list[str] | None, *,
                 encoder: Encoder | None, schema: Any, shard_rows: int) -> None:
        self.out = out
        self.container = container
        self.splits = splits
        self.encoder = encoder
        self.schema = schema
        self.shard_rows = shard_rows
        self.paths: list[Path] = []
        self.sinks: dict[str | None, Any] = {}
        self.directory: Path | None = None
        self._stack = ExitStack()

    def __enter__(self) -> Self:
        names: list[str | None] = list(self.splits) if self.splits else [None]
        stack = self._stack.__enter__()
        if self.container in ("hub", "disk"):
            self.directory = stack.enter_context(atomic_directory(self.out))
            shards = self.directory / ("data" if self.container == "hub" else ".shards")
            for name in names:
                split = name or "train"
                self.sinks[name] = ParquetSink(
                    lambda i, s=split: shards / f"{s}-{i:05d}.parquet", self.schema,
                    shard_rows=self.shard_rows)
            return self
        for name in names:
            path = split_path(self.out, name)
            fh = stack.enter_context(atomic_output(path))
            self.paths.append(path)
            if self.container == "parquet":
                self.sinks[name] = ParquetSink(lambda i, f=fh: f, self.schema)
            elif hasattr(self.schema, "open_sink"):  # a format with its own file layout (coco)
                self.sinks[name] = self.schema.open_sink(fh)
            else:
                self.sinks[name] = TextSink(fh, self.encoder)  # type: ignore[arg-type]
        return self

    def write(self, split: str | None, row: dict[str, Any]) -> None:
        self.sinks[split].write(row)

    def write_table(self, split: str | None, table: Any) -> None:
        """A page of rows as an Arrow table (Parquet sinks)."""
        self.sinks[split].write_table(table)

    def write_text(self, split: str | None, data: Sequence[bytes], rows: int) -> None:
        """A page of rows already encoded as JSONL lines, in chunks (see
        :meth:`TextSink.write_text`)."""
        self.sinks[split].write_text(data, rows)

    def rows(self) -> dict[str, int]:
        return {(k or "train"): s.rows for k, s in self.sinks.items()}

    def finish(self) -> None:
        """Close every sink; for directories, name the shards or save the HF dataset."""
        for sink in self.sinks.values():
            sink.close()
        if self.container == "hub":
            for sink in self.sinks.values():
                total = len(sink.files)
                for i, path in enumerate(sink.files):
                    stem = path.stem.rsplit("-", 1)[0]
                    path.rename(path.with_name(f"{stem}-{i:05d}-of-{total:05d}.parquet"))
            self.paths = [self.out]
        elif self.container == "disk":
            assert self.directory is not None
            _save_to_disk(self.directory, {(k or "train"): s.files for k, s in self.sinks.items()},
                          self.schema, bool(self.splits))
            self.paths = [self.out]

    def __exit__(self, *exc: object) -> None:
        for sink in self.sinks.values():
            if isinstance(sink, ParquetSink):
                sink.abort()
        self._stack.__exit__(*exc)


def _save_to_disk(directory: Path, files: dict[str, list[Path]], schema: Any,
                  as_dict: bool) -> None:
    """Convert Parquet shards to a saved Hugging Face dataset in ``directory``."""
    try:
        import datasets
    except ImportError:
        raise InputError("--to disk needs the 'datasets' package (pip install 'accord[hf]')",
                         field="--to") from None
    from datasets.utils.logging import (
        disable_progress_bar,
        enable_progress_bar,
        is_progress_bar_enabled,
    )

    features = datasets.Features.from_arrow_schema(schema)
    cache = directory / ".cache"
    bars = is_progress_bar_enabled()
    disable_progress_bar()
    try:
        parts = {name: datasets.Dataset.from_parquet([str(p) for p in paths], features=features,
                                                     cache_dir=str(cache), split=name)
                 for name, paths in files.items()}
        result: Any = datasets.DatasetDict(parts) if as_dict else parts["train"]
        result.save_to_disk(str(directory / "dataset"))
        del parts, result
    finally:
        if bars:
            enable_progress_bar()
    for item in (directory / "dataset").iterdir():
        item.rename(directory / item.name)
    (directory / "dataset").rmdir()
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(directory / ".shards", ignore_errors=True)
