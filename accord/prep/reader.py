"""Read records from JSONL, JSON-array or CSV files, whatever their encoding.

Decisions for bad input (each error is an :class:`~accord.errors.InputError`
naming the file and, where there is one, the line):

- **Encoding.** Lines are decoded as UTF-8 one by one. At the first line that
  is not UTF-8, charset-normalizer looks at the non-UTF-8 lines of the file
  (up to 256 KiB of them) and names a fallback encoding; such lines are
  decoded with it (a line that fails it too gets its own detection). So a
  cp1252 file, or a UTF-8 file with a few cp1252 lines, reads fine, and the
  report says which encodings were used for how many lines. Short samples
  are ambiguous between 8-bit encodings; near-ties go to cp1252 (Windows
  Western), and ``encoding`` forces the fallback instead. A UTF-16/32 file
  with a byte order mark is decoded as such.
- **Binary files.** NUL bytes in the first 8 KiB (without a UTF-16/32 byte
  order mark), or on any line, or a line no encoding can decode: error
  ("not a text file").
- **Huge lines.** A line longer than ``max_record_bytes`` (default 32 MiB) is
  an error, raised after reading at most that many bytes of it, so memory
  stays bounded. Raise the limit to process such records (the per-record
  steps then need several times the record size in memory).
- **Empty input.** An empty file (or only blank lines) yields no records: the
  run produces an empty output and a report saying 0 records. Blank lines
  are skipped and counted.
- **Malformed JSON.** Error naming the line (JSONL) or the line of the
  syntax error (JSON array); a line that is valid JSON but not an object is
  an error too.

JSON arrays are read whole (use JSONL for large files). In a JSON array the
``line`` of a record is its 1-based item number; in a CSV file, the line the
row starts on.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

from accord.errors import InputError
from accord.prep.jsonio import loads_record

__all__ = ["DEFAULT_MAX_RECORD_BYTES", "RecordReader", "detect_format"]

DEFAULT_MAX_RECORD_BYTES = 32 * 1024 * 1024
_HEAD = 8192
_SAMPLE = 256 * 1024
# chaos margin within which cp1252 (Windows Western, the most common 8-bit text) wins
_TIE = 0.1
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
Format = Literal["auto", "jsonl", "json", "csv"]


def detect_format(path: Path, head: bytes) -> str:
    """``jsonl``, ``json`` or ``csv`` from the file name and its first bytes."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if first == b"[" else "jsonl"


class RecordReader:
    """Iterate the records of a file with their line numbers.

    Parameters
    ----------
    path : str or Path
    fmt : {'auto', 'jsonl', 'json', 'csv'}, default 'auto'
        ``auto``: ``.csv`` is CSV, a file starting with ``[`` is a JSON
        array, anything else JSONL.
    max_record_bytes : int, default 32 MiB
        Longest line accepted.
    encoding : str, optional
        Fallback for lines that are not UTF-8, instead of detecting one.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
    ...     _ = f.write(b'{"text": "a"}\\n\\n{"text": "b"}\\n')
    >>> reader = RecordReader(f.name)
    >>> list(reader.numbered())
    [(1, {'text': 'a'}), (3, {'text': 'b'})]
    >>> reader.report_info()["encoding"]["summary"], reader.blank_lines
    ('utf-8', 1)
    >>> os.unlink(f.name)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fmt: Format = "auto",
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        encoding: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self.max_record_bytes = max_record_bytes
        self.bytes_read = 0
        self.blank_lines = 0
        self.encodings: Counter[str] = Counter()
        self._fallback: str | None = None
        if encoding is not None:
            try:
                self._fallback = codecs.lookup(encoding).name
            except LookupError:
                raise InputError(
                    f"unknown encoding {encoding!r}", path=str(path), field="encoding"
                ) from None
        if not self.path.is_file():
            raise InputError("no such file", path=str(self.path))
        self.size = self.path.stat().st_size

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for _, record in self.numbered():
            yield record

    def report_info(self) -> dict[str, Any]:
        """What the report says about the input: format, encodings, blank lines."""
        used = dict(self.encodings.most_common())
        if not used:
            summary = "utf-8"
        elif len(used) == 1:
            (name,) = used
            summary = name if name == "utf-8" else f"{name} (detected, not UTF-8)"
        else:
            summary = "mixed: " + ", ".join(f"{n} {c} lines" for n, c in used.items())
        return {
            "format": self._format(),
            "encoding": {"summary": summary, "lines": used},
            "blank_lines": self.blank_lines,
        }

    def _format(self) -> str:
        if self.fmt != "auto":
            return self.fmt
        with self.path.open("rb") as f:
            return detect_format(self.path, f.read(_HEAD))

    def numbered(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(line, record)`` pairs; see the module docstring for errors."""
        fmt = self._format()
        if fmt == "json":
            yield from self._json_array()
            return
        lines = self._text_lines()
        if fmt == "csv":
            yield from self._csv(lines)
            return
        for line_no, text in lines:
            if not text.strip():
                self.blank_lines += 1
                continue
            yield line_no, self._parse_object(text, line_no)

    # -- decoding ---------------------------------------------------------

    def _error(self, message: str, line: int | None = None) -> InputError:
        return InputError(message, path=str(self.path), line=line)

    def _open_checked(self) -> tuple[BinaryIO, str | None]:
        f = self.path.open("rb")
        head = f.read(_HEAD)
        f.seek(0)
        for bom, name in _WIDE_BOMS:
            if head.startswith(bom):
                return f, name
        nul = head.find(b"\x00")
        if nul >= 0:
            f.close()
            raise self._error(
                f"not a text file: NUL byte at offset {nul} (prep reads JSONL, JSON or CSV; "
                "UTF-16 without a byte order mark is not supported)",
                head[:nul].count(b"\n") + 1,
            )
        return f, None

    def _text_lines(self) -> Iterator[tuple[int, str]]:
        f, wide = self._open_checked()
        with f:
            if wide is not None:
                yield from self._wide_lines(f, wide)
                return
            limit = self.max_record_bytes
            line_no = 0
            while raw := f.readline(limit + 1):
                line_no += 1
                self.bytes_read += len(raw)
                if len(raw) > limit and not raw.endswith(b"\n"):
                    raise self._error(
                        f"line is longer than {limit / 2**20:g} MiB (max_record_bytes); "
                        "split the record or raise the limit (--max-record-mb)",
                        line_no,
                    )
                if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                yield line_no, self._decode(raw, line_no, f.tell() - len(raw))

    def _wide_lines(self, f: BinaryIO, encoding: str) -> Iterator[tuple[int, str]]:
        reader = io.TextIOWrapper(f, encoding=encoding, errors="strict", newline="")
        limit = self.max_record_bytes // 2
        line_no = 0
        try:
            while text := reader.readline(limit + 1):
                line_no += 1
                if len(text) > limit and not text.endswith("\n"):
                    raise self._error(
                        f"line is longer than {self.max_record_bytes / 2**20:g} MiB "
                        "(max_record_bytes)",
                        line_no,
                    )
                self.bytes_read += len(text) * 2
                self.encodings[encoding] += 1
                yield line_no, text
        except UnicodeDecodeError as exc:
            raise self._error(f"cannot decode as {encoding}: {exc.reason}", line_no + 1) from None
        finally:
            reader.detach()

    def _decode(self, raw: bytes, line_no: int, offset: int) -> str:
        if b"\x00" in raw:
            raise self._error("not a text file: NUL byte in this line", line_no)
        try:
            text = raw.decode("utf-8")
            self.encodings["utf-8"] += 1
            return text
        except UnicodeDecodeError:
            pass
        if self._fallback is None:
            self._fallback = self._detect_fallback(offset) or ""
        for encoding in (self._fallback, self._detect(raw)):
            if encoding:
                try:
                    text = raw.decode(encoding)
                except UnicodeDecodeError:
                    continue
                self.encodings[encoding] += 1
                return text
        raise self._error(
            "not a text file: this line is neither UTF-8 nor any encoding we could detect", line_no
        )

    @staticmethod
    def _detect(data: bytes) -> str | None:
        """charset-normalizer's guess; near-ties among 8-bit encodings go to cp1252."""
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
        if not matches:
            return None
        best = min(matches, key=lambda m: m.chaos)
        for m in matches:
            if m.encoding == "cp1252" and m.chaos <= best.chaos + _TIE:
                return "cp1252"
        return str(best.encoding)

    def _detect_fallback(self, offset: int) -> str | None:
        """Detect one encoding for the non-UTF-8 lines from ``offset`` on."""
        sample = bytearray()
        with self.path.open("rb") as f:
            f.seek(offset)
            for raw in f:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    sample += raw[: self.max_record_bytes]
                    if len(sample) >= _SAMPLE:
                        break
        return self._detect(bytes(sample[:_SAMPLE])) if sample else None

    # -- parsing ----------------------------------------------------------

    def _parse_object(self, text: str, line: int) -> dict[str, Any]:
        try:
            value = loads_record(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise self._error(f"invalid JSON: {message}", line) from None
        if not isinstance(value, dict):
            raise self._error(f"expected a JSON object, got {_json_type(value)}", line)
        return value

    def _json_array(self) -> Iterator[tuple[int, dict[str, Any]]]:
        f, wide = self._open_checked()
        with f:
            data = f.read()
        self.bytes_read = len(data)
        if wide is not None:
            text = data.decode(wide)
            self.encodings[wide] += 1
        else:
            text = self._decode(data.removeprefix(codecs.BOM_UTF8), 1, 0)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self._error(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
        if not isinstance(value, list):
            raise self._error(f"expected a JSON array of objects, got {_json_type(value)}")
        for item_no, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raise self._error(f"item {item_no}: expected a JSON object, got {_json_type(item)}")
            yield item_no, item

    def _csv(self, lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, dict[str, Any]]]:
        reader = csv.reader(text for _, text in lines)
        try:
            header = next(reader, None)
            if header is None:
                return
            width = len(header)
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    self.blank_lines += 1
                    continue
                if len(row) > width:
                    raise self._error(f"row has {len(row)} fields, the header has {width}", line)
                yield (
                    line,
                    {key: (row[k] if k < len(row) else None) for k, key in enumerate(header)},
                )
        except csv.Error as exc:
            raise self._error(f"invalid CSV: {exc}", reader.line_num) from None


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )
