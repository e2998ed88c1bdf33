"""Quality benchmark: aggregation accuracy and speed vs crowd-kit, DS at 1M, alpha at scale.

Run: ``.venv/bin/python bench/quality_bench.py [--extra DIR ...] [--crowdkit-all]``.

- One table per crowd set (``tests/data/crowd``: bluebird, rte, dog): accuracy
  on gold and time of every classification aggregator of
  :data:`accord.quality.aggregation.AGGREGATORS` (``pool`` is the default),
  next to crowd-kit's model of the same name.
- ``--extra DIR``: a folder of more crowd sets, one sub-folder per set with
  the same ``labels.csv`` (item,annotator,label) and ``gold.csv``
  (item,label); reported in their own tables and summarised separately.
  These are not part of the repository (see docs/benchmarks.md for where the
  published ones come from).
- A summary: accuracy per set and method, the best-of-three oracle (per set,
  the best of MV, WMV and DS, which needs the gold labels to pick), and the
  means over the committed sets, the extra sets and all of them.

crowd-kit (1.4.2) is the reference; it is never a dependency of accord, so
install it by hand (``pip install crowd-kit==1.4.2``); without it the
crowd-kit columns say "n/a" and the script still runs. crowd-kit's MACE and
GLAD take minutes per set; they run only with ``--crowdkit-all``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from accord.quality import ReliabilityMatrix
from accord.quality.aggregation import AGGREGATORS, DEFAULT_METHOD, DawidSkene, MajorityVote
from accord.quality.agreement import krippendorff_alpha

COMMITTED = Path(__file__).resolve().parents[1] / "tests" / "data" / "crowd"
CROWDKIT_NAMES = {
    "mv": "MajorityVote",
    "wmv": "Wawa",
    "ds": "DawidSkene",
    "onecoin": "OneCoinDawidSkene",
    "glad": "GLAD",
    "mace": "MACE",
}
CROWDKIT_SLOW = ("glad", "mace")
ORACLE = ("mv", "wmv", "ds")


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def _number(values: list[str]) -> list[Any]:
    try:
        return [int(v) for v in values]
    except ValueError:
        return values


def _load(folder: Path) -> tuple[dict[str, np.ndarray], dict[Any, Any]]:
    with open(folder / "labels.csv", newline="") as fh:
        rows = [(r["item"], r["annotator"], r["label"]) for r in csv.DictReader(fh)]
    with open(folder / "gold.csv", newline="") as fh:
        gold_rows = [(r["item"], r["label"]) for r in csv.DictReader(fh)]
    items, annotators, labels = (_number(list(c)) for c in zip(*rows, strict=True))
    cols = {"item": np.array(items), "annotator": np.array(annotators),
            "label": np.array(labels)}
    gold_items, gold_labels = (_number(list(c)) for c in zip(*gold_rows, strict=True))
    return cols, dict(zip(gold_items, gold_labels, strict=True))


def _sets(folder: Path) -> list[tuple[str, Path]]:
    return [(d.name, d) for d in sorted(folder.iterdir())
            if (d / "labels.csv").is_file() and (d / "gold.csv").is_file()]


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


def crowd_set(ck_mod: Any, folder: Path, crowdkit_all: bool) -> tuple[list[list[str]], dict]:
    """Rows of one set's table and ``{method: accuracy}``."""
    cols, gold = _load(folder)
    items = list(gold)
    truth = np.array([gold[i] for i in items], dtype=object)
    rows, accs = [], {}
    for method, cls in AGGREGATORS.items():
        repeat = 1 if len(cols["item"]) > 50_000 else 3
        result, seconds = _timed(lambda cls=cls: cls().fit_predict(cols), repeat=repeat)
        predicted = result.as_dict()
        acc = float(np.mean([predicted[i] == t for i, t in zip(items, truth, strict=True)]))
        accs[method] = acc
        ck_acc = ck_time = "n/a"
        if method not in CROWDKIT_NAMES:
            ck_acc = ck_time = "-"
        elif ck_mod is not None and (crowdkit_all or method not in CROWDKIT_SLOW):
            try:
                series, ck_seconds = _timed(lambda m=method: _crowdkit_run(ck_mod, m, cols))
                got = series.loc[items].to_numpy(dtype=object)
                ck_acc = f"{float(np.mean(got == truth)):.4f}"
                ck_time = f"{ck_seconds:.3f}"
            except Exception as exc:  # report a broken reference, keep benchmarking
                ck_acc = ck_time = f"error: {type(exc).__name__}"
        elif ck_mod is not None:
            ck_acc = ck_time = "skipped"
        label = f"{method} (default)" if method == DEFAULT_METHOD else method
        rows.append([label, f"{acc:.4f}", f"{seconds:.3f}", ck_acc, ck_time])
    return rows, accs


def summary(results: dict[str, dict[str, float]], committed: set[str]) -> list[list[str]]:
    methods = list(AGGREGATORS)
    rows = []
    for name, accs in results.items():
        oracle = max(accs[m] for m in ORACLE)
        rows.append([name, *(f"{accs[m]:.4f}" for m in methods), f"{oracle:.4f}"])
    groups = [("mean, committed sets", [n for n in results if n in committed]),
              ("mean, extra sets", [n for n in results if n not in committed]),
              ("mean, all sets", list(results))]
    for title, names in groups:
        if not names or (title == "mean, all sets" and len(names) == len(groups[0][1])):
            continue
        means = [float(np.mean([results[n][m] for n in names])) for m in methods]
        oracle = float(np.mean([max(results[n][m] for m in ORACLE) for n in names]))
        rows.append([f"{title} ({len(names)})", *(f"{v:.4f}" for v in means), f"{oracle:.4f}"])
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
    makers = (("accord MajorityVote", MajorityVote), ("accord DawidSkene", DawidSkene),
              (f"accord {DEFAULT_METHOD} (default)", AGGREGATORS[DEFAULT_METHOD]))
    for name, make in makers:
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="folder of more crowd sets (labels.csv + gold.csv per sub-folder)")
    parser.add_argument("--crowdkit-all", action="store_true",
                        help="also run crowd-kit's MACE and GLAD (minutes per set)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 1M-annotation table")
    parser.add_argument("--markdown", action="store_true",
                        help="print the per-set summary as a Markdown table too")
    args = parser.parse_args()
    for folder in args.extra:
        if not folder.is_dir():
            parser.error(f"--extra {folder}: not a folder")
    ck_mod = _crowdkit()
    if ck_mod is not None:
        import warnings

        warnings.filterwarnings("ignore")  # crowd-kit's pandas/sklearn deprecation noise
    header = ["method", "accord acc", "accord s", "crowd-kit acc", "crowd-kit s"]
    sets = _sets(COMMITTED)
    committed = {name for name, _ in sets}
    for folder in args.extra:
        sets += [(name, d) for name, d in _sets(folder) if name not in committed]
    results = {}
    for name, folder in sets:
        rows, results[name] = crowd_set(ck_mod, folder, args.crowdkit_all)
        where = "committed" if name in committed else "extra"
        _print(f"{name} ({where}): accuracy on gold; time in s (best of 3 for accord)",
               header, rows)
    table = summary(results, committed)
    columns = ["data set", *AGGREGATORS, "oracle"]
    _print("Accuracy per set (oracle: best of mv, wmv, ds per set, picked with the gold labels)",
           columns, table)
    if args.markdown:
        print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
        for row in table:
            print("| " + " | ".join(row) + " |")
    if not args.no_scale:
        _print("Scale (time in s)", ["task", "seconds", "result"], scale_table(ck_mod))
    import scipy

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}")


if __name__ == "__main__":
    main()
