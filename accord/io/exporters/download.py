"""An export as a stream of bytes, for downloads (``GET /api/v1/datasets/{name}/export``).

:func:`open_download` validates everything that can fail (dataset, format,
options, roles) before the first byte, so the server can still answer with
a clean error; the returned chunks are then produced lazily, record page by
record page, in one read transaction. Text containers (JSONL, CSV, JSON,
CoNLL) stream directly; the others are written by :func:`export_dataset` to a
temporary directory first and streamed from there: Parquet (its footer comes
last), COCO JSON and ZIP archives as they are, the ``hub`` and ``disk``
directories as one ZIP. So every format downloads in every container it
allows. One split per download (``part``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from accord.atomic import MARKER
from accord.errors import InputError
from accord.io.exporters.encoders import MEDIA_TYPES, SUFFIXES, TEXT_CONTAINERS, make_encoder
from accord.io.exporters.options import ExportOptions
from accord.io.exporters.run import _Run, _snapshot, export_dataset, prepare_export
from accord.store.engine import session_scope

__all__ = ["DOWNLOAD_CONTAINERS", "Download", "open_download", "with_query_names"]

# container -> (file suffix, media type) of what a temporary export is streamed as
_FILES = {"parquet": (SUFFIXES["parquet"], MEDIA_TYPES["parquet"]),
          "coco": (".json", "application/json"),
          "zip": (".zip", "application/zip"),
          "hub": (".zip", "application/zip"),  # the directory, zipped
          "disk": (".zip", "application/zip")}
DOWNLOAD_CONTAINERS = TEXT_CONTAINERS + tuple(_FILES)
_CHUNK = 256 * 1024


@dataclass
class Download:
    filename: str
    media_type: str
    chunks: Iterator[bytes]


_FLAG = re.compile(r"--(?:no-)?([a-z][a-z-]*)")


def with_query_names(exc: InputError) -> InputError:
    """The same error naming the download's query parameters instead of the CLI's flags.

    The exporters name ``accord export``'s options (``field '--aggregate'``);
    an API caller sent ``aggregate=`` (``--completion-field`` is
    ``completion_field``, ``--no-margin`` is ``margin``).

    >>> str(with_query_names(InputError("pick one with --prompt-field", field="--prompt-field")))
    "field 'prompt_field': pick one with prompt_field"
    """
    def name(match: re.Match[str]) -> str:
        return match.group(1).replace("-", "_")

    field = _FLAG.sub(name, exc.field) if exc.field else exc.field
    return InputError(_FLAG.sub(name, exc.message), path=exc.path, line=exc.line, field=field)


def open_download(engine: Engine, dataset: str, options: ExportOptions) -> Download:
    """Validate the export and return its name, media type and lazy byte chunks.

    Raises
    ------
    InputError, NotFound
        Before any byte is produced.
    """
    options.check()
    with session_scope(engine) as session:
        prep = prepare_export(session, dataset, options)
    container = prep.container
    if container not in DOWNLOAD_CONTAINERS:
        raise InputError(f"downloads are {', '.join(DOWNLOAD_CONTAINERS)}; {container!r} is "
                         "written by 'accord export' only", field="to")
    if options.split and not options.part:
        raise InputError(f"a download holds one split; add part=NAME (one of "
                         f"{sorted(options.split)})", field="part")
    name = f"{dataset}-{prep.fmt.name}" + (f".{options.part}" if options.part else "")
    if container in _FILES:
        suffix, media_type = _FILES[container]
        return Download(name + suffix, media_type,
                        _file_chunks(engine, dataset, options, container))
    return Download(name + SUFFIXES[container], MEDIA_TYPES[container],
                    _text_chunks(engine, dataset, options))


def _text_chunks(engine: Engine, dataset: str, options: ExportOptions) -> Iterator[bytes]:
    with session_scope(engine) as session:
        _snapshot(session)
        prep = prepare_export(session, dataset, options)
        run = _Run(session, prep)
        run.compute_consensus()
        assignment = run.assign_splits() if options.split else None
        encoder = make_encoder(prep.container, prep.builder.columns())
        buf = bytearray(encoder.header)
        first = True
        for rec, _decision, rows in run.records():
            if assignment is not None and assignment.split_of(rec.id) != options.part:
                continue
            for row in rows:
                if not first:
                    buf += encoder.separator
                first = False
                buf += encoder.encode(row)
            if len(buf) >= _CHUNK:
                yield bytes(buf)
                buf.clear()
        buf += encoder.footer
        if buf:
            yield bytes(buf)


def _file_chunks(engine: Engine, dataset: str, options: ExportOptions,
                 container: str) -> Iterator[bytes]:
    """The export written to a temporary directory, then streamed (a directory zipped)."""
    tmp = Path(tempfile.mkdtemp(prefix="accord-download-"))
    try:
        options.to = container
        directory = container in ("hub", "disk")
        target = tmp / ("export" if directory else "export" + _FILES[container][0])
        summary = export_dataset(engine, dataset, target, options)
        path = summary.paths[0]
        if directory:
            path = _zipped(path, tmp / "export.zip")
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _zipped(directory: Path, target: Path) -> Path:
    """``directory``'s files in a ZIP at ``target``, named relative to it, without the
    marker that lets a later export replace the directory (Parquet and Arrow files are
    compressed already: stored, not deflated)."""
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(p for p in directory.rglob("*")
                           if p.is_file() and p.name != MARKER):  # the overwrite marker
            method = zipfile.ZIP_STORED if path.suffix in (".parquet", ".arrow") \
                else zipfile.ZIP_DEFLATED
            zf.write(path, path.relative_to(directory).as_posix(), compress_type=method)
    return target
