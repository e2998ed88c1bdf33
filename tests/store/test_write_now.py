"""write_now (a SQLite write that never waits) and the background WAL checkpointer."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import event

from accord.errors import NotFound
from accord.store import make_engine, session_scope, upgrade, write_scope
from accord.store.checkpoint import WalCheckpointer
from accord.store.engine import NOT_NOW, write_now
from accord.store.users import create_user, get_user


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


@pytest.fixture
def sqlite_engine(sqlite_url):
    eng = make_engine(sqlite_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _busy_timeout(engine) -> int:
    with engine.connect() as conn:
        return conn.connection.driver_connection.execute("PRAGMA busy_timeout").fetchone()[0]


def test_write_now_runs_and_commits_when_the_database_is_free(sqlite_engine, sqlite_url):
    made = write_now(sqlite_engine, lambda s: create_user(s, "ana", "annotator").id)
    assert made is not NOT_NOW
    other = sqlite3.connect(_path(sqlite_url))
    try:
        assert other.execute("SELECT name FROM users WHERE id = ?", (made,)).fetchone() == ("ana",)
    finally:
        other.close()


def test_write_now_never_waits_for_another_process_and_restores_the_busy_timeout(
        sqlite_engine, sqlite_url):
    holder = sqlite3.connect(_path(sqlite_url), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock
    calls = []
    try:
        t0 = time.perf_counter()
        out = write_now(sqlite_engine, lambda s: calls.append(1))
        waited = time.perf_counter() - t0
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert out is NOT_NOW and calls == []
    assert waited < 1.0  # the engine's busy timeout is 30 s
    assert _busy_timeout(sqlite_engine) == 30_000  # the pooled connection got it back
    assert write_now(sqlite_engine, lambda s: create_user(s, "ben", "annotator").id) \
        is not NOT_NOW


def test_write_now_steps_aside_while_this_process_holds_the_write_lock(sqlite_engine):
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with write_scope(sqlite_engine) as s:
            create_user(s, "cat", "annotator")
            inside.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert inside.wait(10)
        assert write_now(sqlite_engine, lambda s: create_user(s, "dan", "annotator")) is NOT_NOW
    finally:
        release.set()
        t.join()
    with session_scope(sqlite_engine) as s:
        assert get_user(s, "cat").name == "cat"
        with pytest.raises(NotFound):
            get_user(s, "dan")


def test_write_now_rolls_back_and_releases_on_error(sqlite_engine):
    def fails(s):
        create_user(s, "eve", "annotator")
        s.flush()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        write_now(sqlite_engine, fails)
    with session_scope(sqlite_engine) as s:  # nothing of the failed unit was kept
        with pytest.raises(NotFound):
            get_user(s, "eve")
    with write_scope(sqlite_engine) as s:  # and the write lock was released
        create_user(s, "eve", "annotator")


@pytest.mark.postgres
def test_write_now_is_sqlite_only(db_url):
    engine = make_engine(db_url)
    try:
        expected_not_now = engine.dialect.name != "sqlite"
        upgrade(engine)
        out = write_now(engine, lambda s: create_user(s, "fay", "annotator").id)
        assert (out is NOT_NOW) == expected_not_now
    finally:
        engine.dispose()


def test_checkpointer_moves_checkpoints_off_the_committing_connections(sqlite_engine, sqlite_url):
    ckpt = WalCheckpointer(sqlite_engine, interval=0.02)
    assert ckpt.applies
    ckpt.start()
    try:
        with sqlite_engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 16_000
        for i in range(50):
            with write_scope(sqlite_engine) as s:
                create_user(s, f"user{i}", "annotator")
        deadline = time.time() + 10
        before = ckpt.checkpoints
        while ckpt.checkpoints < before + 2 and time.time() < deadline:
            time.sleep(0.02)
        assert ckpt.checkpoints >= before + 2, ckpt.last_error
        # every frame of the WAL is already back in the database file: a checkpoint
        # now has nothing left to copy
        probe = sqlite3.connect(_path(sqlite_url))
        try:
            busy, log_frames, done = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            probe.close()
        assert busy == 0 and log_frames == done
    finally:
        ckpt.stop()
    assert ckpt._thread is None
    assert not event.contains(sqlite_engine, "checkout", ckpt._on_checkout)


def test_checkpointer_is_a_no_op_without_a_wal_file(db_url):
    engine = make_engine(db_url) if not db_url.startswith("sqlite") else \
        make_engine("sqlite:///:memory:")
    try:
        ckpt = WalCheckpointer(engine)
        assert not ckpt.applies
        ckpt.start()
        assert ckpt._thread is None
        ckpt.stop()
    finally:
        engine.dispose()


def test_the_server_lifespan_runs_the_checkpointer(sqlite_engine):
    from fastapi.testclient import TestClient

    from accord.server.app import create_app

    app = create_app(sqlite_engine)
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
        ckpt = app.state.checkpointer
        deadline = time.time() + 10
        while ckpt.checkpoints == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert ckpt.checkpoints > 0
    assert ckpt._thread is None  # stopped with the app


def test_write_now_keeps_one_connection_and_the_engine_closes_it(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seen, checkouts = [], []
    event.listen(engine, "checkout", lambda *_: checkouts.append(1))

    def unit(s):
        seen.append(s.connection().connection.driver_connection)

    try:
        for _ in range(3):
            assert write_now(engine, unit) is not NOT_NOW
        # one pool checkout for all units (about 60 us of Python per unit saved)
        assert seen[0] is seen[1] is seen[2] and len(checkouts) == 1
        # between units the kept connection holds no transaction (and no WAL snapshot)
        assert not seen[0].in_transaction
    finally:
        engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError):  # closed with the engine, not leaked
        seen[0].execute("SELECT 1")
    # a later unit on the same engine gets a fresh connection
    try:
        assert write_now(engine, lambda s: create_user(s, "gil", "annotator").id) \
            is not NOT_NOW
    finally:
        engine.dispose()


def test_the_kept_connection_begins_without_busy_timeout_statements(sqlite_url):
    """WAL mode: the kept connection's busy timeout stands at 0, so a unit's
    ``BEGIN IMMEDIATE`` needs no ``PRAGMA busy_timeout`` before and after it (the old
    code ran both in every unit, 4 statements per next + submit cycle); the pool's
    other connections keep the engine's 30 s; and a unit commits beside a reader holding
    its snapshot (nothing after the BEGIN waits on a lock in WAL mode)."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seen: list[sqlite3.Connection] = []
    statements: list[str] = []
    reader = sqlite3.connect(_path(sqlite_url), isolation_level=None)
    try:
        assert write_now(engine, lambda s: seen.append(
            s.connection().connection.driver_connection)) is not NOT_NOW
        kept = seen[0]
        kept.set_trace_callback(statements.append)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM users").fetchone() == (0,)
        made = [write_now(engine, lambda s, n=n: create_user(s, n, "annotator").id)
                for n in ("hal", "ida")]
        assert NOT_NOW not in made
        assert reader.execute("SELECT count(*) FROM users").fetchone() == (0,)  # its snapshot
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM users").fetchone() == (2,)
        kept.set_trace_callback(None)
        assert statements.count("BEGIN IMMEDIATE") == 2
        assert not [s for s in statements if "busy_timeout" in s.lower()], statements
        assert kept.execute("PRAGMA busy_timeout").fetchone() == (0,)
        assert _busy_timeout(engine) == 30_000
    finally:
        reader.close()
        engine.dispose()
