"""Spammer detection from the fitted confusion matrices (Raykar & Yu 2012)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from accord.quality import score_annotators
from accord.quality.spammers import SPAMMER_THRESHOLD, spammer_scores
from tests.quality.conftest import load_crowd


def _inject(rows, items, k, seed=0):
    """Three spammers on 200 items each: always label 1, uniform labels, 70/30 labels."""
    rng = np.random.default_rng(seed)
    out = list(rows)
    for name in ("const", "uniform", "skewed"):
        for item in rng.choice(items, 200, replace=False).tolist():
            if name == "const":
                label = 1
            elif name == "uniform":
                label = int(rng.integers(0, k))
            else:
                label = 0 if rng.random() < 0.7 else int(rng.integers(1, k))
            out.append((item, name, label))
    return out


@pytest.mark.parametrize("name,k", [("rte", 2), ("dog", 4)])
@pytest.mark.parametrize("method", ["ds", "mv"])
def test_injected_spammers_are_flagged_and_good_annotators_are_not(shared_data, name, k, method):
    rows, gold, _ = load_crowd(shared_data, name)
    items = sorted(gold)
    report = score_annotators(_inject(rows, items, k), gold=gold, method=method)
    by = {s.annotator: s for s in report.scores}
    assert by["const"].spammer == "constant"
    assert any(f.startswith("always gave label 1 (100% of 200 labels") for f in by["const"].flags)
    for spammer in ("uniform", "skewed"):
        assert by[spammer].spammer == "random", (spammer, by[spammer].spammer_score)
        assert any(f.startswith("answers at random") for f in by[spammer].flags)
        assert by[spammer].spammer_score < SPAMMER_THRESHOLD
    good = [s for s in report.scores if s.n_gold >= 20 and s.accuracy >= 0.75]
    assert len(good) > 20
    assert [s.annotator for s in good if s.spammer] == []
    assert min(s.spammer_score for s in good) > 2 * SPAMMER_THRESHOLD


def test_spammer_fields_in_the_rows():
    rows = [(i, a, i % 2) for i in range(20) for a in "abc"] + [(i, "s", 0) for i in range(20)]
    out = {r["annotator"]: r for r in score_annotators(rows).rows()}
    assert out["s"]["spammer"] == "constant" and out["s"]["spammer_score"] == pytest.approx(0)
    assert out["a"]["spammer"] is None and out["a"]["spammer_score"] == pytest.approx(1, abs=0.01)


def test_cli_annotators_lists_the_spammer_and_its_reason(shared_data, tmp_path):
    rows, gold, _ = load_crowd(shared_data, "rte")
    path = tmp_path / "labels.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["item", "annotator", "label"])
        writer.writerows(_inject(rows, sorted(gold), 2))
    cmd = [sys.executable, "-m", "accord", "quality", "annotators", str(path)]
    proc = subprocess.run([*cmd, "--flagged", "--json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    flagged = {r["annotator"]: r for r in json.loads(proc.stdout)}
    assert flagged["const"]["spammer"] == "constant"
    assert flagged["uniform"]["spammer"] == "random"
    assert all(r["flags"] for r in flagged.values())
    table = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "annotators flagged" in table.stdout and "spammer score" in table.stdout
    bad = subprocess.run(cmd[:-1] + [str(tmp_path / "missing.csv")], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "missing.csv" in bad.stderr


# -- properties of the score -------------------------------------------------------------


@st.composite
def confusions(draw):
    k = draw(st.integers(2, 5))
    w = draw(st.integers(1, 4))
    raw = draw(arrays(np.float64, (w, k, k), elements=st.floats(0.01, 1.0)))
    return raw / raw.sum(axis=2, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(conf=confusions(), data=st.data())
def test_score_is_in_unit_range_and_ignores_label_names(conf, data):
    score = spammer_scores(conf)
    assert np.all((score >= 0) & (score <= 1))
    k = conf.shape[1]
    perm = np.array(data.draw(st.permutations(range(k))))
    renamed = conf[:, perm][:, :, perm]
    np.testing.assert_allclose(spammer_scores(renamed), score, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(conf=confusions())
def test_equal_rows_score_zero_and_a_perfect_annotator_one(conf):
    k = conf.shape[1]
    same = np.repeat(conf[:, :1, :], k, axis=1)
    np.testing.assert_allclose(spammer_scores(same), 0.0, atol=1e-12)
    np.testing.assert_allclose(spammer_scores(np.eye(k)[None]), 1.0)


@settings(max_examples=60, deadline=None)
@given(sens=st.floats(0, 1), spec=st.floats(0, 1))
def test_two_labels_give_sensitivity_plus_specificity_minus_one_squared(sens, spec):
    conf = np.array([[[spec, 1 - spec], [1 - sens, sens]]])
    assert spammer_scores(conf)[0] == pytest.approx((sens + spec - 1) ** 2, abs=1e-12)


def test_rows_with_little_support_are_left_out_and_noise_is_taken_off():
    # met truth 0 twenty times and always said 0, truth 1 once: one usable row, no score
    conf = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]])
    assert np.isnan(spammer_scores(conf, np.array([[20.0, 1.0, 0.0]]))[0])
    # a coin flipper's estimated rows differ by sampling noise alone
    rng = np.random.default_rng(1)
    said = rng.integers(0, 2, (2, 100))
    rows = np.stack([np.bincount(s, minlength=2) / 100 for s in said])[None]
    raw = spammer_scores(rows)[0]
    corrected = spammer_scores(rows, np.array([[100.0, 100.0]]))[0]
    assert corrected < raw and corrected < 0.005
