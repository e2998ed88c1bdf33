"""Deleting a dataset while its annotators work (real uvicorn, PostgreSQL).

The delete's cascade and the annotators' leases and responses used to take row
locks in opposite orders, so PostgreSQL picked a deadlock victim; the store
retried the delete (``accord.store.retry``), and in one CI run lost 10 times in
a row. Now every annotator write locks the dataset row first, as the delete
does, so they do not deadlock at all: the test fails on any retry. Each round
deletes a dataset with annotators submitting at full speed; every delete must
answer 204 and the dataset be gone.
"""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import text

from accord.io.importer import import_rows
from accord.schema import parse_settings
from accord.store import make_engine, write_scope
from accord.store.datasets import add_member, create_dataset
from accord.store.models import User
from tests.reliability.harness import SETTINGS, Server, seed

ROUNDS = 4
ANNOTATORS = 6


def _new_dataset(url: str, name: str) -> None:
    engine = make_engine(url)
    try:
        with write_scope(engine) as s:
            ds = create_dataset(s, name, parse_settings(SETTINGS))
            for user in s.query(User).filter(User.role == "annotator"):
                add_member(s, ds, user)
        import_rows(engine, name, ((i + 1, {"id": f"r{i}", "text": f"t{i}"})
                                   for i in range(3000)))
    finally:
        engine.dispose()


def _annotate(url: str, token: str, name: str, stop: threading.Event, codes: list[int]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        while not stop.is_set():
            r = client.post(f"/api/v1/datasets/{name}/next")
            codes.append(r.status_code)
            if r.status_code != 200:
                continue
            rid = r.json()["id"]
            r = client.put(f"/api/v1/datasets/{name}/records/{rid}/response",
                           json={"values": {"label": "pos"}, "status": "submitted"})
            codes.append(r.status_code)


def test_delete_while_annotating_retries_its_deadlock(pg_server, tmp_path):
    url = pg_server.create_database("delete_race")
    world = seed(url, dataset=None, annotators=ANNOTATORS)
    server = Server(url, tmp_path / "server.log", workers=2).start()
    admin = {"Authorization": f"Bearer {world.admin_token}"}
    results = []
    try:
        for round_ in range(ROUNDS):
            name = f"race{round_}"
            _new_dataset(url, name)
            stop = threading.Event()
            codes: list[int] = []
            threads = [threading.Thread(target=_annotate, args=(server.url, t, name, stop, codes))
                       for t in world.annotators.values()]
            for t in threads:
                t.start()
            while len(codes) < 60:  # every annotator is inside the loop
                stop.wait(0.05)
            r = httpx.delete(f"{server.url}/api/v1/datasets/{name}", headers=admin,
                             timeout=120)
            stop.set()
            for t in threads:
                t.join(timeout=60)
            gone = httpx.get(f"{server.url}/api/v1/datasets/{name}", headers=admin)
            results.append((r.status_code, r.text[:300], gone.status_code))
            assert not any(c >= 500 and c != 503 for c in codes), sorted(set(codes))
    finally:
        server.kill()
    assert [r[0] for r in results] == [204] * ROUNDS, results
    assert [r[2] for r in results] == [404] * ROUNDS, results
    # the annotator loop locks the dataset row first (accord.store.datasets.hold_dataset),
    # as the delete does: the retry is a safety net, not the way the race is survived
    log = server.log_path.read_text()
    assert "victim" not in log, log[-2000:]


def _first_wait(url: str, dataset_id: int, request) -> str:  # type: ignore[no-untyped-def]
    """Hold the dataset row as a delete does; send ``request``; the statement it waits on."""
    engine = make_engine(url)
    out: list[httpx.Response] = []
    try:
        with engine.connect() as held:
            pid = held.execute(text("SELECT pg_backend_pid()")).scalar_one()
            held.execute(text("SELECT id FROM datasets WHERE id = :id FOR UPDATE"),
                         {"id": dataset_id})
            worker = threading.Thread(target=lambda: out.append(request()))
            worker.start()
            waiting = None
            with engine.connect() as probe:
                for _ in range(200):
                    waiting = probe.execute(text(
                        "SELECT string_agg(query, ' | ') FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND :pid = ANY(pg_blocking_pids(pid))"),
                        {"pid": pid}).scalar()
                    probe.rollback()  # pg_stat_activity is a snapshot per transaction
                    if waiting:
                        break
                    threading.Event().wait(0.05)
            held.rollback()
            worker.join(timeout=60)
        assert out and out[0].status_code < 500, out
        return waiting or ""
    finally:
        engine.dispose()


def test_writes_under_a_dataset_lock_its_row_first(pg_server, tmp_path):
    """The hot path (submit) and a plain write route (release a lease) both wait on the
    dataset row's key-share lock, their first statement, while a delete would hold it."""
    url = pg_server.create_database("delete_order")
    world = seed(url, dataset=None, annotators=1)
    _new_dataset(url, "order")
    server = Server(url, tmp_path / "server.log").start()
    token = next(iter(world.annotators.values()))
    client = httpx.Client(base_url=f"{server.url}/api/v1/datasets/order", timeout=60,
                          headers={"Authorization": f"Bearer {token}"})
    try:
        first = client.post("/next").json()["id"]
        second = client.post("/next").json()["id"]
        engine = make_engine(url)
        try:
            with engine.connect() as c:
                ds_id = c.execute(text("SELECT id FROM datasets WHERE name = 'order'")).scalar_one()
        finally:
            engine.dispose()
        submit = _first_wait(url, ds_id, lambda: client.put(
            f"/records/{first}/response", json={"values": {"label": "pos"},
                                                "status": "submitted"}))
        release = _first_wait(url, ds_id, lambda: client.delete(f"/records/{second}/lease"))
    finally:
        client.close()
        server.kill()
    assert "FOR KEY SHARE" in submit, submit
    assert "FOR KEY SHARE" in release, release


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
