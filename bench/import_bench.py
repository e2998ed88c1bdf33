"""Import benchmark: N synthetic records (200-character text, 3 metadata keys) into SQLite.

    python bench/import_bench.py [N] [--db URL]

Uses the same code path as ``accord import`` (accord.io.import_file) and
prints one table row: wall seconds, CPU seconds (user + system of the importing
process and any helper it started), records/s, peak RSS of the importing process and
the load average (1 minute) before and after the run: the wall time depends on what
else the 2 cores do, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from peak_rss import peak_rss_mb  # bench/ is sys.path[0] when a bench runs as a script


def generate(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9)))
             for _ in range(5000)]
    with open(path, "wb") as fh:
        for i in range(n):
            text = ""
            while len(text) < 200:
                text += rng.choice(words) + " "
            fh.write(orjson.dumps({"id": f"rec-{i}", "text": text[:200],
                                   "source": rng.choice(["web", "chat", "mail"]),
                                   "score": rng.random(), "batch": i // 1000}))
            fh.write(b"\n")


def run_import(path: Path, url: str, parallel: bool = False) -> None:
    """Child process: import and print seconds and peak RSS (MB)."""
    from accord.io import ImportOptions, import_file
    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import create_dataset

    engine = make_engine(url)
    upgrade(engine)
    with write_scope(engine) as session:  # one text field; the 3 other keys go to metadata
        create_dataset(session, "bench", parse_settings(
            {"fields": [{"name": "text", "type": "text"}],
             "questions": [{"name": "label", "type": "label", "labels": ["a", "b"]}]}))
    engine.dispose()
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    summary = import_file(engine, "bench", path, ImportOptions(parallel=parallel))
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    load_after = os.getloadavg()[0]
    rss = peak_rss_mb()
    engine.dispose()
    print(orjson.dumps({"n": summary.inserted, "seconds": seconds, "cpu": cpu, "rss_mb": rss,
                        "load": [load_before, load_after]}).decode())


def _cpu_seconds() -> float:
    """User + system CPU of this process and its waited-for children (a helper process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--parallel", action="store_true",
                        help="use the helper-process JSONL path (accord import --parallel)")
    args = parser.parse_args()
    if args.child:
        run_import(Path(args.child), args.db, args.parallel)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "records.jsonl"
        generate(data, args.n)
        url = args.db or f"sqlite:///{tmp}/bench.db"
        out = subprocess.run([sys.executable, __file__, "--child", str(data), "--db", url]
                             + (["--parallel"] if args.parallel else []),
                             capture_output=True, text=True, check=True)
        result = orjson.loads(out.stdout.strip().splitlines()[-1])
    rate = result["n"] / result["seconds"]
    backend = url.split(":", 1)[0]
    print("| benchmark | backend | records | wall s | CPU s | records/s | peak RSS MB | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    mode = "parallel" if args.parallel else "serial"
    before, after = result["load"]
    print(f"| import jsonl ({mode}) | {backend} | {result['n']:,} | {result['seconds']:.2f} | "
          f"{result['cpu']:.2f} | {rate:,.0f} | {result['rss_mb']:.0f} | "
          f"{before:.1f} -> {after:.1f} |")


if __name__ == "__main__":
    main()
