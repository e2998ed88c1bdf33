"""PostgreSQL through its Unix-domain socket (same-host deployments, docs/deploy.md): the
URL form ``postgresql+psycopg://user@/db?host=/socket/dir&port=N`` works for the server,
the CLI and backup/restore (``pg_dump`` and ``pg_restore`` get the URL rewritten for
libpq), and the server's connections do use the socket."""

from __future__ import annotations

import os

import httpx
import psycopg
from sqlalchemy import text

from accord.store import make_engine
from tests.annotators import dataset_with_annotators
from tests.conftest import run_cli
from tests.server.conftest import start_server, stop_server
from tests.server.test_loop_round_trips import SETTINGS


def _connections(pg_server, dbname: str) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    """(client address, application) of every other session on ``dbname``."""
    with psycopg.connect(pg_server.url("postgres", driver=False), autocommit=True) as conn:
        return conn.execute("SELECT host(client_addr), application_name FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()",
                            (dbname,)).fetchall()


def test_server_cli_and_backup_over_the_socket(pg_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = f"sock{os.getpid()}"
    pg_server.create_database(name)
    url = pg_server.url(name, unix=True)
    assert "@/" in url and f"host={pg_server.tmp}" in url  # no TCP host in the URL
    server = start_server(url)
    try:
        engine = make_engine(url)
        try:
            token, = dataset_with_annotators(engine, "socketed", SETTINGS, 3, ["ann"])
        finally:
            engine.dispose()
        with httpx.Client(base_url=server.url, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(3):
                got = client.post("/api/v1/datasets/socketed/next")
                assert got.status_code == 200, got.text
                saved = client.put(f"/api/v1/datasets/socketed/records/{got.json()['id']}/response",
                                   json={"values": {"y": "a"}, "status": "submitted"})
                assert saved.status_code == 200, saved.text
            # the server's pooled connections are still open: all of them on the socket
            # (PostgreSQL shows no client address for a Unix-domain socket's session)
            sessions = _connections(pg_server, name)
            assert sessions and all(addr is None for addr, _app in sessions), sessions
    finally:
        stop_server(server)

    # the CLI's --db with the driverless form (accord adds +psycopg), and pg_dump and
    # pg_restore reaching the socket through the URL accord rewrites for libpq
    plain = pg_server.url(name, driver=False, unix=True)
    out = tmp_path / "backup.dump"
    done = run_cli("backup", str(out), "--db", plain)
    assert done.returncode == 0, done.stderr
    pg_server.create_database(name + "_restored")
    target = pg_server.url(name + "_restored", driver=False, unix=True)
    done = run_cli("restore", str(out), "--db", target)
    assert done.returncode == 0, done.stderr
    listed = run_cli("dataset", "list", "--db", target)
    assert listed.returncode == 0 and "socketed" in listed.stdout, listed.stderr
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM responses")).scalar() == 3
            assert conn.execute(text("SELECT inet_server_addr()")).scalar() is None
    finally:
        engine.dispose()
