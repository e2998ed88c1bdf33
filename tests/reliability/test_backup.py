"""``accord backup`` / ``accord restore`` on SQLite and PostgreSQL.

A restore must give back an identical database (every table compared row by
row), refuse to overwrite data without ``--force``, refuse backups it cannot
read or from a newer schema, and an online backup taken under write load must
be a consistent snapshot.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from itertools import count

import pytest

from accord.io.importer import import_rows
from accord.store import make_engine, upgrade
from tests.conftest import run_cli
from tests.reliability.annotators import Tally, join_all, run_annotators
from tests.reliability.harness import Server, seed, wait_for
from tests.reliability.populate import dump_tables, populate
from tests.reliability.reconcile import reconcile

_n = count()


def _other_db(db_url: str, tmp_path, request) -> str:
    """A second, empty database on the same backend."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'other{next(_n)}.db'}"
    return request.getfixturevalue("pg_server").create_database(
        f"restore_{os.getpid()}_{next(_n)}")


def test_backup_restore_is_identical(db_url, tmp_path, request):
    engine = make_engine(db_url)
    upgrade(engine)
    populate(engine)
    before = dump_tables(engine)
    engine.dispose()
    assert len(before) >= 14 and all(before[t] for t in ("responses", "response_history",
                                                         "reviews", "leases", "aggregates"))
    out = tmp_path / "backup.accord"
    done = run_cli("backup", str(out), "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert "schema revision" in done.stdout and out.is_file()
    assert not list(tmp_path.glob(".backup.accord.*")), "a temporary file was left behind"

    target = _other_db(db_url, tmp_path, request)
    done = run_cli("restore", str(out), "--db", target)
    assert done.returncode == 0, done.stderr
    restored = make_engine(target)
    after = dump_tables(restored)
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], f"table {table} differs after restore"
    reconcile(restored, "d", allow_over_assignment=True).assert_ok()
    restored.dispose()

    # the restored database works: the CLI opens it without migrating
    listed = run_cli("dataset", "list", "--db", target)
    assert listed.returncode == 0 and "d" in listed.stdout


def test_restore_refuses_data_without_force(db_url, tmp_path, request):
    seed(db_url, annotators=1)
    out = tmp_path / "b1"
    assert run_cli("backup", str(out), "--db", db_url).returncode == 0
    target = _other_db(db_url, tmp_path, request)
    seed(target, dataset="other")  # a database that holds data
    refused = run_cli("restore", str(out), "--db", target)
    assert refused.returncode == 2 and "--force" in refused.stderr
    engine = make_engine(target)
    assert {r[1] for r in dump_tables(engine)["datasets"]} == {"other"}  # untouched
    engine.dispose()
    forced = run_cli("restore", str(out), "--db", target, "--force")
    assert forced.returncode == 0, forced.stderr
    src, dst = make_engine(db_url), make_engine(target)
    assert dump_tables(dst) == dump_tables(src)
    src.dispose()
    dst.dispose()


def test_restore_rejects_foreign_and_newer_backups(db_url, tmp_path, request):
    seed(db_url)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"definitely not a backup\n" * 10)
    target = _other_db(db_url, tmp_path, request)
    done = run_cli("restore", str(garbage), "--db", target)
    assert done.returncode == 2 and "not an accord backup" in done.stderr
    missing = run_cli("restore", str(tmp_path / "nope"), "--db", target)
    assert missing.returncode == 2 and "nope" in missing.stderr

    sqlite_backup = tmp_path / "s.db"
    if db_url.startswith("sqlite"):
        assert run_cli("backup", str(sqlite_backup), "--db", db_url).returncode == 0
    else:  # a SQLite backup offered to PostgreSQL
        lite = f"sqlite:///{tmp_path / 'lite.db'}"
        seed(lite)
        assert run_cli("backup", str(sqlite_backup), "--db", lite).returncode == 0
        wrong = run_cli("restore", str(sqlite_backup), "--db", target)
        assert wrong.returncode == 2 and "sqlite backup" in wrong.stderr
    newer = tmp_path / "newer.db"
    shutil.copy(sqlite_backup, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    lite_target = f"sqlite:///{tmp_path / 'lite-target.db'}"
    done = run_cli("restore", str(newer), "--db", lite_target)
    assert done.returncode == 2 and "9999" in done.stderr


def test_online_backup_under_write_load_is_consistent(db_url, tmp_path, request):
    """Annotators keep submitting while 'accord backup' runs: the restored copy
    reconciles exactly (a snapshot, not a mix of before and after)."""
    world = seed(db_url, annotators=8)
    engine = make_engine(db_url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"record {i}"})
                              for i in range(3000)))
    workers = 1 if db_url.startswith("sqlite") else 2
    server = Server(db_url, tmp_path / "server.log", workers=workers).start()
    tally, stop = Tally(), threading.Event()
    threads = run_annotators(server.url, world.annotators, tally, stop=stop)
    try:
        wait_for(lambda: len(tally.acks) >= 20 or tally.errors, 120, "annotators at work")
        out = tmp_path / "online.backup"
        done = run_cli("backup", str(out), "--db", db_url)
        assert done.returncode == 0, done.stderr
        acked_before_end = len(tally.acks)
        wait_for(lambda: len(tally.acks) >= acked_before_end + 10 or tally.errors, 120,
                 "annotators still at work after the backup")
    finally:
        stop.set()
        join_all(threads, 120)
        server.kill()
    assert not tally.errors, tally.errors[:3]
    target = _other_db(db_url, tmp_path, request)
    assert run_cli("restore", str(out), "--db", target).returncode == 0
    restored = make_engine(target)
    result = reconcile(restored, "d")
    result.assert_ok()
    assert 0 < result.submitted < len(tally.acks)
    restored.dispose()
    engine.dispose()


@pytest.mark.parametrize("sub", ["backup", "restore"])
def test_help_is_registered(sub):
    done = run_cli(sub, "--help")
    assert done.returncode == 0 and "--db" in done.stdout


def test_backup_module_doctests():
    import doctest

    import accord.store.backup

    result = doctest.testmod(accord.store.backup)
    assert result.attempted >= 5 and result.failed == 0
