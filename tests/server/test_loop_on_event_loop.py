"""On SQLite the annotator loop's unit of work runs on the event loop when the write can
start at once, and in a worker thread otherwise: a database locked by another process
must make the request wait, never the whole server (accord/server/deps.py)."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest

from accord import Client
from tests.server.conftest import start_server, stop_server

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "label", "type": "label", "labels": ["pos", "neg"]}],
            "distribution": {"overlap": 1}}


@pytest.fixture
def server(sqlite_url):
    srv = start_server(sqlite_url)
    yield srv
    stop_server(srv)


def test_a_locked_database_delays_the_request_not_the_server(server, sqlite_url):
    admin = Client(server.url, server.admin_token)
    admin.create_dataset("d", SETTINGS)
    admin.import_records("d", [{"id": f"r{i}", "text": f"text {i}"} for i in range(5)])
    token = server.make_user("ann")
    admin.add_member("d", "ann")
    with Client(server.url, token) as ann:  # the fast path works on a free database
        first = ann.next_record("d")
        ann.submit("d", first.id, {"label": "pos"})

    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. an `accord import` running beside the server
    result: dict[str, object] = {}

    def take_next() -> None:
        with Client(server.url, token) as ann:
            result["record"] = ann.next_record("d")

    waiter = threading.Thread(target=take_next)
    try:
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive()  # waiting for the lock...
        t0 = time.perf_counter()
        health = httpx.get(server.url + "/api/v1/health", timeout=5)
        assert health.status_code == 200
        assert time.perf_counter() - t0 < 1.0  # ...in a thread: the event loop still answers
        assert waiter.is_alive()
    finally:
        holder.execute("COMMIT")
        holder.close()
    waiter.join(timeout=30)
    assert not waiter.is_alive()
    record = result["record"]
    assert record is not None and record.id != first.id
    with Client(server.url, token) as ann:
        saved = ann.submit("d", record.id, {"label": "neg"})
    assert saved.status == "submitted" and saved.values == {"label": "neg"}
