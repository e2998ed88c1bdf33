"""Annotator-loop benchmark: next + submit against a real uvicorn on 127.0.0.1.

    python bench/loop_bench.py [N_RECORDS] [--db URL|postgres] [--workers W]
                               [--clients 8,50] [--seconds 20] [--pin]

Builds a dataset of N records (default 1,000,000) through the import code
path, fills the records' full-text index (as the server's indexer thread would
during the run), starts ``accord serve``'s app under uvicorn (``--workers``, default 1),
then measures: sequential next/submit latency (p50/p99 ms), and closed-loop
runs with C concurrent clients, each its own annotator in its own process
(p50/p99 ms of each call, cycles/s), plus the server's peak RSS.

``--db postgres`` starts a throw-away PostgreSQL cluster the way the tests do
(tests/pg.py) and removes it afterwards. Server CPU per next + submit cycle
(user + system time of the uvicorn processes, from /proc, with the user and system
shares beside it) is the figure that does not depend on what else the machine runs; on
PostgreSQL the database backends' CPU per cycle is reported beside it.

``--transport tcp|unix`` (with ``--db postgres``): the server reaches the cluster over TCP
on 127.0.0.1 (default) or through its Unix-domain socket. A comma-separated list
(``tcp,unix,tcp,unix``) runs the measurements once per entry, in that order, each with a
fresh server on the one built database: interleaved pairs on the same data.

The server runs as ``accord serve`` runs it (uvicorn with uvloop and httptools, from
``uvicorn[standard]``; no forwarded headers, as without ``--trusted-proxies``). ``--pin``
runs the server on the machine's last CPU and the bench and its clients on the others
(``sched_setaffinity``), as a load generator on another machine would not share the
server's core: on 2 cores a sequential client and the server otherwise take turns on the
same core and each finds the CPU caches filled by the other. PostgreSQL's processes are
not pinned.
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
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests/pg.py
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
    # the server's text indexer would fill the full-text index of the fresh records while the
    # loop runs (accord/store/text_index.py), and the bench would measure that; fill it first
    from accord.store.text_index import fill_text_index

    started = time.perf_counter()
    fill_text_index(engine)
    print(f"filled the text index in {time.perf_counter() - started:.1f} s", file=sys.stderr)
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


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live descendants so far (what a request
    costs the server, whatever else the machine is doing): uvicorn's workers, or a
    PostgreSQL postmaster's backends."""
    return sum(cpu_times(pid)[:2])


def cpu_times(pid: int) -> tuple[float, float, int]:
    """:func:`cpu_seconds`'s user and system parts, and the context switches of the live
    threads of those processes so far (voluntary + involuntary: each is a wake-up after
    a wait, or a preemption)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    user, system, switches, todo = 0, 0, 0, [pid]
    while todo:
        p = todo.pop()
        fields = _stat(p)
        if fields is not None:
            user += int(fields[11])
            system += int(fields[12])
            switches += _switches(p)
        todo.extend(children.get(p, []))
    tick = os.sysconf("SC_CLK_TCK")
    return user / tick, system / tick, switches


def _switches(pid: int) -> int:
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0
    for task in tasks:
        try:
            for line in (task / "status").read_text().splitlines():
                if "ctxt_switches:" in line:
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class _Cpu:
    """CPU seconds of the server (and the database's processes, when it has them)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def now(self) -> list[tuple[float, float, int]]:
        return [cpu_times(p) for p in self.pids]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default=None,
                        help="database URL, or 'postgres' for a throw-away cluster")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", default="8,50",
                        help="comma-separated client counts for the concurrent runs "
                             "(0 or empty: sequential only)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sequential", type=int, default=500)
    parser.add_argument("--transport", default="tcp",
                        help="with --db postgres: tcp or unix, or a comma-separated list of "
                             "them run in turn on the same database (e.g. tcp,unix,tcp,unix)")
    parser.add_argument("--pin", action="store_true",
                        help="server on the last CPU, the bench and its clients on the others")
    args = parser.parse_args()
    if args.pin and len(os.sched_getaffinity(0)) < 2:
        parser.error("--pin needs at least 2 CPUs (one for the server, one for the clients)")
    args.cpus = pinning() if args.pin else (None, None)
    try:
        counts = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError:
        parser.error(f"--clients: expected comma-separated whole numbers, got {args.clients!r}")
    if any(c < 0 for c in counts):
        parser.error(f"--clients: a client count cannot be negative, got {args.clients!r}")
    concurrency = [c for c in counts if c > 0]
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    if not transports or any(t not in ("tcp", "unix") for t in transports):
        parser.error(f"--transport: expected tcp, unix or a list of them, got {args.transport!r}")
    if args.db != "postgres" and transports != ["tcp"]:
        parser.error("--transport applies to --db postgres (the bench's own cluster)")
    users = 1 + sum(concurrency)
    pg = None
    if args.db == "postgres":
        from tests.pg import PostgresServer

        pg = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if pg is not None:
                pg.create_database("bench")
                urls = [(t, pg.url("bench", unix=t == "unix")) for t in transports]
            else:
                urls = [("", args.db or f"sqlite:///{tmp}/loop.db")]
            tokens = build(urls[0][1], args.n, Path(tmp), users)
            for transport, url in urls:
                rows, peak = run(args, url, concurrency, tokens, pg)
                report(args, url, rows, peak, pg is not None, transport)
    finally:
        if pg is not None:
            pg.stop()


def _measure(cpu: _Cpu, calls):  # type: ignore[no-untyped-def]
    """Run ``calls()`` -> (nexts, subs, errors); returns them with the wall time and the
    CPU ms per cycle of each process tree in ``cpu``."""
    t0, c0 = time.perf_counter(), cpu.now()
    nexts, subs, errors = calls()
    elapsed = time.perf_counter() - t0
    cycles = max(len(nexts), 1)
    per = [((b[0] - a[0]) * 1000 / cycles, (b[1] - a[1]) * 1000 / cycles, (b[2] - a[2]) / cycles)
           for a, b in zip(c0, cpu.now(), strict=True)]
    return nexts, subs, errors, elapsed, per


def run(args, url, concurrency, tokens, pg):  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # as `accord serve --workers W` does: each worker's pool is the host's share / W
    # (docs/reliability.md, "Pool sizes")
    env = {**os.environ, "ACCORD_DB": url, "ACCORD_WORKERS": str(args.workers)}
    server_cpus, client_cpus = args.cpus
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "accord.server.app:app_from_env", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-proxy-headers", "--workers", str(args.workers)], env=env,
        preexec_fn=None if server_cpus is None else lambda: os.sched_setaffinity(0, server_cpus))
    if client_cpus is not None:
        os.sched_setaffinity(0, client_cpus)  # the client processes inherit it
    cpu = _Cpu([server.pid] + ([pg.proc.pid] if pg is not None else []))
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"the server did not start on port {port}")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[0]}"},
                          timeout=60) as client:
            for _ in range(20 * args.workers):
                cycle(client)  # warm-up (every worker)

            def sequential():  # type: ignore[no-untyped-def]
                nexts, subs = [], []
                for _ in range(args.sequential):
                    res = cycle(client)
                    nexts.append(res[0])
                    subs.append(res[1])
                return nexts, subs, 0

            nexts, subs, errors, elapsed, per = _measure(cpu, sequential)
        rows.append(("sequential", 1, nexts, subs, len(nexts) / elapsed, errors, per))
        offset = 1
        for c in concurrency:
            queue: mp.Queue = mp.Queue()
            procs = [mp.Process(target=worker, args=(base, tokens[offset + i], args.seconds,
                                                     queue)) for i in range(c)]
            offset += c

            def concurrent(procs=procs, queue=queue):  # type: ignore[no-untyped-def]
                for p in procs:
                    p.start()
                results = [queue.get() for _ in procs]
                for p in procs:
                    p.join()
                return ([x for r in results for x in r[0]], [x for r in results for x in r[1]],
                        sum(r[2] for r in results))

            nexts, subs, errors, elapsed, per = _measure(cpu, concurrent)
            rows.append((f"{c} clients", c, nexts, subs, len(nexts) / elapsed, errors, per))
        peak = max(peak_rss_mb(p) for p in [server.pid, *_children(server.pid)])
    finally:
        server.terminate()
        server.wait()
    return rows, peak


def pinning() -> tuple[set[int], set[int]]:
    """``--pin``: the server's CPU (the last one this process may use) and the others."""
    cpus = sorted(os.sched_getaffinity(0))
    return {cpus[-1]}, set(cpus[:-1])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def report(args, url, rows, peak, with_db_cpu, transport=""):  # type: ignore[no-untyped-def]
    backend = url.split(":", 1)[0].split("+")[0]
    if transport:
        backend += " over " + ("TCP (127.0.0.1)" if transport == "tcp" else
                               "its Unix-domain socket")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    pinned = ""
    if args.pin:
        server_cpus, client_cpus = args.cpus
        pinned = (f"; pinned: server on CPU {min(server_cpus)}, clients on CPU(s) "
                  f"{','.join(map(str, sorted(client_cpus)))}")
    print(f"records: {args.n:,} on {backend}, {args.workers} worker(s); server peak RSS "
          f"{peak:.0f} MB; load average at the end {load}{pinned}")
    db_col = " PostgreSQL CPU ms/cycle (user / sys), switches/cycle |" if with_db_cpu else ""
    print("| run | clients | next p50 ms | next p99 ms | submit p50 ms | submit p99 ms | "
          f"cycles/s | server CPU ms/cycle (user / sys), switches/cycle |{db_col} errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if with_db_cpu else "") + "---:|")

    def cpu(part: tuple[float, float, float]) -> str:
        return f"{part[0] + part[1]:.2f} ({part[0]:.2f} / {part[1]:.2f}), {part[2]:.1f}"

    for name, c, nexts, subs, rate, errors, per in rows:
        db = f" {cpu(per[1])} |" if with_db_cpu else ""
        print(f"| {name} | {c} | {statistics.median(nexts):.1f} | {_pct(nexts, 0.99):.1f} | "
              f"{statistics.median(subs):.1f} | {_pct(subs, 0.99):.1f} | {rate:.1f} | "
              f"{cpu(per[0])} |{db} {errors} |", flush=True)


if __name__ == "__main__":
    main()
