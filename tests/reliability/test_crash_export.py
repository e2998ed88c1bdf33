"""SIGKILL ``accord export -o OUT``: OUT is either complete or absent, never partial.

Exports are written under a hidden temporary name and renamed into place
(accord/atomic.py). The tests kill the exporter once its temporary file
holds part of the output, for a new OUT and for an OUT left by an earlier
export (which must stay byte-for-byte intact).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from accord.io.importer import import_rows
from accord.store import make_engine
from tests.conftest import run_cli
from tests.reliability.harness import kill_group, seed, start_cli, wait_for


def _parts(directory: Path, name: str) -> list[Path]:
    return sorted(directory.glob(f".{name}.*.part"))


def _kill_mid_write(proc, directory: Path, name: str, min_bytes: int) -> None:
    def growing() -> bool:
        parts = _parts(directory, name)
        return proc.poll() is not None or any(p.stat().st_size >= min_bytes for p in parts
                                              if p.exists())

    # a whole-record export on SQLite writes pages of 2,000 records built by SQLite
    # (hundreds of KB per write), so poll finely: the window is a fraction of a second
    wait_for(growing, 180, f"the exporter to write {min_bytes:,} bytes of {name}",
             interval=0.002)
    assert proc.poll() is None, "the export finished before it could be killed"
    kill_group(proc)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt,suffix", [
    ("jsonl", "jsonl"),
    pytest.param("csv", "csv", marks=pytest.mark.soak)])
def test_export_killed(db_url, tmp_path, fmt, suffix):
    # enough records that the export writes for well over the polling interval: the
    # SQLite page path exports ~20k of these records in about 0.1 s
    n = 150_000 if db_url.startswith("sqlite") else 10_000
    seed(db_url)
    engine = make_engine(db_url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"record {i} " + "x" * 150})
                              for i in range(n)))
    engine.dispose()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    log = tmp_path / "export.log"
    first = out_dir / f"first.{suffix}"
    done = run_cli("export", "d", "--format", fmt, "-o", str(first), "--db", db_url)
    assert done.returncode == 0, done.stderr
    if fmt == "jsonl":
        rows = [orjson.loads(line) for line in first.read_bytes().splitlines()]
        assert len(rows) == n and {r["external_id"] for r in rows} == {f"r{i}" for i in range(n)}
    else:
        assert first.read_bytes().count(b"\n") >= n + 1
    size = first.stat().st_size
    before = _digest(first)

    # 1. a new file: absent after the kill
    new = out_dir / f"new.{suffix}"
    proc = start_cli("export", "d", "--format", fmt, "-o", str(new), "--db", db_url,
                     log_path=log)
    _kill_mid_write(proc, out_dir, new.name, size // 4)
    assert not new.exists(), "a killed export left a file under the final name"

    # 2. overwriting an earlier export: the earlier file stays intact
    proc = start_cli("export", "d", "--format", fmt, "-o", str(first), "--db", db_url,
                     log_path=log)
    _kill_mid_write(proc, out_dir, first.name, size // 4)
    assert _digest(first) == before, "a killed export damaged the earlier export"

    # the killed exports leave their hidden temporary files (docs/reliability.md)
    leftovers = _parts(out_dir, new.name) + _parts(out_dir, first.name)
    assert len(leftovers) == 2
    assert all(p.name.startswith(".") for p in leftovers)
    visible = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    assert visible == [first.name]

    # exporting again after the crash works and gives the same bytes
    again = run_cli("export", "d", "--format", fmt, "-o", str(new), "--db", db_url)
    assert again.returncode == 0, again.stderr
    assert _digest(new) == before
