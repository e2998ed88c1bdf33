"""Login limits against a real ``accord serve``: the guessing address is slowed, no
account is ever locked, forwarded headers count only from configured proxies, and the
tries are taken atomically (issue 18, item 3).

Clients choose their real source address on the loopback network (127.0.0.0/8) with
``local_address``, so "another machine" is another real address, not a header.
Before: 100 failures sent from 127.0.0.1 with forged ``X-Forwarded-For`` made the
right password answer 429 for 15 minutes, and 150 concurrent guesses got 81 tries
against a limit of 10 on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from accord.store import make_engine
from accord.store.engine import write_scope
from accord.store.login_throttle import BUCKETS, address_key, take_try
from accord.store.users import create_user
from tests.conftest import run_cli
from tests.reliability.harness import Server, seed

PASSWORD = "Victim-Pa55-right"
PAIR, ADDRESS = BUCKETS


def _serve(db_url: str, tmp_path, *args: str, workers: int = 1) -> Server:
    seed(db_url)
    engine = make_engine(db_url)
    with write_scope(engine) as s:
        create_user(s, "victim", "annotator", PASSWORD)
    engine.dispose()
    return Server(db_url, tmp_path / "server.log", cli=True, workers=workers,
                  args=list(args)).start()


@pytest.fixture
def served(db_url, tmp_path):
    server = _serve(db_url, tmp_path)
    yield server
    server.kill()


def _client(source: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60)


def _login(server: Server, user: str, password: str, source: str = "127.0.0.1",
           forwarded: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with _client(source) as c:
        return c.post(f"{server.url}/api/v1/auth/login",
                      json={"username": user, "password": password}, headers=headers)


def test_a_stranger_slows_only_their_own_address(served):
    stranger, user = "127.0.0.5", "127.0.0.6"
    codes = [_login(served, "victim", f"guess-{i}", stranger).status_code
             for i in range(PAIR.burst + 1)]
    assert codes == [401] * PAIR.burst + [429]
    refused = _login(served, "victim", PASSWORD, stranger)
    assert refused.status_code == 429  # the stranger waits, even with the right password
    assert 1 <= int(refused.headers["retry-after"]) <= PAIR.refill_seconds
    assert refused.json()["error"]["type"] == "rate_limited"
    assert _login(served, "victim", PASSWORD, user).status_code == 200  # the user does not


def test_forged_forwarded_for_cannot_lock_a_user_out(served):
    """No proxy is configured: ``X-Forwarded-For`` is ignored, and 40 failures with a
    fresh forged address each all count against the sender's own address."""
    tries = 4 * PAIR.burst
    started = time.monotonic()
    codes = [_login(served, "victim", f"guess-{i}", "127.0.0.1",
                    forwarded=f"198.51.100.{i}").status_code for i in range(tries)]
    forged = _login(served, "victim", PASSWORD, "127.0.0.1", forwarded="203.0.113.200")
    elapsed = time.monotonic() - started
    # the bucket refills one try per refill_seconds: on a machine so loaded that the
    # tries took that long, the refilled tries are checked too (and may be the last one)
    refilled = int(elapsed // PAIR.refill_seconds)
    assert PAIR.burst <= codes.count(401) <= PAIR.burst + refilled, (codes, elapsed)
    assert codes.count(429) >= tries - PAIR.burst - refilled
    assert _login(served, "victim", PASSWORD, "127.0.0.2").status_code == 200
    # the forged address does not open a fresh budget either
    assert forged.status_code == 429 or (refilled and forged.status_code == 200), elapsed


def test_forwarded_for_counts_only_from_a_trusted_proxy(db_url, tmp_path):
    """With ``--trusted-proxies 127.0.0.1`` the proxy's ``X-Forwarded-For`` names the
    client: a stranger behind the proxy is slowed, the user behind it is not; a peer
    that is not a trusted proxy still cannot choose its address."""
    server = _serve(db_url, tmp_path, "--trusted-proxies", "127.0.0.1")
    try:
        codes = [_login(server, "victim", f"g-{i}", forwarded="203.0.113.9").status_code
                 for i in range(PAIR.burst + 1)]
        assert codes == [401] * PAIR.burst + [429]
        assert _login(server, "victim", PASSWORD, forwarded="198.51.100.7").status_code == 200
        codes = [_login(server, "victim", f"g-{i}", "127.0.0.9",
                        forwarded=f"192.0.2.{i}").status_code for i in range(PAIR.burst + 1)]
        assert codes == [401] * PAIR.burst + [429]
    finally:
        server.kill()


def test_concurrent_guesses_never_exceed_the_limit(db_url, tmp_path):
    """150 guesses at once (2 workers on PostgreSQL): each try is one atomic upsert, so
    exactly the bucket's tries are checked and every other guess gets 429."""
    workers = 1 if db_url.startswith("sqlite") else 2
    server = _serve(db_url, tmp_path, workers=workers)

    async def guesses() -> list[int]:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.7")
        limits = httpx.Limits(max_connections=150)
        async with httpx.AsyncClient(transport=transport, limits=limits, timeout=120) as c:
            rs = await asyncio.gather(*[c.post(
                f"{server.url}/api/v1/auth/login",
                json={"username": "victim", "password": f"guess-{i}"}) for i in range(150)])
        return [r.status_code for r in rs]

    try:
        started = time.monotonic()
        # a fresh thread: under xdist this worker may have run Playwright's sync API, whose
        # event loop stays set on the main thread, and asyncio.run refuses a running loop
        with ThreadPoolExecutor(1) as pool:
            codes = pool.submit(asyncio.run, guesses()).result()
        refills = int((time.monotonic() - started) / PAIR.refill_seconds)
        assert set(codes) <= {401, 429}, codes
        assert PAIR.burst <= codes.count(401) <= PAIR.burst + refills, codes.count(401)
    finally:
        server.kill()


def test_one_address_guessing_many_names_is_slowed(served):
    """The address's own bucket across names. All but the last two of its tries are
    taken the way the server takes them (an argon2 check per real attempt would take
    minutes on a loaded machine)."""
    source = "127.0.0.8"
    engine = make_engine(served.db_url)
    with write_scope(engine) as s:
        for _ in range(ADDRESS.burst - 2):
            assert take_try(s, address_key(source), time.time(), burst=ADDRESS.burst,
                            refill_seconds=ADDRESS.refill_seconds).granted
    engine.dispose()
    started = time.monotonic()
    codes: list[int] = []
    while 429 not in codes and len(codes) < 10:
        codes.append(_login(served, f"user{len(codes)}", "nope-nope", source).status_code)
    refills = int((time.monotonic() - started) / ADDRESS.refill_seconds)
    assert codes[-1] == 429 and set(codes[:-1]) == {401}
    assert 2 <= len(codes) - 1 <= 2 + refills, codes
    assert _login(served, "victim", PASSWORD, source).status_code == 429
    assert _login(served, "victim", PASSWORD, "127.0.0.6").status_code == 200


def test_long_user_names_are_counted(served):
    name = "n" * 128  # the longest accepted name; bucket keys are hashed to 64 characters
    codes = [_login(served, name, "wrong-wrong", "127.0.0.10").status_code
             for _ in range(PAIR.burst + 1)]
    assert codes == [401] * PAIR.burst + [429]


@pytest.mark.parametrize("value, says", [
    ("127.0.0.5/8", "'127.0.0.5/8' has host bits set: write 127.0.0.0/8 for the network or "
                    "127.0.0.5 for one address"),
    ("10.0.0.0/8, localhost", "'localhost' is not an IP address or network")])
def test_trusted_proxies_the_server_would_ignore_are_refused(tmp_path, value, says):
    """uvicorn reads each network strictly: ``127.0.0.5/8`` (host bits set) became a name
    that matches no peer, so the proxy's ``X-Forwarded-For`` was ignored and every user
    behind it counted under the proxy's address. Refused before anything starts."""
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    with socket.socket() as taken:  # had it started, it would have failed here, not served
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = run_cli("serve", "--db", url, "--port", port, "--trusted-proxies", value)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert says in " ".join(done.stderr.split()) and "Traceback" not in done.stderr
    assert "accord serving" not in done.stdout
