"""A client that goes away in the middle of a streamed export (``GET .../export``) leaves
nothing open on the server: the export's read transaction (its snapshot) and its pooled
connection are given back when the response ends, not when the garbage collector finds the
abandoned generator (before, each worker process kept the last abandoned export's
transaction open until its next abandoned export: on an idle server, for good)."""

from __future__ import annotations

import socket
import sqlite3
import time
from urllib.parse import urlsplit

import pytest

from tests.io.export_data import big_text_dataset


def _abandon_download(server, fmt: str) -> bytes:
    """Start a download, read a little of it slowly (the server waits on the socket), and
    close the connection in the middle."""
    port = urlsplit(server.url).port
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall(f"GET /api/v1/datasets/big/export?format={fmt} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1\r\nAuthorization: Bearer {server.admin_token}\r\n\r\n"
                     .encode())
        got = b""
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            got += sock.recv(1024)
            time.sleep(0.01)
    return got


def _open_transactions(db_url: str) -> int:
    """Transactions of the server's connections older than a second (PostgreSQL), or 1 when
    a reader keeps SQLite's WAL from being reset (a read transaction left open)."""
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
        try:
            conn.execute("UPDATE records SET priority = priority + 1 WHERE external_id = 'r0'")
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return int(busy)
        finally:
            conn.close()
    import psycopg

    dbname = urlsplit(db_url).path.lstrip("/")
    with psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
            "pg_backend_pid() AND xact_start < now() - interval '1 second'",
            (dbname,)).fetchone()[0]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_abandoned_download_leaves_no_transaction_open(live_server, fmt):
    big_text_dataset(live_server.db_url, 12_000)  # ~48 MB of JSONL: far more than is read
    got = _abandon_download(live_server, fmt)
    assert got.startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 10
    while (left := _open_transactions(live_server.db_url)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == 0
    # the server still serves the next export in full
    import httpx

    with httpx.Client(base_url=live_server.url, timeout=60,
                      headers={"Authorization": f"Bearer {live_server.admin_token}"}) as c:
        body = c.get("/api/v1/datasets/big/export", params={"format": "jsonl"}).content
    assert body.count(b"\n") == 12_000
