"""The real ``accord quality`` CLI, run in a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "accord", "quality", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=120,
    )


@pytest.fixture(scope="module")
def kripp_csv(tmp_path_factory, krippendorff2011) -> Path:
    path = tmp_path_factory.mktemp("cli") / "kripp.csv"
    matrix = krippendorff2011["data"]["matrix"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item", "annotator", "label", "comment"])
        for a, row in enumerate(matrix):
            for unit, value in enumerate(row):
                if value is not None:
                    w.writerow([f"u{unit + 1}", "ABCD"[a], value, "ignored"])
    return path


@pytest.mark.parametrize(("level", "metric"), [("nominal", "alpha"), ("interval", "alpha")])
def test_agree_json(kripp_csv, krippendorff2011, level, metric):
    proc = run("agree", kripp_csv, "--metric", metric, "--level", level, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)  # exactly one JSON object on stdout
    assert out["metric"] == metric and out["level"] == level
    assert abs(out["value"] - krippendorff2011["expected"][level]) <= 5e-4
    assert out["n_items"] == 11 and out["n_items_ignored"] == 1
    assert out["n_annotators"] == 4 and out["n_annotations"] == 41
    assert out["ci"] is None


def test_agree_table_with_interval(kripp_csv):
    proc = run("agree", kripp_csv, "--metric", "gwet", "--ci", "--resamples", "200")
    assert proc.returncode == 0, proc.stderr
    assert "0.7754" in proc.stdout and "bootstrap interval" in proc.stdout
    assert "items ignored (1 annotation)" in proc.stdout


def test_aggregate_writes_csv_and_gold_accuracy(shared_data, tmp_path):
    crowd = shared_data / "crowd" / "rte"
    out = tmp_path / "out.csv"
    proc = run(
        "aggregate", crowd / "labels.csv", "--method", "mv", "--gold", crowd / "gold.csv", "-o", out
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "accuracy against gold: 0.9187 (735/800 items)" in proc.stdout
        or "accuracy against gold: 0.9188 (735/800 items)" in proc.stdout
    )
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["item", "label", "confidence"]
    assert len(rows) == 800
    assert all(0.5 <= float(r["confidence"]) <= 1.0 for r in rows)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_aggregate_dawid_skene_beats_majority(shared_data, tmp_path):
    crowd = shared_data / "crowd" / "dog"
    proc = run(
        "aggregate",
        crowd / "labels.csv",
        "--method",
        "ds",
        "--gold",
        crowd / "gold.csv",
        "-o",
        tmp_path / "ds.csv",
    )
    assert proc.returncode == 0, proc.stderr
    accuracy = float(proc.stdout.split("accuracy against gold: ")[1].split()[0])
    assert accuracy > 0.8178


def test_aggregate_without_method_uses_the_default(shared_data, tmp_path):
    from accord.quality.aggregation import DEFAULT_METHOD

    crowd = shared_data / "crowd" / "bluebird"
    out = tmp_path / "pool.csv"
    proc = run("aggregate", crowd / "labels.csv", "--gold", crowd / "gold.csv", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert f"(method {DEFAULT_METHOD}," in proc.stdout
    # bluebird: majority vote 0.7593, the default 0.8889 (docs/benchmarks.md)
    assert "accuracy against gold: 0.8889 (96/108 items)" in proc.stdout
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["item", "label", "confidence"] and len(rows) == 108


def _bad_inputs(tmp: Path, shared: Path) -> list[tuple[list[str], str]]:
    (tmp / "empty.csv").write_text("")
    (tmp / "cols.csv").write_text("item,worker,label\n1,a,x\n")
    (tmp / "nan.csv").write_text("item,annotator,label\n1,a,x\n1,b,NaN\n")
    (tmp / "single.csv").write_text("item,annotator,label\n1,a,x\n2,b,y\n")
    (tmp / "gold.csv").write_text("item,label\n0,1\n1,maybe\n")
    labels = shared / "crowd" / "rte" / "labels.csv"
    out = tmp / "o.csv"
    return [
        (["agree", tmp / "empty.csv"], "empty.csv: file is empty"),
        (
            ["agree", tmp / "cols.csv", "--json"],
            "cols.csv:1: field 'annotator': missing column 'annotator' (needs item, annotator, "
            "label; found: item, worker, label)",
        ),
        (["aggregate", tmp / "nan.csv", "-o", out], "nan.csv:3: field 'label': NaN label"),
        (["agree", tmp / "single.csv"], "no item has two or more annotations"),
        (
            ["aggregate", labels, "--gold", tmp / "gold.csv", "-o", out],
            "gold.csv:3: field 'label': unknown gold label 'maybe'",
        ),
        (
            ["agree", labels, "--metric", "fleiss", "--level", "ordinal"],
            "'fleiss' is for nominal data only",
        ),
    ]


def test_bad_input_exits_2_with_a_located_message(tmp_path, shared_data):
    cases = _bad_inputs(tmp_path, shared_data)
    with ThreadPoolExecutor(max_workers=3) as pool:  # independent processes: run side by side
        procs = list(pool.map(lambda case: run(*case[0]), cases))
    for (args, message), proc in zip(cases, procs):
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert message in " ".join(proc.stderr.split()), (message, proc.stderr)
    assert not (tmp_path / "o.csv").exists()
