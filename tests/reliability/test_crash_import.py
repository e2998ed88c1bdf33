"""SIGKILL during an import, from the CLI and through the API upload: all or nothing.

The importer runs the whole file in one transaction (accord/io/importer.py).
Each test kills the importing process when it has provably read part of the
input (its file offset, read from /proc, is past 25 %) while it holds the
write transaction, then checks that not one row of the batch is visible,
that the database is intact, and that running the same import again
completes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from accord.store import make_engine
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.models import Dataset, Record
from accord.store.users import get_user
from accord.workflow import next_record, save_response
from tests.conftest import run_cli
from tests.reliability.harness import (
    Server,
    kill_group,
    read_position,
    seed,
    sqlite_path,
    start_cli,
    wait_for,
    write_jsonl,
    writer_active,
)
from tests.reliability.reconcile import reconcile

N_OLD = 2_000


def _n_big(db_url: str) -> int:
    """Big enough that the import takes seconds; PostgreSQL imports are slower (see
    docs/reliability.md, "PostgreSQL import is quadratic")."""
    return 30_000 if db_url.startswith("sqlite") else 15_000


def _tags(engine, dataset: str) -> Counter[str]:
    with session_scope(engine) as s:
        ds = get_dataset(s, dataset)
        return Counter(s.scalars(select(Record.meta["tag"].as_string())
                                 .where(Record.dataset_id == ds.id)))


def _dataset_exists(engine, name: str) -> bool:
    with session_scope(engine) as s:
        return s.scalar(select(Dataset.id).where(Dataset.name == name)) is not None


def _integrity(db_url: str) -> None:
    path = sqlite_path(db_url)
    if path is not None:
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def _answer_some(engine, dataset: str, users: list[str], n: int) -> None:
    """A few submitted responses on the old records, which a re-import must keep."""
    with write_scope(engine) as s:
        ds = get_dataset(s, dataset)
        settings = settings_of(ds)
        for name in users:
            user = get_user(s, name)
            for _ in range(n):
                rec = next_record(s, ds, settings, user)
                save_response(s, ds, settings, rec, user, {"label": "pos"}, status="submitted")


def _kill_mid_read(proc, data: Path, db_url: str, fraction: float = 0.25) -> None:
    """Wait until the importer holds the write lock and has read ``fraction`` of ``data``."""
    size = data.stat().st_size
    pid = proc.pid
    wait_for(lambda: proc.poll() is not None or writer_active(db_url), 120,
             "the importer's write transaction")
    assert proc.poll() is None, "the importer finished or died before it could be killed"
    wait_for(lambda: (read_position(pid, data.name) or 0) > size * fraction
             or proc.poll() is not None, 120, f"the importer to read {fraction:.0%} of the file")
    # the reader runs a few chunks ahead of the writer (accord/io/read_ahead.py), so the
    # whole file may be read while the transaction is still open: that is mid-import too
    assert proc.poll() is None and writer_active(db_url), \
        f"the import ended before the kill (offset {read_position(pid, data.name)} of {size})"
    kill_group(proc)


def test_cli_import_killed(db_url, tmp_path, fraction: float = 0.25):
    seed(db_url, annotators=2)
    engine = make_engine(db_url)
    old = write_jsonl(tmp_path / "old.jsonl", N_OLD, tag="v1")
    assert run_cli("import", "d", str(old), "--db", db_url).returncode == 0
    _answer_some(engine, "d", ["ann000", "ann001"], 5)
    before = reconcile(engine, "d")
    before.assert_ok()
    n_big = _n_big(db_url)
    big = write_jsonl(tmp_path / "big.jsonl", n_big, tag="v2")
    log = tmp_path / "cli.log"

    # 1. a new dataset created by the import itself (--create): it must not exist afterwards
    proc = start_cli("import", "fresh", str(big), "--create", "--db", db_url, log_path=log)
    _kill_mid_read(proc, big, db_url)
    _integrity(db_url)
    assert not _dataset_exists(engine, "fresh"), "a killed --create import left its dataset"

    # 2. a re-import updating existing records and adding new ones: all old or all new
    proc = start_cli("import", "d", str(big), "--db", db_url, log_path=log)
    _kill_mid_read(proc, big, db_url, fraction)
    _integrity(db_url)
    assert _tags(engine, "d") == Counter({"v1": N_OLD}), "a killed import left part of its batch"
    after = reconcile(engine, "d")
    after.assert_ok()
    assert after.submitted == before.submitted == 10

    # the same import, run again, completes and keeps the responses
    done = run_cli("import", "d", str(big), "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert _tags(engine, "d") == Counter({"v2": n_big})
    final = reconcile(engine, "d")
    final.assert_ok()
    assert final.submitted == 10 and final.records == n_big
    engine.dispose()


def test_api_upload_killed(db_url, tmp_path):
    world = seed(db_url)
    engine = make_engine(db_url)
    tmpdir = tmp_path / "server-tmp"
    tmpdir.mkdir()
    server = Server(db_url, tmp_path / "server.log", env={"TMPDIR": str(tmpdir)}).start()
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    try:
        small = write_jsonl(tmp_path / "small.jsonl", 500, tag="v1")
        with open(small, "rb") as fh:
            r = httpx.post(f"{server.url}/api/v1/datasets/d/records/upload", headers=headers,
                           files={"file": ("small.jsonl", fh)}, timeout=60)
        assert r.status_code == 200 and r.json()["inserted"] == 500, r.text
        n_big = _n_big(db_url)
        big = write_jsonl(tmp_path / "big.jsonl", n_big, tag="v2")
        outcome: list[object] = []

        def upload() -> None:
            try:
                with open(big, "rb") as fh:
                    outcome.append(httpx.post(
                        f"{server.url}/api/v1/datasets/d/records/upload", headers=headers,
                        files={"file": ("big.jsonl", fh)}, timeout=300))
            except httpx.HTTPError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=upload)
        thread.start()
        # the server copies the upload to TMPDIR/<tmp>/upload.jsonl, then imports it
        _kill_server_mid_upload(server, big, db_url)
        thread.join(60)
        assert outcome and isinstance(outcome[0], httpx.HTTPError), \
            f"the upload was acknowledged although the server was killed: {outcome}"
        leftovers = sorted(p.name for p in tmpdir.rglob("upload.*"))
        server.start()
        _integrity(db_url)
        assert _tags(engine, "d") == Counter({"v1": 500}), "a killed upload left part of its batch"
        reconcile(engine, "d").assert_ok()
        with open(big, "rb") as fh:
            r = httpx.post(f"{server.url}/api/v1/datasets/d/records/upload", headers=headers,
                           files={"file": ("big.jsonl", fh)}, timeout=300)
        assert r.status_code == 200, r.text
        assert _tags(engine, "d") == Counter({"v2": n_big})
        # documented in docs/reliability.md: a SIGKILL leaves the upload's temp copy behind
        assert leftovers in ([], ["upload.jsonl"])
    finally:
        server.kill()
        engine.dispose()


def _kill_server_mid_upload(server: Server, big: Path, db_url: str) -> None:
    proc = server.proc
    assert proc is not None
    size = big.stat().st_size
    wait_for(lambda: proc.poll() is not None or writer_active(db_url), 120,
             "the upload's import transaction")
    wait_for(lambda: (read_position(proc.pid, "upload.jsonl") or 0) > size // 4
             or proc.poll() is not None, 120, "the server to import a quarter of the upload")
    assert proc.poll() is None and writer_active(db_url), \
        f"the upload's import ended before the kill (offset " \
        f"{read_position(proc.pid, 'upload.jsonl')} of {size})"
    server.kill()


@pytest.mark.soak
@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.75, 0.95])
def test_cli_import_killed_later(db_url, tmp_path, fraction):
    """Soak: the CLI crash test with the kill at other points of the input."""
    test_cli_import_killed(db_url, tmp_path, fraction)
