"""Quality benchmark: aggregation accuracy and speed vs crowd-kit, DS at 1M, alpha at scale.

Run: ``.venv/bin/python bench/quality_bench.py``. crowd-kit (1.4.2) is the
reference for the crowd data sets; it is never a dependency of accord, so
install it by hand (``pip install crowd-kit==1.4.2``); without it the
crowd-kit columns say "n/a" and the script still runs.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from accord.quality import ReliabilityMatrix
from accord.quality.aggregation import AGGREGATORS, DawidSkene, MajorityVote
from accord.quality.agreement import krippendorff_alpha

SHARED = Path(__file__).resolve().parents[1] / "tests" / "data" / "crowd"
DATASETS = ("bluebird", "rte", "dog")
CROWDKIT_NAMES = {
    "mv": "MajorityVote",
    "wmv": "Wawa",
    "ds": "DawidSkene",
    "onecoin": "OneCoinDawidSkene",
    "mace": "MACE",
    "glad": "GLAD",
}


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def _load(name: str) -> tuple[dict[str, np.ndarray], dict[int, int]]:
    with open(SHARED / name / "labels.csv", newline="") as fh:
        rows = [(int(r["item"]), int(r["annotator"]), int(r["label"])) for r in csv.DictReader(fh)]
    with open(SHARED / name / "gold.csv", newline="") as fh:
        gold = {int(r["item"]): int(r["label"]) for r in csv.DictReader(fh)}
    cols = {k: np.array(v) for k, v in zip(("item", "annotator", "label"), zip(*rows))}
    return cols, gold


def _crowdkit() -> Any:
    try:
        import crowdkit.aggregation as ck
        import pandas as pd
    except ImportError as exc:
        print(f"note: crowd-kit not installed ({exc}); its columns show n/a", file=sys.stderr)
        return None
    return ck, pd


def _crowdkit_run(ck_mod: Any, method: str, cols: dict[str, np.ndarray]) -> Any:
    ck, pd = ck_mod
    df = pd.DataFrame({"task": cols["item"], "worker": cols["annotator"], "label": cols["label"]})
    model = getattr(ck, CROWDKIT_NAMES[method])()
    return model.fit_predict(df)


def crowd_table(ck_mod: Any) -> list[list[str]]:
    rows = []
    for name in DATASETS:
        cols, gold = _load(name)
        items = np.array(list(gold))
        truth = np.array([gold[i] for i in items])
        for method, cls in AGGREGATORS.items():
            result, seconds = _timed(lambda cls=cls, cols=cols: cls().fit_predict(cols), repeat=3)
            predicted = result.as_dict()
            acc = float(np.mean([predicted[i] == t for i, t in zip(items, truth)]))
            ck_acc = ck_time = "n/a"
            if ck_mod is not None:
                try:
                    series, ck_seconds = _timed(
                        lambda m=method, cols=cols: _crowdkit_run(ck_mod, m, cols))
                    ck_acc = f"{float(np.mean(series.loc[items].to_numpy() == truth)):.4f}"
                    ck_time = f"{ck_seconds:.3f}"
                except Exception as exc:  # report a broken reference, keep benchmarking
                    ck_acc = ck_time = f"error: {type(exc).__name__}"
            rows.append([name, method, f"{acc:.4f}", f"{seconds:.3f}", ck_acc, ck_time])
    return rows


def synthetic_annotations(
    n_items: int = 100_000,
    per_item: int = 10,
    n_annotators: int = 2_000,
    n_classes: int = 4,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """1,000,000 annotations: skewed classes, per-annotator confusion, 5% spammers.

    Each annotator has an accuracy drawn from Beta(4, 2) (mean 0.67) and a
    random confusion profile for errors; 5% always answer at random. Every
    item gets ``per_item`` distinct random annotators.
    """
    rng = np.random.default_rng(seed)
    prior = np.array([0.4, 0.3, 0.2, 0.1])[:n_classes]
    prior = prior / prior.sum()
    truth = rng.choice(n_classes, n_items, p=prior)
    skill = rng.beta(4, 2, n_annotators)
    spam = rng.random(n_annotators) < 0.05
    skill[spam] = 1.0 / n_classes
    error_profile = rng.dirichlet(np.ones(n_classes - 1), (n_annotators, n_classes))
    item = np.repeat(np.arange(n_items), per_item)
    # distinct annotators per item: a random start and a random step coprime with the pool size
    start = rng.integers(0, n_annotators, n_items)
    steps = np.array([s for s in range(1, n_annotators) if np.gcd(s, n_annotators) == 1])
    step = rng.choice(steps, n_items)
    annotator = ((start[:, None] + np.arange(per_item)[None, :] * step[:, None]) % n_annotators)
    annotator = annotator.reshape(-1)
    t = truth[item]
    right = rng.random(item.size) < skill[annotator]
    cum = np.cumsum(error_profile[annotator, t], axis=1)
    offset = (rng.random(item.size)[:, None] > cum).sum(axis=1)
    wrong = (t + 1 + np.minimum(offset, n_classes - 2)) % n_classes
    label = np.where(right, t, wrong)
    return {"item": item, "annotator": annotator, "label": label}, truth


def scale_table(ck_mod: Any) -> list[list[str]]:
    cols, truth = synthetic_annotations()
    rows = []
    for name, make in (("accord MajorityVote", MajorityVote), ("accord DawidSkene", DawidSkene)):
        result, seconds = _timed(lambda make=make: make().fit_predict(cols), repeat=3)
        acc = float(np.mean(result.labels == truth))
        rows.append([f"{name} (1M annotations)", f"{seconds:.3f}", f"{acc:.4f}"])
    if ck_mod is not None:
        for method in ("mv", "ds"):
            series, seconds = _timed(lambda m=method: _crowdkit_run(ck_mod, m, cols))
            acc = float(np.mean(series.sort_index().to_numpy() == truth))
            rows.append(
                [f"crowd-kit {CROWDKIT_NAMES[method]} (1M)", f"{seconds:.3f}", f"{acc:.4f}"]
            )
    rng = np.random.default_rng(1)
    truth_items = rng.integers(1, 6, 100_000)
    matrix = np.where(
        rng.random((50, 100_000)) < 0.7, truth_items, rng.integers(1, 6, (50, 100_000))
    )
    matrix = matrix.astype(np.float64)
    matrix[rng.random(matrix.shape) < 0.8] = np.nan
    reliability = ReliabilityMatrix(matrix)
    for level in ("nominal", "interval"):
        value, seconds = _timed(lambda lv=level: krippendorff_alpha(reliability, lv), repeat=5)
        rows.append([f"accord Krippendorff alpha {level} (50 x 100k, 80% missing)",
                     f"{seconds:.3f}", f"alpha={value:.4f}"])
    return rows


def _print(title: str, header: list[str], rows: list[list[str]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(f"\n{title}\n" + " | ".join(header))
        for row in rows:
            print(" | ".join(row))
        return
    table = Table(title=title)
    for h in header:
        table.add_column(h, justify="left" if h in ("data set", "method", "task") else "right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def main() -> None:
    if not SHARED.is_dir():
        print(f"crowd data not found at {SHARED}", file=sys.stderr)
        sys.exit(1)
    ck_mod = _crowdkit()
    if ck_mod is not None:
        import warnings

        warnings.filterwarnings("ignore")  # crowd-kit's pandas/sklearn deprecation noise
    _print(
        "Aggregation on crowd data with gold (accuracy; time in s, best of 3 for accord)",
        ["data set", "method", "accord acc", "accord s", "crowd-kit acc", "crowd-kit s"],
        crowd_table(ck_mod),
    )
    _print("Scale (time in s)", ["task", "seconds", "result"], scale_table(ck_mod))
    import scipy

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}")


if __name__ == "__main__":
    main()
