"""CSV/TSV reader: the header names the columns; values stay strings."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError

__all__ = ["read_csv"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    src = str(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                header = next(reader)
            except StopIteration:
                return
            if len(set(header)) != len(header):
                dup = sorted({h for h in header if header.count(h) > 1})
                raise InputError(f"duplicate column names {dup} in the header", path=src, line=1)
            width = len(header)
            start = reader.line_num
            for row in reader:
                line = start + 1 if start else reader.line_num
                start = reader.line_num
                if not row:
                    continue
                if len(row) != width:
                    raise InputError(f"expected {width} columns like the header, got {len(row)}",
                                     path=src, line=line)
                yield line, dict(zip(header, row))
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 near byte {exc.start}; re-encode the file as UTF-8",
                         path=src) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path=src) from None
