"""Similarity search ("More like this"): exact numpy search vs HNSW indexes.

    python bench/similarity_bench.py [--sizes 100000,1000000] [--libs exact,usearch,hnswlib,faiss]
                                     [--queries 200] [--dim 384]

Stored vectors are synthetic: random-normal, L2-normalized, 384 dimensions
(all-MiniLM-L6-v2's size). That is a worst case for graph indexes (no
cluster structure, high intrinsic dimension), so the recall printed here is a
floor for real sentence embeddings. For each size and library it prints the
build time, single-query latency p50/p99 (k=10, one thread of the caller, as a
server request runs it), recall@10 against the exact answer, and the
installed size of the library. The exact search is the one the server runs
(:class:`accord.assist.nearest.ExactIndex`), and so is the ``hnswlib`` row
(:class:`accord.assist.nearest.HnswIndex`); ``usearch`` and ``faiss`` (HNSW
flat) are called with the same M / ef parameters, for the choice.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from pathlib import Path

import numpy as np

K = 10


def _dir_size(mod: str) -> float | None:
    spec = importlib.util.find_spec(mod)
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    root = origin.parent if origin.name == "__init__.py" else origin
    site = root.parent
    total = sum(p.stat().st_size for p in (root.rglob("*") if root.is_dir() else [root])
                if p.is_file())
    for extra in site.glob(f"{mod.split('.')[0]}*.libs"):
        total += sum(p.stat().st_size for p in extra.rglob("*") if p.is_file())
    return total / 2**20


def vectors(n: int, dim: int, seed: int, clusters: int = 0) -> np.ndarray:
    """Unit vectors: random-normal, or around ``clusters`` random centres (topics)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).standard_normal((clusters, dim), dtype=np.float32) \
        if clusters else None
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - start), dim), dtype=np.float32)
        if centres is not None:
            block = block * 0.6 + centres[rng.integers(0, clusters, len(block))]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:start + len(block)] = block
    return out


def build(lib: str, ids: np.ndarray, matrix: np.ndarray):  # type: ignore[no-untyped-def]
    from accord.assist import nearest

    if lib == "exact":
        return nearest.ExactIndex(ids, matrix)
    if lib == "hnswlib":
        return nearest.HnswIndex.build(ids, matrix)
    if lib == "usearch":
        from usearch.index import Index

        index = Index(ndim=matrix.shape[1], metric="ip", dtype="f32",
                      connectivity=nearest.HNSW_M, expansion_add=nearest.HNSW_EF_CONSTRUCTION,
                      expansion_search=nearest.HNSW_EF_SEARCH)
        index.add(ids.astype(np.uint64), matrix, threads=os.cpu_count() or 1)

        class _U:
            def search(self, q: np.ndarray, k: int):  # type: ignore[no-untyped-def]
                found = index.search(q, k, threads=1)
                return found.keys, 1 - found.distances
        return _U()
    if lib == "faiss":
        import faiss

        faiss.omp_set_num_threads(os.cpu_count() or 1)
        index = faiss.IndexHNSWFlat(matrix.shape[1], nearest.HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = nearest.HNSW_EF_CONSTRUCTION
        index.add(matrix)
        index.hnsw.efSearch = nearest.HNSW_EF_SEARCH

        class _F:
            def search(self, q: np.ndarray, k: int):  # type: ignore[no-untyped-def]
                faiss.omp_set_num_threads(1)
                dist, pos = index.search(q[None, :], k)
                return ids[pos[0]], dist[0]
        return _F()
    raise SystemExit(f"unknown library {lib!r}")


_MODULE = {"exact": "numpy", "usearch": "usearch", "hnswlib": "hnswlib", "faiss": "faiss"}


def run(n: int, dim: int, libs: list[str], n_queries: int, clusters: int) -> list[dict]:
    matrix = vectors(n, dim, seed=n, clusters=clusters)
    ids = np.arange(1, n + 1, dtype=np.int64)
    queries = vectors(n_queries, dim, seed=1, clusters=clusters)
    from accord.assist.nearest import ExactIndex

    exact = ExactIndex(ids, matrix)
    truth = [set(exact.search(q, K)[0].tolist()) for q in queries]
    rows = []
    for lib in libs:
        if importlib.util.find_spec(_MODULE[lib]) is None:
            print(f"{lib}: not installed, skipped")
            continue
        t0 = time.perf_counter()
        index = build(lib, ids, matrix)
        built = time.perf_counter() - t0
        times, hits = [], 0
        for q, want in zip(queries, truth):
            t0 = time.perf_counter()
            got, _ = index.search(q, K)
            times.append(time.perf_counter() - t0)
            hits += len(want & set(np.asarray(got).tolist()))
        rows.append({"n": n, "lib": lib, "build_s": built,
                     "p50_ms": float(np.percentile(times, 50) * 1000),
                     "p99_ms": float(np.percentile(times, 99) * 1000),
                     "recall": hits / (K * len(queries)), "mib": _dir_size(_MODULE[lib])})
        print(f"  {n:>9,} {lib:8} build {built:7.1f} s  p50 {rows[-1]['p50_ms']:7.2f} ms  "
              f"p99 {rows[-1]['p99_ms']:7.2f} ms  recall@10 {rows[-1]['recall']:.3f}", flush=True)
        del index
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--libs", default="exact,hnswlib,usearch,faiss")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--clusters", type=int, default=0,
                    help="vectors around this many centres (0: plain random-normal)")
    args = ap.parse_args()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run(n, args.dim, args.libs.split(","), args.queries, args.clusters)
    print(f"\n{'random-normal' if not args.clusters else f'{args.clusters} clusters'}, "
          f"{args.dim} dimensions; load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores\n")
    print("| vectors | search | build s | p50 ms | p99 ms | recall@10 | install MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        mib = "–" if r["mib"] is None else f"{r['mib']:.0f}"
        print(f"| {r['n']:,} | {r['lib']} | {r['build_s']:.1f} | {r['p50_ms']:.2f} | "
              f"{r['p99_ms']:.2f} | {r['recall']:.3f} | {mib} |")


if __name__ == "__main__":
    main()
