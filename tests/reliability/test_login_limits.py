"""Login rate limits against a real server: a stranger cannot lock a user out from the
stranger's own address, a distributed guess still hits a per-name ceiling, and long
user names do not break the counters (PostgreSQL checks the column width).

Client addresses come from ``X-Forwarded-For``, which uvicorn trusts from 127.0.0.1
(``proxy_headers``), as behind a local reverse proxy."""

from __future__ import annotations

import httpx
import pytest

from accord.server.routers.auth import (
    MAX_FAILURES_PER_IP,
    MAX_FAILURES_PER_USER,
    MAX_FAILURES_PER_USER_AND_IP,
    _key,
)
from accord.store import make_engine
from accord.store.audit import record_event
from accord.store.engine import write_scope
from accord.store.users import create_user
from tests.reliability.harness import Server, seed

PASSWORD = "Victim-Pa55-right"


@pytest.fixture
def served(db_url, tmp_path):
    seed(db_url)
    engine = make_engine(db_url)
    with write_scope(engine) as s:
        create_user(s, "victim", "annotator", PASSWORD)
    engine.dispose()
    server = Server(db_url, tmp_path / "server.log").start()
    yield server
    server.kill()


def _login(server: Server, user: str, password: str, ip: str) -> int:
    return httpx.post(f"{server.url}/api/v1/auth/login", json={"username": user,
                                                                "password": password},
                      headers={"X-Forwarded-For": ip}, timeout=60).status_code


def test_a_stranger_locks_out_only_their_own_address(served):
    stranger = "203.0.113.9"
    codes = [_login(served, "victim", f"guess-{i}", stranger)
             for i in range(MAX_FAILURES_PER_USER_AND_IP + 1)]
    assert codes == [401] * MAX_FAILURES_PER_USER_AND_IP + [429]
    # the stranger stays locked out, even with the right password ...
    assert _login(served, "victim", PASSWORD, stranger) == 429
    # ... while the user logs in from their own address
    assert _login(served, "victim", PASSWORD, "198.51.100.7") == 200


def test_a_distributed_guess_hits_the_per_user_ceiling(served):
    """Failures from many addresses, each below its own limit, add up per user name.

    All but the last address's failures are written as the server records them
    (an argon2 verification per real attempt would take minutes here)."""
    per_ip = MAX_FAILURES_PER_USER_AND_IP
    addresses = [f"192.0.2.{i}" for i in range(MAX_FAILURES_PER_USER // per_ip)]
    engine = make_engine(served.db_url)
    with write_scope(engine) as s:
        for ip in addresses[:-1]:
            for _ in range(per_ip):
                record_event(s, "login.failed", "login", _key("victim"))
                record_event(s, "login.failed", "login_ip", _key(ip))
                record_event(s, "login.failed", "login_user_ip", _key("victim", ip))
    engine.dispose()
    assert _login(served, "victim", PASSWORD, "198.51.100.7") == 200  # still below
    codes = [_login(served, "victim", f"g-{i}", addresses[-1]) for i in range(per_ip)]
    assert codes == [401] * per_ip
    # every address is below its own limit, but the name as a whole is not
    r = httpx.post(f"{served.url}/api/v1/auth/login",
                   json={"username": "victim", "password": PASSWORD},
                   headers={"X-Forwarded-For": "198.51.100.8"})
    assert r.status_code == 429 and r.headers["retry-after"] == "900"
    assert r.json()["error"]["type"] == "rate_limited"
    # another user is not affected
    assert _login(served, "admin", "whatever-wrong", "198.51.100.7") == 401


def test_one_address_guessing_many_names_is_limited(served):
    ip = "203.0.113.50"
    codes = [_login(served, f"user{i}", "nope-nope", ip) for i in range(MAX_FAILURES_PER_IP)]
    assert set(codes) == {401}
    assert _login(served, "victim", PASSWORD, ip) == 429
    assert _login(served, "victim", PASSWORD, "198.51.100.7") == 200


def test_long_user_names_are_counted(served):
    name = "n" * 128  # the longest accepted name; audit object ids hold 64 characters
    codes = [_login(served, name, "wrong-wrong", "203.0.113.77")
             for _ in range(MAX_FAILURES_PER_USER_AND_IP + 1)]
    assert codes == [401] * MAX_FAILURES_PER_USER_AND_IP + [429]
