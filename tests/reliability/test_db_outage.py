"""A PostgreSQL outage under a real uvicorn: 503 ``unavailable`` with Retry-After while the
database is down (never a 500 text/plain that drops the connection), and the same
server serves again once it is back. The test stops and restarts its own throw-away
cluster (tests/pg.py), not the session's shared one."""

from __future__ import annotations

import time

import httpx
import pytest

from accord.io.importer import import_rows
from accord.store import make_engine
from tests.pg import PostgresServer, find_pg_bin
from tests.reliability.harness import Server, seed


@pytest.fixture
def own_cluster():
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL not installed")
    pg = PostgresServer().start()
    yield pg
    pg.stop()


def _calls(client: httpx.Client, admin: dict[str, str], ann: dict[str, str]
           ) -> list[httpx.Response]:
    """The annotator loop and the admin's reads and writes."""
    return [client.post("/api/v1/datasets/d/next", headers=ann),
            client.put("/api/v1/datasets/d/records/1/response", headers=ann,
                       json={"values": {"label": "pos"}, "status": "draft"}),
            client.get("/api/v1/datasets/d/records", headers=admin),
            client.get("/api/v1/datasets", headers=admin),
            client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})]


def test_postgres_outage_is_503_with_retry_after_and_recovers(own_cluster, tmp_path):
    url = own_cluster.create_database("outage")
    world = seed(url, annotators=1)
    engine = make_engine(url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"t{i}"}) for i in range(10)))
    engine.dispose()
    admin = {"Authorization": f"Bearer {world.admin_token}"}
    ann = {"Authorization": f"Bearer {next(iter(world.annotators.values()))}"}
    server = Server(url, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            before = _calls(client, admin, ann)
            own_cluster.pause()
            down = [r for _ in range(3) for r in _calls(client, admin, ann)]
            health = client.get("/api/v1/health")
            own_cluster.resume()
            deadline = time.monotonic() + 30
            while True:
                after = _calls(client, admin, ann)
                if all(r.status_code < 500 for r in after) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            connections = len(client._transport._pool.connections)  # type: ignore[attr-defined]
    finally:
        server.kill()
    assert [r.status_code for r in before[:4]] == [200, 200, 200, 200], \
        [r.text for r in before]
    assert before[4].status_code == 401
    for r in down:
        assert r.status_code == 503, (r.request.url, r.status_code, r.text[:300])
        assert r.headers["retry-after"].isdigit()
        error = r.json()["error"]
        assert error["type"] == "unavailable" and "retry" in error["message"], error
    assert health.status_code == 200  # the process itself is fine
    assert [r.status_code for r in after[:4]] == [200, 200, 200, 200], \
        [r.text[:200] for r in after]
    assert after[4].status_code == 401
    assert connections == 1, "a reply closed the keep-alive connection"
    assert "Traceback" not in server.log()
