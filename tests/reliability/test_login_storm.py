"""Login never stalls work (issue 18, item 3): an annotator's next + submit loop keeps
going while 24 clients hammer the login endpoint, on a real ``accord serve``.

argon2 (64 MiB, about 50 ms of CPU on an idle core, a second on this loaded test
machine) used to run inside the login's write transaction and the SQLite write gate:
24 wrong-password logins took an annotator from 199 cycles in 4 s to 0. Now it runs
in a small thread pool of its own, outside every transaction and gate, and the
per-address tries turn a guesser's surplus into cheap 429s.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from accord.io.importer import import_rows
from accord.store import make_engine
from accord.store.engine import write_scope
from accord.store.users import create_user
from tests.reliability.harness import Server, seed

STORM_PASSWORD = "Storm-Pa55-right"
PHASE_SECONDS = 4.0


def _annotator_cycles(url: str, token: str, seconds: float, most: int | None = None) -> int:
    """next + submit cycles one annotator completes in ``seconds`` (stopping at ``most``)."""
    cycles = 0
    with httpx.Client(base_url=url + "/api/v1", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as c:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (most is None or cycles < most):
            rec = c.post("/datasets/d/next")
            assert rec.status_code == 200, rec.text
            r = c.put(f"/datasets/d/records/{rec.json()['id']}/response",
                      json={"values": {"label": "pos"}, "status": "submitted"})
            assert r.status_code == 200, r.text
            cycles += 1
    return cycles


def _storm(url: str, stop: threading.Event, codes: list[int],
           clients: int = 12) -> list[threading.Thread]:
    """``clients`` clients looping successful logins (no limit applies to them) and as many
    guessing passwords from as many addresses."""
    def loop(password: str, source: str) -> None:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(transport=transport, timeout=120) as c:
            while not stop.is_set():
                try:
                    codes.append(c.post(f"{url}/api/v1/auth/login", json={
                        "username": "stormer", "password": password}).status_code)
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=loop, args=(STORM_PASSWORD, "127.0.0.1"), daemon=True)
               for _ in range(clients)]
    threads += [threading.Thread(target=loop, args=(f"wrong-{i}", f"127.0.3.{i + 1}"),
                                 daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    return threads


@pytest.mark.soak
def test_a_login_storm_does_not_stop_the_annotator_loop(db_url, tmp_path):
    """The full storm, with throughput compared (a load measurement: under ``soak``, where
    nothing else shares the machine's cores)."""
    quiet, stormy = _storm_run(db_url, tmp_path, records=20_000, phase=PHASE_SECONDS, clients=12)
    # argon2 still takes CPU (it is the point of argon2); the loop must keep going
    assert stormy >= max(5, quiet // 8), (quiet, stormy)


def test_a_short_login_storm_does_not_stop_the_annotator_loop(sqlite_url, tmp_path):
    """The default run's variant: a shorter, smaller storm; the loop must not stop (it went
    to 0 cycles when argon2 ran inside the write gate)."""
    _quiet, stormy = _storm_run(sqlite_url, tmp_path, records=200, phase=60, clients=6,
                                most=10)
    assert stormy == 10, stormy  # 10 cycles within a minute, on however loaded a machine


def _storm_run(db_url: str, tmp_path, *, records: int, phase: float, clients: int,
               most: int | None = None) -> tuple[int, int]:
    """Annotator cycles in ``phase`` seconds (at most ``most``) without, then with, a login
    storm."""
    w = seed(db_url, annotators=1)
    engine = make_engine(db_url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"record {i}"})
                              for i in range(records)))
    with write_scope(engine) as s:
        create_user(s, "stormer", "annotator", STORM_PASSWORD)
    engine.dispose()
    server = Server(db_url, tmp_path / "server.log", cli=True).start()
    token = next(iter(w.annotators.values()))
    stop = threading.Event()
    codes: list[int] = []
    threads: list[threading.Thread] = []
    try:
        # warm up: at most 20 cycles, or a fast machine's 0.5 s (600 cycles/s sequentially
        # on SQLite) used up the default run's 200 records before the measured phases
        _annotator_cycles(server.url, token, 0.5, 20)
        quiet = _annotator_cycles(server.url, token, phase, most)
        threads = _storm(server.url, stop, codes, clients)
        time.sleep(1.0)  # the storm is under way
        stormy = _annotator_cycles(server.url, token, phase, most)
        stop.set()
        for t in threads:  # the logins in flight are answered
            t.join(timeout=120)
    finally:
        stop.set()
        server.kill()
    print(f"\nannotator next+submit cycles in {phase:g} s: {quiet} quiet, {stormy} "
          f"during a storm of {2 * clients} login loops ({len(codes)} logins answered: "
          f"{codes.count(200)} x 200, {codes.count(401)} x 401, {codes.count(429)} x 429)")
    assert codes.count(200) > 0 and codes.count(401) > 0  # the storm was real
    return quiet, stormy
