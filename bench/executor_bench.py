"""``assist embed`` and ``assist prelabel`` on each executor: in-process, a local process pool
and a local Ray cluster; records/s and whether the results are byte-identical.

    python bench/executor_bench.py [N_RECORDS] [--latency 0.05] [--concurrency 8]
                                   [--workers 2] [--skip-embed]

Records are SST-2 sentences (tests/data/sst2, repeated when N is larger). Pre-labelling
runs against ``tests/assist/fake_llm.py`` in its own process, waiting ``--latency`` s per
request (a stand-in for a model server), without the response cache; ``--concurrency`` is
the requests in flight per worker. Embeddings: all-MiniLM-L6-v2 (needs torch). Each run
counts from the command's start to its last write, so the pool's and Ray's worker start and
model load are inside ("cold"); Ray is run a second time with its workers up ("warm").
The 1-minute load average is printed with each row: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.assist import LLMClient, LLMConfig, PrelabelOptions, prelabel  # noqa: E402
from accord.prep.executors.local import LocalExecutor  # noqa: E402
from accord.prep.executors.ray import RayExecutor  # noqa: E402
from accord.schema import parse_settings  # noqa: E402
from accord.store import make_engine, session_scope, upgrade, write_scope  # noqa: E402
from accord.store.datasets import create_dataset  # noqa: E402
from accord.store.models import utcnow  # noqa: E402
from accord.store.records import RecordRow, upsert_records  # noqa: E402
from tests.assist.conftest import LABEL_SETTINGS  # noqa: E402


def _texts(n: int) -> list[str]:
    with open(ROOT / "tests/data/sst2/dev.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line)["text"] for line in fh]
    return [f"{rows[i % len(rows)]} p={0.5 + (i % 50) / 100:.2f}" for i in range(n)]


def _engine(path: Path, n: int):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with write_scope(engine) as s:
        ds = create_dataset(s, "reviews", parse_settings(LABEL_SETTINGS))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": t}, {})
                                  for i, t in enumerate(_texts(n))], stamp=utcnow())
    return engine


def _start_fake(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "tests.assist.fake_llm", "--port", str(port),
                             "--latency", str(latency), "--oracle", "probability"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(300):
        try:
            httpx.get(url + "/models", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the fake LLM server did not start")


def _dump(engine, what: str) -> bytes:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from accord.store.models import Record, Suggestion

    with session_scope(engine) as s:
        if what == "vectors":
            rows = sorted((r.external_id, r.vectors) for r in s.scalars(select(Record)))
        else:
            rows = sorted((s.get(Record, g.record_id).external_id, g.value, g.score, g.meta)
                          for g in s.scalars(select(Suggestion)))
    return json.dumps(rows, sort_keys=True).encode()


def _run(task: str, executor, n: int, url: str, args: argparse.Namespace,  # type: ignore[no-untyped-def]
         tmp: Path, name: str) -> tuple[float, bytes]:
    engine = _engine(tmp / f"{task}-{name}.db", n)
    started = time.perf_counter()
    try:
        if task == "embed":
            from accord.assist.embeddings import embed_dataset, load_embedder

            embed_dataset(engine, "reviews", field="text", executor=executor,
                          embedder=load_embedder() if executor is None else None,
                          batch_size=args.batch_size)
        else:
            config = LLMConfig(model="fake-1", base_url=url, concurrency=args.concurrency)
            with LLMClient(config) as client:
                prelabel(engine, "reviews", client,
                         PrelabelOptions("y", batch_size=args.batch_size), executor=executor)
        seconds = time.perf_counter() - started
        return seconds, _dump(engine, "vectors" if task == "embed" else "suggestions")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("records", nargs="?", type=int, default=872)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--skip-embed", action="store_true")
    args = parser.parse_args()
    proc, url = _start_fake(args.latency)
    ray = RayExecutor(num_cpus=args.workers)
    started = time.perf_counter()
    ray._ensure_ray()
    print(f"ray start {time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs; "
          f"{args.records} records, batch {args.batch_size}")
    print("| task | executor | records/s | seconds | identical to in-process | load |")
    print("|---|---|---:|---:|---|---:|")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for task in ("prelabel",) + (() if args.skip_embed else ("embed",)):
                base = None
                runs = [("in-process", None), (f"local ({args.workers} processes)",
                                               LocalExecutor(workers=args.workers)),
                        ("ray cold", ray), ("ray warm", ray)]
                for name, executor in runs:
                    seconds, data = _run(task, executor, args.records, url, args, Path(tmp),
                                         name.replace(" ", "_").split("(")[0])
                    base = data if base is None else base
                    print(f"| {task} | {name} | {args.records / seconds:,.1f} | {seconds:.1f} "
                          f"| {'yes' if data == base else 'NO'} | "
                          f"{os.getloadavg()[0]:.1f} |", flush=True)
    finally:
        ray.close()
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
