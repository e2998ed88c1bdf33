"""Overload and abuse limits against a real uvicorn: request body caps (413 before the
body is read), a busy database (503 with Retry-After, not a 500 with a text body),
and ``accord serve --workers N`` refused on SQLite."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select

from accord.store import make_engine
from accord.store.engine import session_scope
from accord.store.models import Record, User
from tests.conftest import run_cli
from tests.reliability.harness import Server, raw_request, seed, sqlite_path

MB = 1024 * 1024


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_413(status: int, body: bytes) -> None:
    assert status == 413, body[:300]
    error = orjson.loads(body)["error"]
    assert error["type"] == "too_large" and "MiB" in error["message"], error


# -- request body caps -----------------------------------------------------------------

@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    """A server with a 1 MiB upload cap and a 64 KiB cap for other bodies, set through
    ``accord serve --max-upload-mb/--max-body-mb``; its TMPDIR is watched."""
    tmp = tmp_path_factory.mktemp("caps")
    url = f"sqlite:///{tmp / 'accord.db'}"
    w = seed(url, annotators=1)
    tmpdir = tmp / "server-tmp"
    tmpdir.mkdir()
    server = Server(url, tmp / "server.log", cli=True, env={"TMPDIR": str(tmpdir)},
                    args=["--max-upload-mb", "1", "--max-body-mb", "0.0625"]).start()
    yield server, w, tmpdir
    server.kill()


def test_declared_oversized_json_body_is_refused_before_it_is_sent(capped):
    server, w, _ = capped
    status, _, body, _ = raw_request(
        server.url, "PUT", "/api/v1/datasets/d/records/1/response",
        {**_h(w.admin_token), "Content-Type": "application/json",
         "Content-Length": str(600 * MB)})
    _assert_413(status, body)
    assert "--max-body-mb" in orjson.loads(body)["error"]["message"]


def test_chunked_json_body_is_cut_off_at_the_cap(capped):
    server, w, _ = capped
    token = next(iter(w.annotators.values()))
    chunks = [b'{"values": {"note": "' + b"x" * 16_000] + [b"x" * 16_000] * 3000  # 48 MB
    status, _, body, sent = raw_request(
        server.url, "PUT", "/api/v1/datasets/d/records/1/response",
        {**_h(token), "Content-Type": "application/json"}, chunks, chunked=True)
    _assert_413(status, body)
    # loopback socket buffers hold a few MiB; a server reading on would take all 48 MB
    assert sent < 16 * MB, f"the server kept reading: {sent} bytes sent before the 413"


def test_declared_oversized_upload_is_refused_before_it_is_spooled(capped):
    server, w, tmpdir = capped
    status, _, body, _ = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records/upload",
        {**_h(w.admin_token), "Content-Type": "multipart/form-data; boundary=XyZ",
         "Content-Length": str(2 * MB)})
    _assert_413(status, body)
    assert "--max-upload-mb" in orjson.loads(body)["error"]["message"]
    assert list(tmpdir.rglob("*")) == []


def test_chunked_upload_is_cut_off_at_the_cap(capped):
    server, w, tmpdir = capped
    line = orjson.dumps({"id": "big", "text": "y" * 1000}) + b"\n"
    part = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n")
    chunks = itertools.chain([part], itertools.repeat(line * 32, 1500))  # about 48 MiB
    status, _, body, sent = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records/upload",
        {**_h(w.admin_token), "Content-Type": "multipart/form-data; boundary=XyZ"}, chunks,
        chunked=True)
    _assert_413(status, body)
    assert sent < 16 * MB, f"the server kept reading: {sent} bytes sent before the 413"
    assert list(tmpdir.rglob("*")) == []
    engine = make_engine(server.db_url)
    with session_scope(engine) as s:
        assert s.scalar(sa_select(func.count()).select_from(Record)) == 0
    engine.dispose()


def test_bulk_json_import_gets_the_upload_cap(capped):
    """A 200 KiB JSON import is over the 64 KiB body cap but under the upload cap."""
    server, w, _ = capped
    records = [{"id": f"r{i}", "text": "z" * 1000} for i in range(200)]
    r = httpx.post(f"{server.url}/api/v1/datasets/d/records", headers=_h(w.admin_token),
                   json={"records": records}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 200
    small = httpx.put(f"{server.url}/api/v1/datasets/d/records/1/response",
                      headers=_h(w.admin_token), json={"values": {"note": "x" * 200_000}})
    _assert_413(small.status_code, small.content)


# -- a busy database is a 503 ----------------------------------------------------------

def _assert_503(r: httpx.Response) -> None:
    assert r.status_code == 503, (r.status_code, r.text[:500])
    assert r.headers["retry-after"].isdigit()
    error = r.json()["error"]
    assert error["type"] == "unavailable" and "busy" in error["message"], error


def test_sqlite_locked_by_another_process_is_a_503(tmp_path):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    w = seed(url, annotators=1)
    token = next(iter(w.annotators.values()))
    server = Server(url, tmp_path / "server.log", env={"ACCORD_SQLITE_BUSY_MS": "300"}).start()
    try:
        api = httpx.Client(base_url=server.url + "/api/v1", timeout=60)
        holder = sqlite3.connect(sqlite_path(url), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's write transaction
        try:
            _assert_503(api.post("/users", headers=_h(w.admin_token),
                                 json={"name": "late", "role": "annotator"}))
            _assert_503(api.post("/datasets/d/next", headers=_h(token)))
            assert api.get("/datasets/d", headers=_h(w.admin_token)).status_code == 200
        finally:
            holder.rollback()
            holder.close()
        r = api.post("/users", headers=_h(w.admin_token), json={"name": "late",
                                                                "role": "annotator"})
        assert r.status_code == 201, r.text
    finally:
        server.kill()
    assert "Traceback" not in server.log()


@pytest.mark.postgres
def test_postgres_lock_timeout_is_a_503(pg_server, tmp_path):
    import psycopg

    url = pg_server.create_database("limits_lock")
    w = seed(url)
    server_url = url + "?options=-c%20lock_timeout%3D300"  # the server's sessions give up
    server = Server(server_url, tmp_path / "server.log").start()
    try:
        api = httpx.Client(base_url=server.url + "/api/v1", headers=_h(w.admin_token),
                           timeout=60)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as holder:
            holder.execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")  # reads go on
            _assert_503(api.post("/users", json={"name": "late", "role": "annotator"}))
            assert api.get("/users").status_code == 200
            holder.rollback()
        assert api.post("/users", json={"name": "late", "role": "annotator"}).status_code == 201
        engine = make_engine(url)
        with session_scope(engine) as s:
            assert s.scalar(sa_select(func.count()).select_from(User)
                            .where(User.name == "late")) == 1
        engine.dispose()
    finally:
        server.kill()


# -- one process on SQLite -------------------------------------------------------------

def test_serve_refuses_workers_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    done = run_cli("serve", "--db", url, "--workers", "2", "--port", "9")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "--workers" in done.stderr and "PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not Path(tmp_path / "accord.db").exists()
