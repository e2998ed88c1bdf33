"""A real uvicorn server on 127.0.0.1 per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from accord.store import make_engine, write_scope
from accord.store.models import Lease, Response
from accord.store.users import create_token, create_user
from tests.dbs import migrated


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    db_url: str
    admin_token: str
    proc: subprocess.Popen[bytes]

    def make_user(self, name: str, role: str = "annotator", password: str | None = None) -> str:
        engine = make_engine(self.db_url)
        try:
            with write_scope(engine) as s:
                user = create_user(s, name, role, password)
                return create_token(s, user)
        finally:
            engine.dispose()


    def pass_time(self, seconds: float) -> None:
        """Let ``seconds`` pass for every record handed out and every response saved (their
        start marks move back): a save's ``time_spent`` is capped at the wall-clock time
        since the record was handed out or last saved (accord.workflow.responses)."""
        delta = timedelta(seconds=seconds)
        engine = make_engine(self.db_url)
        try:
            with write_scope(engine) as s:
                for lease in s.scalars(select(Lease)):
                    lease.created_at -= delta
                for resp in s.scalars(select(Response)):
                    resp.updated_at -= delta
        finally:
            engine.dispose()


def start_server(db_url: str, *, workers: int = 1) -> LiveServer:
    engine = make_engine(migrated(db_url))
    with write_scope(engine) as s:
        admin = create_user(s, "admin", "admin", "admin-password-1")
        token = create_token(s, admin)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "ACCORD_DB": db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "accord.server.app:app_from_env", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120  # a deadline, not a wait: a loaded machine starts slowly
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return LiveServer(url, db_url, token, proc)
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    proc.stderr.close()
    raise RuntimeError("server did not start within 120 s")


def stop_server(server: LiveServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    if server.proc.stderr is not None:
        server.proc.stderr.close()


@pytest.fixture
def live_server(db_url):
    server = start_server(db_url)
    yield server
    stop_server(server)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_server(request, tmp_path_factory):
    """One server per test module and backend, for modules whose tests use their own dataset
    and user names; a module opts in with its own ``live_server`` fixture returning this one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('module-server') / 'accord.db'}"
    else:
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database(f"m{os.getpid()}_{abs(hash(request.module.__name__))}")
    server = start_server(url)
    yield server
    stop_server(server)
