"""Near-dedupe benchmark (accord vs datasketch) and the PII detection table.

Run from the repository root::

    .venv/bin/python bench/dedupe_bench.py             # 100,000 documents
    .venv/bin/python bench/dedupe_bench.py --docs 20000 --skip-pii

Corpus: :func:`accord.prep.synthetic.make_near_duplicate_corpus`, documents
of about 500 characters, 5% planted near duplicates with up to 10% of their
tokens edited. Both libraries get the same documents, the same shingles
(word bigrams), 128 permutations and threshold 0.5:

- accord, one process: :func:`accord.prep.dedupe_near.find_near_duplicates`
  (vectorized shingles and MinHash, LSH, verification, union-find);
- accord, pipeline: :func:`accord.prep.pipeline.run_prep` with near dedupe
  only, on the local executor (records serialized, two worker processes);
- datasketch: ``MinHash.update_batch`` per document and ``MinHashLSH``
  query-then-insert (the usual streaming dedupe).

datasketch is imported here only; it is not a dependency of accord.
Prints markdown tables (copy them into ``docs/benchmarks.md``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

from accord.prep.config import PrepConfig
from accord.prep.dedupe_near import find_near_duplicates
from accord.prep.pipeline import run_prep
from accord.prep.synthetic import make_near_duplicate_corpus, score_pairs

THRESHOLD = 0.5
NUM_PERM = 128
NGRAM = 2
_WORD = re.compile(r"\w+")


def bench_accord(texts: list[str]) -> tuple[float, np.ndarray, np.ndarray]:
    start = time.perf_counter()
    res = find_near_duplicates(
        texts, threshold=THRESHOLD, unit="word", ngram=NGRAM, num_perm=NUM_PERM
    )
    return time.perf_counter() - start, res.cluster_of, res.duplicate_of


def bench_pipeline(texts: list[str], workers: int) -> tuple[float, np.ndarray, np.ndarray]:
    records = [{"text": t} for t in texts]
    config = PrepConfig(
        fix=False,
        dedupe_exact=False,
        dedupe_near=True,
        near_threshold=THRESHOLD,
        shingle_size=NGRAM,
        num_perm=NUM_PERM,
        batch_size=2000,
        workers=workers,
    )
    start = time.perf_counter()
    result = run_prep(records, config, executor="local")
    seconds = time.perf_counter() - start
    step = next(s for s in result.report["steps"] if s["name"] == "dedupe_near")
    cluster_of = np.full(len(texts), -1, dtype=np.int64)
    duplicate_of = np.full(len(texts), -1, dtype=np.int64)
    for cluster in step["clusters"]:
        members = [m["index"] for m in cluster["members"]]
        cluster_of[members] = cluster["id"]
        duplicate_of[members[1:]] = cluster["representative"]["index"]
    return seconds, cluster_of, duplicate_of


def bench_datasketch(texts: list[str]) -> tuple[float, np.ndarray, np.ndarray]:
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    cluster_of = np.full(len(texts), -1, dtype=np.int64)
    duplicate_of = np.full(len(texts), -1, dtype=np.int64)
    for i, text in enumerate(texts):
        tokens = _WORD.findall(text.lower())
        shingles = {f"{a} {b}".encode() for a, b in pairwise(tokens)} or {text.encode()}
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch(list(shingles))
        hits = lsh.query(m)
        if hits:
            rep = min(hits)
            duplicate_of[i] = rep
            cluster_of[i] = cluster_of[rep] = rep
        else:
            lsh.insert(i, m)
    return time.perf_counter() - start, cluster_of, duplicate_of


def dedupe_table(n_docs: int, workers: int) -> str:
    corpus = make_near_duplicate_corpus(
        n_docs, doc_chars=500, dup_fraction=0.05, max_edit_fraction=0.10, seed=0
    )
    texts = corpus.texts
    runs = [
        ("accord, 1 process", lambda: bench_accord(texts)),
        (
            f"accord pipeline, local executor ({workers} workers)",
            lambda: bench_pipeline(texts, workers),
        ),
    ]
    if importlib.util.find_spec("datasketch") is not None:
        runs.append(("datasketch MinHash + MinHashLSH", lambda: bench_datasketch(texts)))
    else:
        print("datasketch is not installed (pip install datasketch): no reference row\n")
    rows = []
    for name, fn in runs:
        seconds, cluster_of, duplicate_of = fn()
        recall, precision = score_pairs(corpus.source_of, cluster_of, duplicate_of)
        rows.append((name, seconds, n_docs / seconds, recall, precision))
    base = rows[-1][2]
    reference = rows[-1][0].split(",")[0].split()[0]
    planted = sum(s >= 0 for s in corpus.source_of)
    lines = [
        (
            f"{n_docs:,} documents of ~500 characters, {planted:,} planted near duplicates "
            f"(<= 10% of tokens edited); word {NGRAM}-grams, {NUM_PERM} permutations, "
            f"threshold {THRESHOLD}."
        ),
        "",
        f"| implementation | seconds | docs/s | vs {reference} | recall | precision |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, seconds, rate, recall, precision in rows:
        lines.append(
            f"| {name} | {seconds:.2f} | {rate:,.0f} | {rate / base:.2f}x | {recall:.4f} "
            f"| {precision:.4f} |"
        )
    return "\n".join(lines)


def pii_table() -> str:
    from accord.prep.pii import PiiDetector
    from accord.prep.pii_eval import format_table, score_pii

    path = (
        Path(__file__).resolve().parents[1]
        / "tests"
        / "data"
        / "pii"
        / "synth_dataset_v2.jsonl"
    )
    if not path.is_file():
        raise SystemExit(f"PII data not found at {path}")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    detector = PiiDetector()
    start = time.perf_counter()
    table = score_pii(detector, items)
    seconds = time.perf_counter() - start
    return (
        f"presidio-research synth_dataset_v2 items 0-499 ({len(items)} texts), "
        "default threshold 0.4, "
        f"{len(items) / seconds:,.0f} texts/s; URL scored against the data's DOMAIN_NAME.\n\n"
        + format_table(table)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-pii", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}\n"
    )
    print("## Near dedupe\n")
    print(dedupe_table(args.docs, args.workers))
    if not args.skip_pii:
        print("\n## PII detection\n")
        print(pii_table())


if __name__ == "__main__":
    main()
