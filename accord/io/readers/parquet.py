"""Parquet reader, streamed by record batches (needs the ``data`` extra: pyarrow).

Columns JSON has no type for (timestamps, decimals, binary) are converted by
:mod:`accord.io.readers.arrow_values`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.readers.arrow_values import column_converters, convert_rows

__all__ = ["read_parquet"]


def read_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: pip install 'accord[data]'",
                         path=str(path)) from None
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"not a readable Parquet file: {exc}", path=str(path)) from None
    convert = column_converters(pf.schema_arrow, str(path))
    n = 0
    for batch in pf.iter_batches(batch_size=4096):
        rows = batch.to_pylist()
        if convert:
            convert_rows(rows, convert)
        for row in rows:
            n += 1
            yield n, row


