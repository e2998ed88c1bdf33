"""SIGKILL the server while many annotators submit; no acknowledged submission is lost.

Each annotator thread records every submission the server acknowledged with
HTTP 200. After the kill and a restart on the same database, every
acknowledged response is stored with exactly the acknowledged values, the
record counters reconcile with the responses and leases tables, and the
annotators can finish the dataset with every record answered exactly
``overlap`` times.
"""

from __future__ import annotations

import threading

import pytest

from accord.io.importer import import_rows
from accord.store import make_engine
from tests.reliability.annotators import Tally, join_all, run_annotators
from tests.reliability.harness import Server, seed, wait_for
from tests.reliability.reconcile import reconcile, submitted_values

N_RECORDS = 100
N_ANNOTATORS = 12


def _world(db_url: str, n_records: int = N_RECORDS, n_annotators: int = N_ANNOTATORS):
    world = seed(db_url, annotators=n_annotators)
    engine = make_engine(db_url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"record {i}"})
                              for i in range(n_records)))
    return world, engine


def _check_acks(engine, tally: Tally) -> None:
    stored = submitted_values(engine, "d")
    lost = {k: v for k, v in tally.acks.items() if stored.get(k) != v}
    assert not lost, f"{len(lost)} acknowledged submissions lost or changed, e.g. " \
                     f"{list(lost.items())[:3]}"


def _kill_during_submits(db_url, tmp_path, *, rounds: int, workers: int) -> None:
    world, engine = _world(db_url)
    server = Server(db_url, tmp_path / "server.log", workers=workers).start()
    tally = Tally()
    try:
        for round_ in range(rounds):
            stop = threading.Event()
            threads = run_annotators(server.url, world.annotators, tally, stop=stop)
            target = len(tally.acks) + 30
            wait_for(lambda t=target: len(tally.acks) >= t or tally.errors, 120,
                     f"30 more acknowledged submissions (round {round_})")
            assert not tally.errors, tally.errors[:5]
            server.kill()  # SIGKILL, mid-traffic
            stop.set()
            join_all(threads, 60)
            assert not tally.errors, tally.errors[:5]
            server.start()
            _check_acks(engine, tally)
            reconcile(engine, "d").assert_ok()
        # finish the dataset after the crashes
        threads = run_annotators(server.url, world.annotators, tally)
        join_all(threads, 300)
        assert not tally.errors, tally.errors[:5]
        _check_acks(engine, tally)
        final = reconcile(engine, "d")
        final.assert_ok()
        assert final.completed == N_RECORDS and final.submitted == 2 * N_RECORDS
        assert final.leases == 0
        assert tally.transport_errors >= 1, "the kill did not interrupt any annotator"
    finally:
        server.kill()
        engine.dispose()


def test_server_killed_during_bulk_submits(db_url, tmp_path):
    workers = 1 if db_url.startswith("sqlite") else 2
    _kill_during_submits(db_url, tmp_path, rounds=1, workers=workers)


@pytest.mark.soak
@pytest.mark.parametrize("workers", [1, 2])
def test_server_killed_repeatedly_during_submits(db_url, tmp_path, workers):
    """Soak: five SIGKILLs in a row, with one and two workers."""
    _kill_during_submits(db_url, tmp_path, rounds=5, workers=workers)
