"""Dataset-health report benchmark: N records with 3 submitted responses each.

    python bench/report_bench.py [N] [--db URL] [--keep DIR]

The database is populated through accord.store (the import's upsert, the
bulk response insert and the suggestion writer): records with two metadata
slices (``source``: 5 values, ``lang``: 3 values), 30 annotators with a
``locale`` attribute, answers to a label question (3 labels) and a rating
question (1-5), and one model suggestion per record. The full report
(``accord report bench --slice source --slice lang --group-by locale``:
store passes, every statistic, markdown and JSON) then runs in a child
process that reports its wall time, CPU time and peak RSS. Target
(docs/benchmarks.md): 1,000,000 records in under 30 s.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from peak_rss import peak_rss_mb  # bench/ is sys.path[0] when a bench runs as a script

SETTINGS = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "sentiment", "type": "label", "labels": ["pos", "neg", "neutral"]},
                  {"name": "stars", "type": "rating", "min": 1, "max": 5}],
    "distribution": {"overlap": 3},
}
SOURCES = ["web", "mail", "forum", "chat", "phone"]
LANGS = ["en", "fr", "de"]
LOCALES = ["en-GB", "en-US", "fr-FR"]


def populate(url: str, n: int, seed: int = 0) -> float:
    """Create the dataset, records, 3 responses per record and suggestions; returns seconds."""
    from sqlalchemy import select, update

    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import create_dataset
    from accord.store.imported_responses import (
        ImportedSuggestion,
        ensure_users,
        insert_submitted_fast,
        write_suggestions,
    )
    from accord.store.models import QUEUE_DONE, Record, User, utcnow
    from accord.store.records import RecordRow, upsert_records
    from accord.store.users import set_user_attributes

    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    stamp = utcnow()
    batch = 20_000
    labels = ["pos", "neg", "neutral"]
    with write_scope(engine) as s:
        ds = create_dataset(s, "bench", parse_settings(SETTINGS))
        users = ensure_users(s, [f"ann{k}" for k in range(30)])
        for k, (_name, uid) in enumerate(sorted(users.items())):
            set_user_attributes(s, s.get(User, uid), {"locale": LOCALES[k % 3]})
        uids = list(users.values())
        for lo in range(0, n, batch):
            upsert_records(s, ds.id, [RecordRow(f"rec-{i}", {"text": f"record {i}"}, {
                "source": SOURCES[i % 5], "lang": LANGS[(i // 5) % 3]})
                for i in range(lo, min(n, lo + batch))], stamp=stamp)
        ids = s.scalars(select(Record.id).where(Record.dataset_id == ds.id)
                        .order_by(Record.id)).all()
        for lo in range(0, len(ids), batch):
            chunk = ids[lo:lo + batch]
            rows = []
            for rid in chunk:
                base = rid % 3
                for uid in rng.sample(uids, 3):
                    label = labels[base] if rng.random() < 0.7 else rng.choice(labels)
                    rows.append((rid, uid, {"sentiment": label, "stars": rng.randint(1, 5)},
                                 12.0))
            insert_submitted_fast(s, ds.id, rows, stamp=stamp)
            write_suggestions(s, [ImportedSuggestion(rid, "sentiment", labels[rid % 3], 0.8,
                                                     "model-a") for rid in chunk], stamp=stamp)
        s.execute(update(Record).where(Record.dataset_id == ds.id).values(
            submitted=3, claims=3, status="completed", queue_state=QUEUE_DONE))
    engine.dispose()
    return time.perf_counter() - started


def run_report(url: str) -> None:
    """Child process: the full report, then print records, seconds, CPU and peak RSS (MB)."""
    from accord.quality.health import render_json, render_markdown
    from accord.store import make_engine
    from accord.store.engine import session_scope
    from accord.workflow.report import dataset_report

    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        report = dataset_report(session, "bench", slices=["source", "lang"],
                                group_by=["locale"])
    markdown, data = render_markdown(report), render_json(report)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss = peak_rss_mb()
    print(orjson.dumps({"records": report["records"], "responses": report["responses"],
                        "seconds": seconds, "cpu": cpu, "rss_mb": rss,
                        "markdown_kb": len(markdown) / 1024, "json_kb": len(data) / 1024,
                        "warnings": len(report["warnings"])}).decode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--keep", default=None, help="Reuse/keep the database in this directory.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_report(args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        url = args.db or f"sqlite:///{work}/bench.db"
        if args.db or not (work / "bench.db").exists():
            print(f"populating {args.n:,} records x 3 responses ...", file=sys.stderr)
            print(f"populated in {populate(url, args.n):.0f} s", file=sys.stderr)
        out = subprocess.run([sys.executable, __file__, "--db", url, "--child"],
                             capture_output=True, text=True, check=True)
        r = orjson.loads(out.stdout.strip().splitlines()[-1])
    backend = url.split(":", 1)[0]
    print(f"| report | backend | records | responses | seconds | CPU s | records/s | "
          f"peak RSS MB |  (load average {os.getloadavg()[0]:.1f})")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    print(f"| full (2 slices, 1 group attribute, 2 questions, suggestions) | {backend} | "
          f"{r['records']:,} | {r['responses']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
          f"{r['records'] / r['seconds']:,.0f} | {r['rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
