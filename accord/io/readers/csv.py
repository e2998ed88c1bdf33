"""CSV/TSV reader: the header names the columns; values stay strings.

The reader is strict: a quoted field must be closed, and followed by a
delimiter or the end of the line. A file cut inside a quoted field (an
interrupted download) is an error naming the line where that record starts,
never a last record that silently swallowed the rest of the file.
"""

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
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            start = 0
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
                yield line, dict(zip(header, row, strict=True))
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 near byte {exc.start}; re-encode the file as UTF-8",
                         path=src) from None
    except csv.Error as exc:
        raise InputError(_malformed(exc, start + 1, reader.line_num), path=src,
                         line=start + 1) from None


def _malformed(exc: csv.Error, first: int, last: int) -> str:
    reason = str(exc)
    if "unexpected end of data" in reason:
        return (f"malformed CSV: a quoted field opened in this record is never closed (the file "
                f"ends at line {last}); is the file cut short?")
    if first != last:
        return f"malformed CSV in the record of lines {first}-{last}: {reason}"
    return f"malformed CSV: {reason}"
