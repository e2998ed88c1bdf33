"""The annotator loop's round trips to PostgreSQL, counted at the driver: libpq's trace of
the messages the server process sends (each round trip ends with a ``Sync`` of the
extended protocol or is one simple ``Query``, psycopg's ``BEGIN`` and ``COMMIT``). On
PostgreSQL most of a cycle's CPU is per round trip (docs/benchmarks.md), so a change that
adds a statement to ``next`` or to a submit shows here."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from accord.schema import parse_settings
from accord.server.app import create_app
from accord.store import make_engine
from tests.annotators import dataset_with_annotators
from tests.dbs import migrated

SETTINGS = parse_settings({"fields": [{"name": "text", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
                           "distribution": {"overlap": 2}})
# BEGIN, the caller and the dataset, the queue's state, the finder with the claim, the
# lease, the cursor and the record's suggestions (the caller has no response to a record
# the finder found), COMMIT
NEXT = 5
# BEGIN, the caller and the dataset, the record with the response (locked) and the lease
# taken, the response written with its history and the record's counters, COMMIT
SUBMIT = 5


class Tracer:
    """libpq's trace of every connection the engine checks out, flushed at check-in."""

    def __init__(self, engine, path) -> None:  # type: ignore[no-untyped-def]
        self.path = path
        self.on = False
        event.listen(engine, "checkout", self.checkout)
        event.listen(engine, "checkin", self.checkin)

    def checkout(self, dbapi_conn, record, proxy) -> None:  # type: ignore[no-untyped-def]
        if self.on:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            dbapi_conn.pgconn.trace(fd)
            dbapi_conn.pgconn.set_trace_flags(1)  # PQTRACE_SUPPRESS_TIMESTAMPS
            record.info["trace_fd"] = fd

    def checkin(self, dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        fd = record.info.pop("trace_fd", None)
        if fd is not None:
            dbapi_conn.pgconn.untrace()  # flushes libpq's stream
            os.close(fd)

    def round_trips(self) -> int:
        """Round trips since the last call: the frontend's Sync and Query messages."""
        if not self.path.exists():
            return 0
        lines = self.path.read_text().splitlines()
        self.path.unlink()
        return sum(1 for line in lines
                   if line.startswith("F\t") and line.split("\t")[2] in ("Sync", "Query"))


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_next_and_a_submit_take_five_round_trips_each(db_url, tmp_path):
    engine = make_engine(migrated(db_url))
    try:
        token, = dataset_with_annotators(engine, "d", SETTINGS, 30, ["ann"])
        tracer = Tracer(engine, tmp_path / "trace.txt")
        client = TestClient(create_app(engine), headers={"Authorization": f"Bearer {token}"})
        counts = []
        for i in range(10):  # psycopg prepares a statement at its 5th execution
            tracer.on = i >= 7
            rec = client.post("/api/v1/datasets/d/next")
            assert rec.status_code == 200, rec.text
            nxt = tracer.round_trips()
            saved = client.put(f"/api/v1/datasets/d/records/{rec.json()['id']}/response",
                               json={"values": {"y": "a"}, "status": "submitted"})
            assert saved.status_code == 200, saved.text
            counts.append((nxt, tracer.round_trips()))
        assert counts[7:] == [(NEXT, SUBMIT)] * 3
        client.close()
    finally:
        engine.dispose()
