"""Annotator-loop benchmark: next + submit against a real uvicorn on 127.0.0.1.

    python bench/loop_bench.py [N_RECORDS] [--db URL] [--clients 8,50] [--seconds 20]

Builds a dataset of N records (default 1,000,000) through the import code
path, starts ``accord serve``'s app under uvicorn (1 worker), then measures:
sequential next/submit latency (p50/p99 ms), and closed-loop runs with C
concurrent clients, each its own annotator in its own process (p50/p99 ms of
each call, cycles/s), plus the server's peak RSS.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import generate  # noqa: E402
from peak_rss import peak_rss_mb  # noqa: E402

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "label", "type": "label", "labels": ["pos", "neg"],
                           "required": True}],
            "distribution": {"overlap": 3, "lease_seconds": 600}}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build(url: str, n: int, tmp: Path, users: int) -> list[str]:
    from accord.io import import_file
    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import add_member, create_dataset
    from accord.store.users import create_token, create_user

    engine = make_engine(url)
    upgrade(engine)
    tokens = []
    with write_scope(engine) as s:
        ds = create_dataset(s, "bench", parse_settings(SETTINGS))
        for i in range(users):
            u = create_user(s, f"ann{i}", "annotator")
            add_member(s, ds, u)
            tokens.append(create_token(s, u))
    data = tmp / "records.jsonl"
    generate(data, n)
    summary = import_file(engine, "bench", data)
    data.unlink()
    print(f"built {summary.inserted:,} records in {summary.seconds:.1f} s", file=sys.stderr)
    engine.dispose()
    return tokens


def cycle(client: httpx.Client) -> tuple[float, float] | None:
    t0 = time.perf_counter()
    r = client.post("/api/v1/datasets/bench/next")
    t1 = time.perf_counter()
    if r.status_code == 204:
        return None
    r.raise_for_status()
    rid = r.json()["id"]
    t2 = time.perf_counter()
    s = client.put(f"/api/v1/datasets/bench/records/{rid}/response",
                   json={"values": {"label": "pos"}, "status": "submitted"})
    t3 = time.perf_counter()
    s.raise_for_status()
    return (t1 - t0) * 1000, (t3 - t2) * 1000


def worker(base: str, token: str, seconds: float, out: mp.Queue[list]) -> None:
    nexts, submits, errors = [], [], 0
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        while time.perf_counter() < deadline:
            try:
                res = cycle(client)
            except httpx.HTTPError:
                errors += 1
                continue
            if res is None:
                break
            nexts.append(res[0])
            submits.append(res[1])
    out.put([nexts, submits, errors])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (what a request costs the server,
    whatever else the machine is doing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--clients", default="8,50")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sequential", type=int, default=500)
    args = parser.parse_args()
    concurrency = [int(c) for c in args.clients.split(",") if c]
    users = 1 + sum(concurrency)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/loop.db"
        tokens = build(url, args.n, Path(tmp), users)
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "ACCORD_DB": url}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "accord.server.app:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/api/v1/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise SystemExit(f"the server did not start on port {port}")
            rows = []
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"},
                              timeout=60) as client:
                for _ in range(20):
                    cycle(client)  # warm-up
                nexts, subs = [], []
                t0, c0 = time.perf_counter(), cpu_seconds(server.pid)
                for _ in range(args.sequential):
                    res = cycle(client)
                    nexts.append(res[0])
                    subs.append(res[1])
                elapsed = time.perf_counter() - t0
                cpu = (cpu_seconds(server.pid) - c0) * 1000 / max(len(nexts), 1)
            rows.append(("sequential", 1, nexts, subs, args.sequential / elapsed, 0, cpu))
            offset = 1
            for c in concurrency:
                queue: mp.Queue = mp.Queue()
                procs = [mp.Process(target=worker, args=(base, tokens[offset + i], args.seconds,
                                                         queue)) for i in range(c)]
                offset += c
                t0, c0 = time.perf_counter(), cpu_seconds(server.pid)
                for p in procs:
                    p.start()
                results = [queue.get() for _ in procs]
                for p in procs:
                    p.join()
                elapsed = time.perf_counter() - t0
                nexts = [x for r in results for x in r[0]]
                subs = [x for r in results for x in r[1]]
                errors = sum(r[2] for r in results)
                cpu = (cpu_seconds(server.pid) - c0) * 1000 / max(len(nexts), 1)
                rows.append((f"{c} clients", c, nexts, subs, len(nexts) / elapsed, errors, cpu))
            peak = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait()
    backend = url.split(":", 1)[0]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"records: {args.n:,} on {backend}; server peak RSS {peak:.0f} MB; "
          f"load average at the end {load}")
    print("| run | clients | next p50 ms | next p99 ms | submit p50 ms | submit p99 ms | "
          "cycles/s | server CPU ms/cycle | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, c, nexts, subs, rate, errors, cpu in rows:
        print(f"| {name} | {c} | {statistics.median(nexts):.1f} | {_pct(nexts, 0.99):.1f} | "
              f"{statistics.median(subs):.1f} | {_pct(subs, 0.99):.1f} | {rate:.1f} | "
              f"{cpu:.2f} | {errors} |")


if __name__ == "__main__":
    main()
