"""Reading files: encodings, formats, line numbers, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from accord.errors import InputError
from accord.prep.pipeline import run_prep
from accord.prep.reader import RecordReader


def test_cp1252_file_is_decoded_and_the_report_says_so(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    lines = [
        '{"text": "Le café était très bon, où est Noël ? déjà vu"}',
        '{"text": "À bientôt, garçon"}',
    ]
    path.write_bytes("\n".join(lines).encode("cp1252") + b"\n")
    reader = RecordReader(path)
    records = [r["text"] for r in reader]
    assert records == ["Le café était très bon, où est Noël ? déjà vu", "À bientôt, garçon"]
    summary = reader.report_info()["encoding"]["summary"]
    assert "not UTF-8" in summary and summary.startswith(("cp125", "latin", "iso8859"))


def test_mixed_encodings_are_decoded_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        '{"text": "naïve UTF-8 café"}\n'.encode()
        + '{"text": "Ça coûte très cher à Noël, déjà"}\n'.encode("cp1252")
        + b'{"text": "plain ascii"}\n'
    )
    reader = RecordReader(path)
    result = run_prep(reader, source=str(path))
    assert [r["text"] for r in result.records] == [
        "naïve UTF-8 café",
        "Ça coûte très cher à Noël, déjà",
        "plain ascii",
    ]
    info = result.report["encoding"]
    assert info["summary"].startswith("mixed: utf-8 2 lines")
    assert sum(info["lines"].values()) == 3


def test_utf8_bom_and_utf16_with_bom(tmp_path: Path) -> None:
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(codecs.BOM_UTF8 + b'{"text": "x"}\n')
    assert list(RecordReader(bom)) == [{"text": "x"}]
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes('{"text": "größe"}\n{"text": "ok"}\n'.encode("utf-16"))
    reader = RecordReader(wide)
    assert [r["text"] for r in reader] == ["größe", "ok"]
    assert reader.report_info()["encoding"]["summary"] == "utf-16 (detected, not UTF-8)"


def test_json_array_and_csv(tmp_path: Path) -> None:
    arr = tmp_path / "a.json"
    arr.write_text('[\n {"text": "one"},\n {"text": "two"}\n]', encoding="utf-8")
    assert list(RecordReader(arr).numbered()) == [(1, {"text": "one"}), (2, {"text": "two"})]
    table = tmp_path / "t.csv"
    table.write_text('id,text\n1,"multi\nline"\n\n2,plain\n', encoding="utf-8")
    assert list(RecordReader(table).numbered()) == [
        (2, {"id": "1", "text": "multi\nline"}),
        (5, {"id": "2", "text": "plain"}),
    ]


def test_jsonl_that_starts_with_an_object_even_if_named_json(tmp_path: Path) -> None:
    path = tmp_path / "lines.json"
    path.write_text('{"text": "a"}\n{"text": "b"}\n', encoding="utf-8")
    assert len(list(RecordReader(path))) == 2


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b'{"text": "ok"}\n{"text": oops}\n', 2, "invalid JSON"),
        (b'{"text": "ok"}\n[1, 2]\n', 2, "expected a JSON object, got array"),
        (b'{"a": 1}\n\x00\x01\x02\n', 2, "not a text file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "not a text file: NUL byte at offset 8"),
    ],
)
def test_bad_lines_name_file_and_line(
    tmp_path: Path, content: bytes, line: int | None, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        list(RecordReader(path))
    assert info.value.path == str(path) and info.value.line == line
    assert message in info.value.message


def test_json_array_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[\n {"text": "one"},\n {"text": }\n]', encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(RecordReader(path))
    assert info.value.line == 3


def test_long_line_fails_after_reading_at_most_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "' + b"x" * 5000 + b'"}\n')
    reader = RecordReader(path, max_record_bytes=1024)
    with pytest.raises(InputError) as info:
        list(reader)
    assert info.value.line == 2 and "longer than" in info.value.message
    assert reader.bytes_read <= 15 + 1025


def test_big_integers_and_nan_survive(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text('{"n": 123456789012345678901234567890, "text": "x"}\n', encoding="utf-8")
    res = run_prep(RecordReader(path))
    assert res.lines == [b'{"n":123456789012345678901234567890,"text":"x"}']


def test_forced_fallback_encoding(tmp_path: Path) -> None:
    path = tmp_path / "cz.jsonl"
    path.write_bytes('{"text": "Příliš žluťoučký kůň"}\n'.encode("cp1250"))
    assert next(iter(RecordReader(path, encoding="cp1250")))["text"] == "Příliš žluťoučký kůň"
    with pytest.raises(InputError, match="unknown encoding"):
        RecordReader(path, encoding="klingon")
