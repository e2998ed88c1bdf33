"""The record browser's filtered queries at 1M records, on SQLite and PostgreSQL.

    python bench/browser_bench.py [--records 1000000] [--repeat 15] [--backends sqlite,postgres]

Builds a dataset of ``--records`` records (a text field, metadata ``src`` and
``lang``), submitted responses of three annotators to 1 % of them, scored
suggestions on 10 % and a stored consensus with per-record agreement on the
answered ones, then times one page (50 records) of
:func:`accord.store.record_queries.list_records` (what ``GET /records``
runs) per filter, ``--repeat`` times each, and prints p50/p99 in ms. The
text queries run twice: first right after the import, when the full-text index
covers none of the records and the search scans them all (the "unindexed"
columns), then after :func:`accord.store.text_index.fill_text_index` (whose time
is printed) has indexed them, as the server's background thread does. The
PostgreSQL half runs on a throw-away cluster (tests/pg.py).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "intent", "type": "label", "labels": ["a", "b", "c"]}],
            "distribution": {"overlap": 3}}
WORDS = ("refund login shipping invoice password delivery account crash slow price order "
         "email card bank update cancel").split()


def populate(url: str, n: int, seed: int = 0) -> None:
    from sqlalchemy import select

    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.aggregates import replace_aggregates
    from accord.store.datasets import create_dataset
    from accord.store.imported_responses import ensure_users, insert_submitted_fast
    from accord.store.models import Record, utcnow
    from accord.store.records import RecordRow, upsert_records
    from accord.store.responses import replace_suggestions

    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    stamp = utcnow()
    with write_scope(engine) as s:
        ds = create_dataset(s, "bench", parse_settings(SETTINGS))
        ds_id = ds.id
        uids = list(ensure_users(s, ["ann1", "ann2", "ann3"]).values())
    for start in range(0, n, 20_000):
        rows = []
        for i in range(start, min(n, start + 20_000)):
            text = " ".join(rng.choice(WORDS) for _ in range(12))
            if i % 100_000 == 7:
                text += " needle"
            rows.append(RecordRow(f"r{i}", {"text": f"{i}: {text}"},
                                  {"src": "web" if i % 3 else "mail",
                                   "lang": "de" if i % 10 == 0 else "en"}))
        with write_scope(engine) as s:
            upsert_records(s, ds_id, rows, stamp=stamp)
    with write_scope(engine) as s:
        ids = list(s.scalars(select(Record.id).where(Record.dataset_id == ds_id)
                            .order_by(Record.id)))
        answered = ids[::100]
        insert_submitted_fast(s, ds_id, [(rid, uid, {"intent": rng.choice("aab")}, 5.0)
                                         for rid in answered for uid in uids], stamp=stamp)
        replace_suggestions(s, ds_id, "model", [(rid, "intent", "a", rng.random(), None)
                                                for rid in ids[::10]], stamp)
        replace_aggregates(s, ds_id, "intent", [
            {"record_id": rid, "value": "a", "confidence": 0.7,
             "agreement": rng.choice([1 / 3, 1.0]), "n_responses": 3} for rid in answered],
            "mv", stamp)
    _analyze(engine)
    engine.dispose()


def _analyze(engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: the statistics autovacuum gathers after an import."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def fill(url: str) -> float:
    """Index every record in the full-text index, as the server does in the background;
    returns seconds."""
    from accord.store import make_engine
    from accord.store.text_index import fill_text_index

    engine = make_engine(url)
    t0 = time.perf_counter()
    fill_text_index(engine)
    seconds = time.perf_counter() - t0
    _analyze(engine)
    engine.dispose()
    return seconds


def queries(uid: int) -> dict[str, dict]:  # type: ignore[type-arg]
    from accord.store.record_queries import RangeFilter

    return {
        "first page, no filter": {},
        "newest first": {"descending": True},
        "status = pending": {"status": "pending"},
        "metadata.lang = de": {"metadata": {"lang": "de"}},
        "text 'refund' (common)": {"text": "refund"},
        "text 'needle' (1 in 100,000)": {"text": "needle"},
        "annotator = ann1": {"annotator_id": uid},
        "response.intent = b": {"response_values": {"intent": "b"}},
        "agreement <= 0.5": {"agreement": RangeFilter(None, 0.5)},
        "suggestion score >= 0.9": {"score": RangeFilter(0.9, None)},
        "lang = de + text 'crash' + newest": {"metadata": {"lang": "de"}, "text": "crash",
                                              "descending": True},
    }


def measure(url: str, repeat: int, only_text: bool = False
            ) -> dict[str, tuple[float, float, int]]:
    from sqlalchemy import select

    from accord.store import make_engine, session_scope
    from accord.store.models import Dataset, User
    from accord.store.record_queries import list_records

    engine = make_engine(url)
    out = {}
    with session_scope(engine) as s:
        ds_id = s.scalar(select(Dataset.id).where(Dataset.name == "bench"))
        uid = s.scalar(select(User.id).where(User.name == "ann1"))
    for name, kwargs in queries(uid).items():
        if only_text and "text" not in kwargs:
            continue
        times, n = [], 0
        for _ in range(repeat):
            with session_scope(engine) as s:
                t0 = time.perf_counter()
                n = len(list_records(s, ds_id, limit=50, **kwargs))
                times.append(time.perf_counter() - t0)
        times.sort()
        p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
        out[name] = (statistics.median(times) * 1000, p99 * 1000, n)
        print(f"  {name:40} p50 {out[name][0]:9.1f} ms  p99 {out[name][1]:9.1f} ms  ({n})",
              flush=True)
    engine.dispose()
    return out


def _table(timings: dict, backends: list[str], suffix: str) -> None:
    """A Markdown table: a row per query, p50 and p99 ms per backend."""
    print("| query | " + " | ".join(f"{b} p50 ms | {b} p99 ms" for b in backends) + " |")
    print("|---|" + "---:|---:|" * len(backends))
    for name in next(iter(timings.values())):
        cells = " | ".join(f"{timings[b][name][0]:.1f} | {timings[b][name][1]:.1f}"
                           for b in backends)
        print(f"| {name}{suffix} | {cells} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    results, unindexed, fills = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            server = None
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            else:
                from tests.pg import PostgresServer

                server = PostgresServer().start()
                url = server.create_database("browser_bench")
            try:
                t0 = time.perf_counter()
                populate(url, args.records)
                print(f"{backend}: {args.records:,} records built in "
                      f"{time.perf_counter() - t0:.0f} s", flush=True)
                print(f"{backend}, the full-text index empty (right after the import):",
                      flush=True)
                unindexed[backend] = measure(url, args.repeat, only_text=True)
                fills[backend] = fill(url)
                print(f"{backend}: full-text index filled in {fills[backend]:.1f} s", flush=True)
                results[backend] = measure(url, args.repeat)
            finally:
                if server is not None:
                    server.stop()
    print(f"\n{args.records:,} records, a page of 50, {args.repeat} runs each; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    backends = list(results)
    _table(results, backends, "")
    print("\nthe text queries before the fill (every record in the scanned tail):\n")
    _table(unindexed, backends, " (unindexed)")
    print("\nfill: " + ", ".join(f"{b} {fills[b]:.1f} s" for b in backends))


if __name__ == "__main__":
    main()
