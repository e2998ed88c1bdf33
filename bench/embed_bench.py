"""Embedding throughput and quality per backend, batch size and thread count.

    python bench/embed_bench.py [--texts 512] [--batches 8,32] [--threads 1,2]
                                [--backends torch,onnx,static] [--spinning] [--quality 400]

Texts: the first ``--texts`` databricks-dolly open_qa responses of at least 200
characters (tests/data/sft), cut to exactly 200 characters. For each backend
(``torch``: sentence-transformers fp32; ``onnx``: int8 on ONNX Runtime, see
accord/assist/onnx_embed.py; ``static``: the distilled token table of
accord/assist/static_embed.py, numpy, one thread), thread count and batch size it prints texts per
second of wall time and milliseconds of process CPU per text. On a shared
machine the wall rate depends on the load (printed with each run); CPU per
text does not, much: a machine with T idle cores runs about
``1000 * T / cpu_ms`` texts/s at T threads when ONNX Runtime scales.
``--spinning`` adds ``onnx-spin`` rows: the same model with ONNX Runtime's default
of intra-op threads spinning between operators (accord's before; it now lets them
sleep). Each row is the best of ``--repeat`` runs (default 3).

``--dataset N``: end to end instead, the code path of ``accord assist embed
DATASET --field text``: N of those texts (repeated, unique ids) imported into a
fresh SQLite database in a temporary directory, then ``embed_dataset`` with the
default backend, which reads, encodes and stores every record; prints records/s
of wall time and ms of process CPU per record.

``--quality N``: cosine of each backend's vectors to fp32's on N texts (SST-2
dev sentences and dolly responses) and recall@10 of each text's nearest
neighbours, the similarity-search view of the trade-off (``static`` is another model
with 256 dimensions: only its recall is comparable).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.assist.embeddings import load_embedder  # noqa: E402

DATA = ROOT / "tests" / "data"


def _texts(n: int) -> list[str]:
    rows = (json.loads(line) for line in
            (DATA / "sft" / "dolly_open_qa_2000.jsonl").read_text(encoding="utf-8").splitlines())
    return [r["response"][:200] for r in rows if len(r["response"]) >= 200][:n]


def _quality_texts(n: int) -> list[str]:
    sst = [json.loads(line)["text"] for line in
           (DATA / "sst2" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    dolly = [json.loads(line)["response"][:200] for line in
             (DATA / "sft" / "dolly_open_qa_2000.jsonl").read_text(encoding="utf-8")
             .splitlines()]
    return sst[:n // 2] + dolly[:n - n // 2]


def _run(embedder, texts: list[str], batch: int, repeat: int) -> tuple[float, float]:
    """Best texts/s of wall time and best ms of process CPU per text over ``repeat`` runs."""
    embedder.encode(texts[:batch], batch_size=batch)  # warm up
    rate, cpu_ms = 0.0, float("inf")
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        embedder.encode(texts, batch_size=batch)
        rate = max(rate, len(texts) / (time.perf_counter() - wall))
        cpu_ms = min(cpu_ms, 1000 * (time.process_time() - cpu) / len(texts))
    return rate, cpu_ms


def _load(backend: str, threads: int):
    if backend == "onnx-spin":
        from accord.assist.embeddings import MODEL_NAME, Embedder
        from accord.assist.onnx_embed import OnnxMiniLM

        return Embedder(OnnxMiniLM(threads=threads, spinning=True), MODEL_NAME, "onnx")
    return load_embedder(backend=backend, threads=threads)


def _end_to_end(texts: list[str], n: int) -> None:
    """Import ``n`` texts into a fresh SQLite database and embed them as the CLI does."""
    from accord.assist.embeddings import embed_dataset
    from accord.io import import_file
    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import create_dataset

    rows = (texts * (n // len(texts) + 1))[:n]
    with tempfile.TemporaryDirectory(prefix="accord-embed-bench-") as tmp:
        source = Path(tmp) / "texts.jsonl"
        source.write_text("".join(json.dumps({"external_id": f"r{i}", "text": t}) + "\n"
                                  for i, t in enumerate(rows)), encoding="utf-8")
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        try:
            upgrade(engine)
            with write_scope(engine) as session:
                create_dataset(session, "bench", parse_settings(
                    {"fields": [{"name": "text", "type": "text"}],
                     "questions": [{"name": "label", "type": "label", "labels": ["a", "b"]}]}))
            import_file(engine, "bench", source)
            embedder = load_embedder()  # loaded before the clock starts, as in a server
            cpu, wall = time.process_time(), time.perf_counter()
            summary = embed_dataset(engine, "bench", field="text", embedder=embedder)
            seconds = time.perf_counter() - wall
            cpu_ms = 1000 * (time.process_time() - cpu) / summary.written
        finally:
            engine.dispose()
    print(f"end to end ({embedder.backend}, {embedder.name}): {summary.written} records "
          f"embedded and stored in {seconds:.1f} s, {summary.written / seconds:.0f} records/s, "
          f"{cpu_ms:.1f} ms of CPU per record, load avg {os.getloadavg()[0]:.1f}")


def _recall_at_10(a: np.ndarray, b: np.ndarray) -> float:
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -1)
    np.fill_diagonal(sb, -1)
    na, nb = np.argsort(-sa, axis=1)[:, :10], np.argsort(-sb, axis=1)[:, :10]
    return float(np.mean([len(set(x) & set(y)) / 10 for x, y in zip(na, nb, strict=True)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=512)
    ap.add_argument("--batches", default="8,32")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--backends", default="torch,onnx,static")
    ap.add_argument("--spinning", action="store_true",
                    help="also onnx with spinning intra-op threads (the old default)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dataset", type=int, default=0,
                    help="end to end: import and embed this many records instead")
    ap.add_argument("--quality", type=int, default=400)
    args = ap.parse_args()
    backends = args.backends.split(",")
    if args.spinning and "onnx" in backends:
        backends.insert(backends.index("onnx"), "onnx-spin")
    texts = _texts(args.texts)
    if args.dataset:
        _end_to_end(texts, args.dataset)
        return
    print(f"{len(texts)} texts of {np.mean([len(t) for t in texts]):.0f} characters, "
          f"{os.cpu_count()} CPUs")
    print("| backend | threads | batch | texts/s (wall) | CPU ms/text | load avg |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend in backends:
        for threads in (int(t) for t in args.threads.split(",")):
            started = time.perf_counter()
            embedder = _load(backend, threads)
            load_s = time.perf_counter() - started
            for batch in (int(b) for b in args.batches.split(",")):
                rate, cpu_ms = _run(embedder, texts, batch, args.repeat)
                print(f"| {backend} | {threads} | {batch} | {rate:.0f} | {cpu_ms:.1f} | "
                      f"{os.getloadavg()[0]:.1f} |", flush=True)
            print(f"<!-- {backend} with {threads} threads loaded in {load_s:.1f} s -->")
    if args.quality:
        sample = _quality_texts(args.quality)
        ref = load_embedder(backend="torch").encode(sample)
        for backend in args.backends.split(","):
            vecs = load_embedder(backend=backend).encode(sample)
            cos = (f"cosine to fp32 mean {(ref * vecs).sum(axis=1).mean():.4f}, min "
                   f"{(ref * vecs).sum(axis=1).min():.4f}; " if vecs.shape == ref.shape else "")
            print(f"{backend}: {cos}recall@10 of neighbours {_recall_at_10(ref, vecs):.3f} "
                  f"({len(sample)} texts)")


if __name__ == "__main__":
    main()
