"""Deleting a dataset while its annotators work (real uvicorn, PostgreSQL).

The delete's cascade and the annotators' leases and responses take row locks in
opposite orders, so PostgreSQL picks a deadlock victim; when that is the delete,
the store retries it (``accord.store.retry``) instead of answering 503 and
leaving the admin to click again. Each round deletes a dataset with annotators
submitting at full speed; every delete must answer 204 and the dataset be gone.
"""

from __future__ import annotations

import threading

import httpx
import pytest

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


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
