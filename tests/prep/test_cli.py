"""``accord prep`` through the real CLI in a subprocess: outputs and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.prep.conftest import REPO, run_prep_cli


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_happy_path_writes_output_rejects_and_report(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl",
        (
            '{"id": 1, "text": "Hello  world"}\n'
            '{"id": 2, "text": "hello world"}\n'
            "\n"
            '{"id": 3, "text": "The Mona Lisa doesnâ€™t have eyebrows."}\n'
            '{"id": 4, "text": "ok"}\n'
        ).encode(),
    )
    proc = run_prep_cli(src, "-o", tmp_path / "out" / "clean.jsonl", "--min-length", "5")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.strip().startswith(
        "prep: 4 records in, 2 out, 2 dropped (length 1, dedupe_exact 1)"
    )
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "clean.jsonl",
        "clean.rejects.jsonl",
        "clean.report.json",
        "clean.report.md",
    ]
    kept = [json.loads(line) for line in (out / "clean.jsonl").read_text().splitlines()]
    assert [r["id"] for r in kept] == [1, 3]
    assert kept[1]["text"] == "The Mona Lisa doesn’t have eyebrows."
    rejects = [json.loads(line) for line in (out / "clean.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["step"]) for r in rejects] == [(2, "dedupe_exact"), (5, "length")]
    assert rejects[0]["record"] == {"id": 2, "text": "hello world"}
    report = json.loads((out / "clean.report.json").read_text())
    assert report["records_in"] == 4 and report["records_out"] == 2 and report["blank_lines"] == 1
    assert [s["name"] for s in report["steps"]] == ["fix", "length", "dedupe_exact"]
    md = (out / "clean.report.md").read_text()
    assert "| fix | 4 | 1 | 0 | 0 |" in md and "exact duplicate of line 1" in md


def test_report_and_rejects_paths_can_be_chosen(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", b"id,text\n1,a\n2,a\n")
    proc = run_prep_cli(
        src,
        "-o",
        tmp_path / "o.jsonl",
        "--rejects",
        tmp_path / "r.jsonl",
        "--report",
        tmp_path / "rep" / "run1",
        "--text-field",
        "text",
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rep" / "run1.md").is_file() and (tmp_path / "rep" / "run1.json").is_file()
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 1


def test_non_utf8_input_is_decoded_and_announced(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "legacy.jsonl", '{"text": "Noël à la crème brûlée, déjà vu"}\n'.encode("cp1252")
    )
    proc = run_prep_cli(src, "-o", tmp_path / "o.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert f"note: {src} is not all UTF-8: cp1252 (detected, not UTF-8)" in proc.stderr
    assert (
        json.loads((tmp_path / "o.jsonl").read_text())["text"] == "Noël à la crème brûlée, déjà vu"
    )
    report = json.loads((tmp_path / "o.report.json").read_text())
    assert report["encoding"] == {"summary": "cp1252 (detected, not UTF-8)", "lines": {"cp1252": 1}}


def test_empty_file_gives_empty_output_and_a_zero_report(tmp_path: Path) -> None:
    src = _write(tmp_path / "empty.jsonl", b"")
    proc = run_prep_cli(src, "-o", tmp_path / "o.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert "has no records" in proc.stderr and str(src) in proc.stderr
    assert (tmp_path / "o.jsonl").read_bytes() == b""
    report = json.loads((tmp_path / "o.report.json").read_text())
    assert report["records_in"] == 0 and report["records_out"] == 0


def _bad_inputs(tmp_path: Path) -> list[tuple[str, list[str], str]]:
    binary = _write(tmp_path / "image.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    malformed = _write(tmp_path / "broken.jsonl", b'{"text": "ok"}\n{"text": "no end\n')
    not_object = _write(tmp_path / "list.jsonl", b'{"text": "ok"}\n["a"]\n')
    wrong_field = _write(tmp_path / "field.jsonl", b'{"text": "ok"}\n{"text": 5}\n')
    undecodable = _write(
        tmp_path / "junk.jsonl", b'{"text": "ok"}\n' + bytes(range(0x80, 0x100)) * 4 + b"\n"
    )
    return [
        ("binary", [str(binary)], f"{binary}:3: not a text file"),
        ("malformed", [str(malformed)], f"{malformed}:2: invalid JSON"),
        ("not an object", [str(not_object)], f"{not_object}:2: expected a JSON object, got array"),
        (
            "wrong field type",
            [str(wrong_field), "--text-field", "text"],
            f"{wrong_field}:2: field 'text':",
        ),
        ("undecodable", [str(undecodable)], f"{undecodable}:2:"),
        ("missing file", [str(tmp_path / "nope.jsonl")], "nope.jsonl: no such file"),
        (
            "bad option",
            [str(malformed), "--near-threshold", "2"],
            "field '--near-threshold': must be between",
        ),
        (
            "bad language",
            [str(malformed), "--languages", "en,klingon"],
            "field '--languages': unknown language code 'klingon'",
        ),
        (
            "bad regex",
            [str(malformed), "--pii-regex", "novalue"],
            "field '--pii-regex': expected NAME=PATTERN",
        ),
    ]


@pytest.mark.parametrize("case", range(9))
def test_bad_input_exits_2_naming_file_and_line(tmp_path: Path, case: int) -> None:
    name, args, message = _bad_inputs(tmp_path)[case]
    proc = run_prep_cli(*args, "-o", tmp_path / "out.jsonl")
    assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
    assert message in proc.stderr.replace("\n", ""), (name, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_100_mb_line_fails_clearly_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as f:
        f.write(b'{"text": "fine"}\n{"text": "')
        block = b"lorem ipsum " * 87382  # ~1 MiB
        for _ in range(100):
            f.write(block)
        f.write(b'"}\n')
    # the CLI, reporting its own peak memory on exit. Not getrusage's ru_maxrss: Linux
    # carries it across fork/exec, so the child reported the pytest process's peak
    # (~820 MiB late in the full suite). VmHWM belongs to the exec'd image alone.
    code = (
        "import atexit, sys; "
        "atexit.register(lambda: print('PEAK_KIB', next(l.split()[1] for l in "
        "open('/proc/self/status') if l.startswith('VmHWM:')), file=sys.stderr)); "
        "from accord.cli import main; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", code, "prep", str(path), "-o", str(tmp_path / "out.jsonl")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{path}:2: line is longer than 32 MiB" in proc.stderr.replace("\n", "")
    assert "Traceback" not in proc.stderr
    peak_mib = int(proc.stderr.split("PEAK_KIB")[1].split()[0]) / 1024
    # it read at most 32 MiB of the line instead of holding 100 MiB (and several copies)
    assert peak_mib < 250, peak_mib
