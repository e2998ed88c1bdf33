"""``jsonl``: everything about each record, one JSON object per line.

Fields, metadata, status, every response (user name, values, status, time
spent, timestamps, review state), suggestions, reviews, the gold answer and,
with ``--aggregate``, the per-question consensus. The row shape is documented
in :mod:`accord.io.exporters.record_rows`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from accord.io.exporters.base import FULL_LOAD, ExportFormat
from accord.io.exporters.record_rows import NestedBuilder

__all__ = ["FORMAT", "export_jsonl"]

FORMAT = ExportFormat("jsonl", "records", ("jsonl",), NestedBuilder,
                      "everything per record (fields, responses, suggestions, reviews, gold)",
                      load=FULL_LOAD)


def export_jsonl(engine: Engine, dataset: str, out: str | Path, *,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the ``jsonl`` export of ``dataset`` to ``out``; returns the number of records.

    A shortcut for :func:`accord.io.exporters.run.export_dataset` with the
    default options.
    """
    from accord.io.exporters.options import ExportOptions
    from accord.io.exporters.run import export_dataset

    return export_dataset(engine, dataset, out, ExportOptions(fmt="jsonl"),
                          progress=progress).rows_written
