"""Soak benchmark: simulated annotators in a closed loop with think time, bounded in time.

    python bench/soak_bench.py [--db sqlite|postgres|URL] [--records 1000000]
                               [--annotators 100] [--seconds 300] [--think 1.0]
                               [--workers N] [--client-procs 4]

Builds a dataset of N records through the import code path, starts uvicorn on
127.0.0.1 (SQLite: 1 worker; PostgreSQL: 2, or ``--workers``), then runs
``--annotators`` annotators, each its own user and token, spread over
``--client-procs`` client processes: next -> think (uniform 0.5-1.5 x
``--think`` s) -> submit, until ``--seconds`` have passed. Prints one table
row per backend: cycles, requests/s, errors (any non-2xx answer or transport
error), p50/p99 latency of next and submit in ms; then reconciles the record
counters with the responses and leases tables. ``--db postgres`` starts a
throw-away PostgreSQL (tests/pg.py). Exit status 1 when there were errors or
the counters do not reconcile.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "label", "type": "label", "labels": ["pos", "neg"],
                           "required": True}],
            "distribution": {"overlap": 2, "lease_seconds": 600}}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build(url: str, n: int, users: int, tmp: Path) -> list[str]:
    """Schema, ``users`` annotators with tokens, and ``n`` records imported from JSONL."""
    from accord.io import import_file
    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import add_member, create_dataset
    from accord.store.users import create_token, create_user

    engine = make_engine(url)
    upgrade(engine)
    tokens = []
    with write_scope(engine) as s:
        ds = create_dataset(s, "soak", parse_settings(SETTINGS))
        for i in range(users):
            user = create_user(s, f"soak{i:03d}", "annotator")
            add_member(s, ds, user)
            tokens.append(create_token(s, user))
    data = tmp / "records.jsonl"
    pad = "the quick brown fox jumps over the lazy dog " * 5
    with open(data, "wb") as fh:
        for i in range(n):
            fh.write(orjson.dumps({"id": f"rec-{i}", "text": f"{i} {pad}"[:200],
                                   "batch": i // 1000}) + b"\n")
    started = time.perf_counter()
    summary = import_file(engine, "soak", data)
    print(f"built {summary.inserted:,} records in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    data.unlink()
    engine.dispose()
    return tokens


def start_server(url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "accord.server.app:app_from_env", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--log-level", "warning"], env={**os.environ, "ACCORD_DB": url},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def client_process(base: str, tokens: list[str], seconds: float, think: float,
                   seed: int, out: mp.Queue[dict]) -> None:
    """One client process: a thread per annotator, results summed into one dict."""
    import threading

    results = {"next": [], "submit": [], "errors": [], "cycles": 0, "empty": 0,
               "first_error_at": []}
    lock = threading.Lock()
    start = time.monotonic()
    end = start + seconds

    def annotator(token: str, rng: random.Random) -> None:
        lat_next: list[float] = []
        lat_submit: list[float] = []
        errors: list[str] = []
        first_error: float | None = None
        cycles = empty = 0
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base + "/api/v1", headers=headers, timeout=60) as http:
            time.sleep(rng.uniform(0, think))  # stagger the start
            while time.monotonic() < end:
                try:
                    t0 = time.perf_counter()
                    r = http.post("/datasets/soak/next")
                    lat_next.append(time.perf_counter() - t0)
                    if r.status_code == 204:
                        empty += 1
                        time.sleep(think)
                        continue
                    if r.status_code != 200:
                        errors.append(f"next {r.status_code} {r.text[:200]}")
                        continue
                    rid = r.json()["id"]
                    time.sleep(think * rng.uniform(0.5, 1.5))
                    t0 = time.perf_counter()
                    s = http.put(f"/datasets/soak/records/{rid}/response",
                                 json={"values": {"label": rng.choice(["pos", "neg"])},
                                       "status": "submitted"})
                    lat_submit.append(time.perf_counter() - t0)
                    if s.status_code != 200:
                        errors.append(f"submit {s.status_code} {s.text[:200]}")
                        continue
                    cycles += 1
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                if errors and first_error is None:
                    first_error = time.monotonic() - start
        with lock:
            if first_error is not None:
                results["first_error_at"].append(first_error)
            results["next"] += lat_next
            results["submit"] += lat_submit
            results["errors"] += errors
            results["cycles"] += cycles
            results["empty"] += empty

    threads = [threading.Thread(target=annotator, args=(t, random.Random(seed * 1000 + i)))
               for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def run(url: str, args: argparse.Namespace, workers: int, tmp: Path) -> dict:
    tokens = build(url, args.records, args.annotators, tmp)
    log = tmp / "server.log"
    proc, base = start_server(url, workers, log)
    started = time.perf_counter()
    try:
        queue: mp.Queue[dict] = mp.Queue()
        share = [tokens[i::args.client_procs] for i in range(args.client_procs)]
        procs = [mp.Process(target=client_process, args=(base, part, args.seconds, args.think,
                                                         k, queue))
                 for k, part in enumerate(share) if part]
        for p in procs:
            p.start()
        parts = [queue.get(timeout=args.seconds + 300) for _ in procs]
        for p in procs:
            p.join()
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a hung server does not shut down gracefully
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
    elapsed = time.perf_counter() - started
    lists = ("next", "submit", "errors", "first_error_at")
    merged = {k: sum((p[k] for p in parts), [] if k in lists else 0) for k in parts[0]}
    from accord.store import make_engine
    from tests.reliability.reconcile import reconcile

    engine = make_engine(url)
    check = reconcile(engine, "soak")
    engine.dispose()
    requests = len(merged["next"]) + len(merged["submit"])
    return {"backend": url.split(":")[0].split("+")[0], "workers": workers,
            "records": args.records, "annotators": args.annotators, "seconds": elapsed,
            "cycles": merged["cycles"], "req_s": requests / elapsed,
            "errors": len(merged["errors"]), "error_rate": len(merged["errors"]) / max(requests, 1),
            "next_p50": _pct(merged["next"], 0.5) * 1000, "next_p99": _pct(merged["next"], .99)
            * 1000, "submit_p50": _pct(merged["submit"], 0.5) * 1000,
            "submit_p99": _pct(merged["submit"], 0.99) * 1000,
            "first_error_s": min(merged["first_error_at"], default=None),
            "reconciled": not check.problems, "problems": check.problems[:5],
            "first_errors": merged["errors"][:5], "submitted": check.submitted}


def print_table(rows: list[dict]) -> None:
    head = (f"{'backend':<10} {'workers':>7} {'records':>9} {'annot.':>6} {'secs':>5} "
            f"{'cycles':>7} {'req/s':>6} {'errors':>6} {'next p50':>8} {'next p99':>8} "
            f"{'submit p50':>10} {'submit p99':>10} {'reconciled':>10}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['backend']:<10} {r['workers']:>7} {r['records']:>9,} {r['annotators']:>6} "
              f"{r['seconds']:>5.0f} {r['cycles']:>7,} {r['req_s']:>6.1f} {r['errors']:>6} "
              f"{r['next_p50']:>8.1f} {r['next_p99']:>8.1f} {r['submit_p50']:>10.1f} "
              f"{r['submit_p99']:>10.1f} {r['reconciled']!s:>10}")
    for r in rows:
        if r["first_error_s"] is not None:
            print(f"  {r['backend']}: first error after {r['first_error_s']:.0f} s")
        for e in r["first_errors"] + r["problems"]:
            print(f"  {r['backend']}: {e}")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", help="sqlite, postgres or a URL (repeatable)")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--client-procs", type=int, default=4)
    args = parser.parse_args(argv)
    rows = []
    for db in args.db or ["sqlite", "postgres"]:
        with tempfile.TemporaryDirectory(prefix="accord-soak-") as tmp:
            pg = None
            if db == "sqlite":
                url = f"sqlite:///{tmp}/soak.db"
            elif db == "postgres":
                from tests.pg import PostgresServer

                pg = PostgresServer().start()
                url = pg.create_database("soak")
            else:
                url = db
            try:
                workers = args.workers or (1 if url.startswith("sqlite") else 2)
                rows.append(run(url, args, workers, Path(tmp)))
            finally:
                if pg is not None:
                    pg.stop()
    print_table(rows)
    return rows


if __name__ == "__main__":
    results = main()
    sys.exit(0 if all(r["errors"] == 0 and r["reconciled"] for r in results) else 1)
