"""``parquet``: one flat row per record in Parquet (see :mod:`accord.io.exporters.record_rows`).

Chat fields are typed lists of ``{role, content}``; everything nested is
JSON text. ``--to hub`` writes Parquet shards and a dataset card instead of
one file.
"""

from __future__ import annotations

from accord.io.exporters.base import FULL_LOAD, ExportFormat
from accord.io.exporters.record_rows import FlatBuilder

__all__ = ["FORMAT"]

FORMAT = ExportFormat("parquet", "records", ("parquet", "hub"), FlatBuilder,
                      "one flat row per record, Parquet",
                      load=FULL_LOAD)
