"""Hugging Face ``datasets`` saved with ``save_to_disk`` (needs the ``hf`` extra)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.readers.arrow_values import column_converters, convert_rows

__all__ = ["read_hf"]


def read_hf(path: Path, split: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import datasets
    except ImportError:
        raise InputError("reading a Hugging Face dataset needs: pip install 'accord[hf]'",
                         path=str(path)) from None
    try:
        ds = datasets.load_from_disk(str(path))
    except Exception as exc:
        raise InputError(f"not a dataset saved with save_to_disk: {exc}", path=str(path)) from None
    if isinstance(ds, datasets.DatasetDict):
        names = list(ds)
        chosen = split or ("train" if "train" in ds else names[0])
        if chosen not in ds:
            raise InputError(f"no split {chosen!r}; splits are {names}", path=str(path))
        ds = ds[chosen]
    convert = column_converters(ds.data.schema, str(path))
    n = 0
    for batch in ds.iter(batch_size=2048):
        keys = list(batch)
        rows = [dict(zip(keys, values, strict=True)) for values in
                zip(*(batch[k] for k in keys), strict=True)]
        if convert:
            convert_rows(rows, convert)
        for row in rows:
            n += 1
            yield n, row
