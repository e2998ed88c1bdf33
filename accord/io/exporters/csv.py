"""``csv``: one flat row per record (see :mod:`accord.io.exporters.record_rows`).

Text fields as they are; chat, JSON, metadata, responses, suggestions,
reviews and gold as JSON text; a header row names the columns (UTF-8,
RFC 4180 quoting).
"""

from __future__ import annotations

from accord.io.exporters.base import FULL_LOAD, Context, ExportFormat
from accord.io.exporters.record_rows import FlatBuilder

__all__ = ["FORMAT"]


def _builder(ctx: Context) -> FlatBuilder:
    return FlatBuilder(ctx, typed_chat=False)


FORMAT = ExportFormat("csv", "records", ("csv",), _builder, "one flat row per record, CSV",
                      load=FULL_LOAD)
