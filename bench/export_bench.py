"""Export benchmark: N records with 3 submitted responses each, exported to SFT JSONL and
Parquet, and as whole records (every response as JSON) to Parquet and JSONL.

    python bench/export_bench.py [N] [--db URL | --db postgres] [--keep DIR] [--only NAME,...]

``--db postgres`` starts a throw-away PostgreSQL cluster for the run (the
tests' ``tests/pg.py``, Debian's binaries) and reports the server's CPU time
per export next to the client's; with ``--keep DIR`` the cluster is kept in
``DIR/pg`` and the next run starts it again with its populated database, as
a kept SQLite file is reused.

The database is populated through accord.store (the import's upsert and the
bulk response insert), then each export runs in its own child process
through accord.io.exporters.export_dataset (the code path of ``accord
export``), which reports its wall time and peak RSS. Prints one table row per
export, with its CPU time (all threads): when other jobs share the cores, the
wall time grows but the CPU time does not. The targets (docs/benchmarks.md):
1,000,000 records in <= 15 s and <= 300 MB each, on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from peak_rss import peak_rss_mb  # bench/ is sys.path[0] when a bench runs as a script

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = {
    "guidelines": "Rate the response, then rewrite it to be better.",
    "fields": [{"name": "prompt", "type": "text"}, {"name": "response", "type": "text"}],
    "questions": [{"name": "quality", "type": "rating", "min": 1, "max": 5},
                  {"name": "rewrite", "type": "text", "field": "response"}],
    "distribution": {"overlap": 3},
}
EXPORTS = [("sft-prompt-completion", "sft.jsonl"), ("sft-prompt-completion", "sft.parquet"),
           ("parquet", "records.parquet"), ("jsonl", "records.jsonl")]


def _text(rng: random.Random, words: list[str], size: int) -> str:
    out = ""
    while len(out) < size:
        out += rng.choice(words) + " "
    return out[:size]


def populate(url: str, n: int, seed: int = 0) -> float:
    """Create the dataset, its records and 3 responses per record; returns seconds."""
    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import create_dataset
    from accord.store.export import iter_answers  # noqa: F401  (warm import)
    from accord.store.imported_responses import ensure_users, insert_submitted_fast
    from accord.store.models import utcnow
    from accord.store.records import RecordRow, upsert_records

    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9)))
             for _ in range(5000)]
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    stamp = utcnow()
    batch = 20_000
    with write_scope(engine) as s:
        ds = create_dataset(s, "bench", parse_settings(SETTINGS))
        users = list(ensure_users(s, ["ann1", "ann2", "ann3"]).values())
        for lo in range(0, n, batch):
            hi = min(n, lo + batch)
            upsert_records(s, ds.id, [RecordRow(f"rec-{i}", {
                "prompt": _text(rng, words, 150), "response": _text(rng, words, 200)},
                {"source": "bench"}) for i in range(lo, hi)], stamp=stamp)
        from sqlalchemy import select

        from accord.store.models import Record

        ids = s.scalars(select(Record.id).where(Record.dataset_id == ds.id)
                        .order_by(Record.id)).all()
        for lo in range(0, len(ids), batch):
            insert_submitted_fast(s, ds.id, [
                (rid, uid, {"quality": rng.randint(1, 5),
                            "rewrite": _text(rng, words, 120)}, 30.0)
                for rid in ids[lo:lo + batch] for uid in users], stamp=stamp)
        from sqlalchemy import update

        from accord.store.models import QUEUE_DONE

        s.execute(update(Record).where(Record.dataset_id == ds.id).values(
            submitted=3, claims=3, status="completed", queue_state=QUEUE_DONE))
    engine.dispose()
    return time.perf_counter() - started


def run_export(url: str, fmt: str, out: str) -> None:
    """Child process: one export, then print rows, seconds and peak RSS (MB)."""
    from accord.io.exporters.arrow_pool import jemalloc_for_exports
    from accord.store.export.sqlite import memory_statistics_off

    memory_statistics_off()  # as `accord export` does, before the first connection
    jemalloc_for_exports()  # and before pyarrow is loaded
    from accord.io.exporters import ExportOptions, export_dataset
    from accord.store import make_engine

    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    summary = export_dataset(engine, "bench", out, ExportOptions(fmt=fmt))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss = peak_rss_mb()
    print(orjson.dumps({"records": summary.records_read, "rows": summary.rows_written,
                        "seconds": seconds, "cpu": cpu, "rss_mb": rss}).decode())


def server_cpu(datadir: Path | None) -> float:
    """CPU seconds of a local PostgreSQL server so far: the postmaster, its exited children
    (reaped: counted in its ``cutime``) and its live ones (from /proc)."""
    if datadir is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    master = int((datadir / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master:
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        elif ppid == master:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default=None,
                        help="Database URL, or 'postgres' for a throw-away local cluster.")
    parser.add_argument("--keep", default=None, help="Reuse/keep the database in this directory.")
    parser.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--only", default=None,
                        help="Comma-separated output names to run (e.g. records.parquet).")
    args = parser.parse_args()
    if args.child:
        run_export(args.db, *args.child)
        return
    server = None
    if args.db == "postgres":
        sys.path.insert(0, str(ROOT))
        from tests.pg import PostgresServer  # the tests' throw-away cluster

        # with --keep, the cluster is kept in DIR/pg and started again from there
        server = PostgresServer(Path(args.keep) / "pg" if args.keep else None).start()
        args.db = server.url("bench") if _exists(server, "bench") else \
            server.create_database("bench")
    try:
        bench(args, server.datadir if server is not None else None)
    finally:
        if server is not None:
            server.stop()


def _exists(server, name: str) -> bool:  # type: ignore[no-untyped-def]
    import psycopg

    with psycopg.connect(server.url("postgres", driver=False)) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


def _populated(url: str) -> bool:
    """Whether the database already holds the bench's dataset (a kept database)."""
    from sqlalchemy import inspect, text

    from accord.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return "datasets" in inspect(conn).get_table_names() and conn.execute(
                text("SELECT 1 FROM datasets WHERE name = 'bench'")).first() is not None
    finally:
        engine.dispose()


def bench(args: argparse.Namespace, datadir: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        url = args.db or f"sqlite:///{work}/bench.db"
        if not (args.db and _populated(url) or not args.db and (work / "bench.db").exists()):
            print(f"populating {args.n:,} records x 3 responses ...", file=sys.stderr)
            print(f"populated in {populate(url, args.n):.0f} s", file=sys.stderr)
            if datadir is not None:  # what a loaded database has: statistics, visibility
                import psycopg

                with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
                    conn.execute("VACUUM ANALYZE")
        else:  # a kept database: bring its schema up to date
            from accord.store import make_engine, upgrade

            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
        load_before = os.getloadavg()[0]
        rows = []
        for fmt, name in EXPORTS:
            if args.only and name not in args.only.split(","):
                continue
            db_cpu = server_cpu(datadir)
            out = subprocess.run([sys.executable, __file__, "--db", url, "--child", fmt,
                                  str(work / name)], capture_output=True, text=True, check=True)
            result = orjson.loads(out.stdout.strip().splitlines()[-1])
            result["db_cpu"] = server_cpu(datadir) - db_cpu
            result["load"] = os.getloadavg()[0]
            rows.append((fmt, name, result))
    backend = url.split(":", 1)[0].split("+")[0]
    load = os.getloadavg()[0]
    print(f"| export | backend | records | rows | seconds | CPU s | DB CPU s | records/s | "
          f"peak RSS MB | load |  (load average {load_before:.1f} before, {load:.1f} after)")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fmt, name, r in rows:
        db = f"{r['db_cpu']:.1f}" if datadir is not None else "-"
        print(f"| {fmt} -> {name.split('.')[-1]} | {backend} | {r['records']:,} | {r['rows']:,} | "
              f"{r['seconds']:.1f} | {r['cpu']:.1f} | {db} | "
              f"{r['records'] / r['seconds']:,.0f} | {r['rss_mb']:.0f} | {r['load']:.1f} |")


if __name__ == "__main__":
    main()
