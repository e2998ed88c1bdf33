"""Where the annotator loop's CPU goes: next + submit cycles with the ASGI app called in-process.

    python bench/loop_profile.py build DIR [N_RECORDS] [--db postgres]   # database + token
    python bench/loop_profile.py run DIR [--cycles 3000] [--profile] [--top 40] [--db postgres]

``build`` makes the database ``bench/loop_bench.py`` makes (N records, default 100,000,
one annotator) as ``DIR/base.db`` with the annotator's token in ``DIR/token``. ``run``
copies it to ``DIR/work.db``, creates the server's app (``accord.server.app.create_app``)
and calls it directly as an ASGI application: no uvicorn, no sockets, no client beside
it, so the CPU the process spends per cycle is the app's own (process user + system time
over the cycles, after 200 warm-up cycles).

``--db postgres`` (both commands): the database is ``base`` in a PostgreSQL cluster kept in
``DIR/pg`` (tests/pg.py's settings), and ``run`` copies it to ``work`` (``CREATE DATABASE
... TEMPLATE``) and also prints the CPU of the cluster's processes per cycle (``/proc``).

``--profile`` samples the stack on a ``SIGPROF`` timer (``setitimer(ITIMER_PROF)``): the
timer runs on the process's CPU time, so each sample is CPU spent wherever the code is.
Sampling profilers outside the process (py-spy) count a runnable thread that is not
running as busy, which on a loaded machine blames whatever wakes another process. It
prints the share of samples per part (the table in docs/benchmarks.md), the functions
with the most samples of their own and the most samples below them.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import linecache
import os
import resource
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

def _line(f: str, line: int) -> str:
    return linecache.getline(f, line) if line else ""


# the driver's C calls have no frame of their own: a sample inside SQLite is on the line of
# the Python frame that called the driver
_SQL_CALLS = ("cursor.execute(", ".fetchall()", ".fetchone()", "dbapi_conn.execute(")
PARTS = (
    # (name, test on the innermost frame (file, function, line)); the first match wins
    ("SQLite: COMMIT", lambda f, n, line: ".commit()" in _line(f, line)
     and ("/accord/" in f or n.endswith("do_commit"))),
    ("SQLite: BEGIN IMMEDIATE and the busy-timeout pragmas",
     lambda f, n, line: n in ("_begin", "_configure_sqlite.<locals>._on_begin", "begin_now")
     and "execute(" in _line(f, line)),
    ("SQLite: statements (execute + fetch)",
     lambda f, n, line: "/accord/store/" in f and any(c in _line(f, line) for c in _SQL_CALLS)),
    ("psycopg (PostgreSQL's driver)", lambda f, n, line: "/psycopg" in f),
    ("SQLAlchemy", lambda f, n, line: "/sqlalchemy/" in f),
    ("FastAPI / Starlette / pydantic / anyio",
     lambda f, n, line: any(k in f for k in ("/fastapi/", "/starlette/", "/pydantic", "/anyio/"))),
    ("accord statement binding and rows (accord.store.direct)",
     lambda f, n, line: f.endswith("accord/store/direct.py")),
    ("accord server code (auth, access, routes, middleware, gates)",
     lambda f, n, line: "/accord/server/" in f),
    ("accord workflow, store and schema code", lambda f, n, line: "/accord/" in f),
    ("the driver and the sampler", lambda f, n, line: f.endswith("loop_profile.py")),
    ("other (stdlib: asyncio, hashlib, json, weakref, ...)", lambda f, n, line: True),
)


def _cluster(folder: Path) -> Any:
    """The PostgreSQL cluster kept in ``folder/pg``, started."""
    # appended: ``accord`` still comes from $PYTHONPATH (a before/after pair runs this file
    # against another checkout)
    sys.path.append(str(Path(__file__).resolve().parent.parent))
    from tests.pg import PostgresServer

    return PostgresServer(keep=folder / "pg").start()


def _recreate(pg: Any, name: str, template: str | None = None) -> str:
    import psycopg

    with psycopg.connect(pg.url("postgres", driver=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"'
                     + (f' TEMPLATE "{template}"' if template else ""))
    return str(pg.url(name))


def build(folder: Path, n: int, db: str) -> None:
    import loop_bench

    folder.mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        pg = _cluster(folder)
        try:
            tokens = loop_bench.build(_recreate(pg, "base"), n, folder, 1)
        finally:
            pg.stop()
    else:
        tokens = loop_bench.build(f"sqlite:///{folder / 'base.db'}", n, folder, 1)
    (folder / "token").write_text(tokens[0])


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class App:
    """Calls an ASGI app with one complete request and collects the response."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = [(b"host", b"127.0.0.1"),
                        (b"authorization", b"Bearer " + token.encode())]

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        headers = list(self.headers)
        if body:
            headers += [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path,
                 "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": headers, "client": ("127.0.0.1", 5000),
                 "server": ("127.0.0.1", 8000), "state": {}}
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        out: dict[str, Any] = {"body": b""}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return out["status"], out["body"]


class Sampler:
    def __init__(self) -> None:
        self.stacks: collections.Counter[tuple[tuple[str, str, int], ...]] = collections.Counter()

    def __call__(self, _sig: int, frame: Any) -> None:
        stack = [(frame.f_code.co_filename, frame.f_code.co_qualname, frame.f_lineno)]
        frame = frame.f_back
        while frame is not None:
            stack.append((frame.f_code.co_filename, frame.f_code.co_qualname, 0))
            frame = frame.f_back
        self.stacks[tuple(stack)] += 1

    def report(self, top: int) -> None:
        total = sum(self.stacks.values())
        if not total:
            print("no samples")
            return
        parts: collections.Counter[str] = collections.Counter()
        own: collections.Counter[tuple[str, str]] = collections.Counter()
        below: collections.Counter[tuple[str, str]] = collections.Counter()
        for stack, count in self.stacks.items():
            f, n, line = stack[0]
            parts[next(name for name, test in PARTS if test(f, n, line))] += count
            own[stack[0][:2]] += count
            for key in {s[:2] for s in stack}:
                below[key] += count
        print(f"\n{total} samples\n\n| part | share of the in-process CPU |\n|---|---:|")
        for name, count in parts.most_common():
            print(f"| {name} | {100 * count / total:.0f} % |")

        def short(key: tuple[str, str]) -> str:
            return f"{key[0].split('site-packages/')[-1].split('/accord/')[-1]}:{key[1]}"

        print("\nmost samples of their own:")
        for key, count in own.most_common(top):
            print(f"  {100 * count / total:5.1f} %  {short(key)}")
        print("\nmost samples below them:")
        for key, count in below.most_common(top):
            print(f"  {100 * count / total:5.1f} %  {short(key)}")


async def run(folder: Path, cycles: int, profile: bool, top: int, db: str,
              inline: bool = False) -> None:
    from loop_bench import cpu_seconds

    from accord.server.app import create_app
    from accord.store.checkpoint import WalCheckpointer
    from accord.store.engine import make_engine

    pg = checkpointer = None
    if db == "postgres":
        pg = _cluster(folder)
        engine = make_engine(_recreate(pg, "work", "base"))
    else:
        work = folder / "work.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copy(folder / "base.db", work)
        engine = make_engine(f"sqlite:///{work}")
        checkpointer = WalCheckpointer(engine)
        checkpointer.start()
    db_cpu = (lambda: cpu_seconds(pg.proc.pid)) if pg is not None else (lambda: 0.0)
    if inline:  # the unit of work on the event loop's thread, where SIGPROF's handler runs
        import accord.server.deps as deps

        async def in_line(fn: Any, *args: Any) -> Any:
            return fn(*args)

        deps.run_in_unit_thread = in_line  # type: ignore[assignment]
    try:
        client = App(create_app(engine), (folder / "token").read_text().strip())
        submit = orjson.dumps({"values": {"label": "pos"}, "status": "submitted"})

        async def cycle() -> None:
            status, body = await client.call("POST", "/api/v1/datasets/bench/next")
            assert status == 200, (status, body)
            rid = orjson.loads(body)["id"]
            status, body = await client.call(
                "PUT", f"/api/v1/datasets/bench/records/{rid}/response", submit)
            assert status == 200, (status, body)

        for _ in range(200):
            await cycle()
        gc.collect()
        gc.freeze()
        sampler = Sampler()
        if profile:
            signal.signal(signal.SIGPROF, sampler)
            signal.setitimer(signal.ITIMER_PROF, 0.002, 0.002)
        cpu0, db0, wall0 = _cpu(), db_cpu(), time.perf_counter()
        for _ in range(cycles):
            await cycle()
        cpu1, db1, wall1 = _cpu(), db_cpu(), time.perf_counter()
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()
        if pg is not None:
            pg.stop()
    database = f"PostgreSQL CPU {1000 * (db1 - db0) / cycles:.3f} ms/cycle, " if pg else ""
    print(f"{cycles} cycles: CPU {1000 * (cpu1 - cpu0) / cycles:.3f} ms/cycle, {database}"
          f"wall {1000 * (wall1 - wall0) / cycles:.3f} ms/cycle, "
          f"load average {os.getloadavg()[0]:.1f}")
    if profile:
        sampler.report(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("dir", type=Path)
    b.add_argument("n", nargs="?", type=int, default=100_000)
    b.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    r = sub.add_parser("run")
    r.add_argument("dir", type=Path)
    r.add_argument("--cycles", type=int, default=3000)
    r.add_argument("--profile", action="store_true")
    r.add_argument("--top", type=int, default=40)
    r.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    r.add_argument("--inline", action="store_true",
                   help="run a unit of work that would go to a worker thread inline (a "
                        "Python signal handler sees only the main thread: use with --profile)")
    args = parser.parse_args()
    if args.cmd == "build":
        build(args.dir, args.n, args.db)
    else:
        asyncio.run(run(args.dir, args.cycles, args.profile, args.top, args.db, args.inline))


if __name__ == "__main__":
    main()
