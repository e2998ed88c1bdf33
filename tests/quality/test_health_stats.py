"""The report's statistics against scipy, the quality module and brute force."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from accord.quality.agreement import krippendorff_alpha
from accord.quality.health import (
    Column,
    agreement_by_slice,
    chi_square_independence,
    coded_alpha,
    compare_groups,
    crosstab,
    pair_agreement,
    record_majority,
    slice_coverage,
    suggestion_agreement,
)
from accord.quality.health.distribution import binary_majority

answers = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 4), st.integers(0, 2)),
                   min_size=1, max_size=60, unique_by=lambda t: (t[0], t[1]))


def _arrays(rows):
    rec, ann, val = (np.array(c, dtype=np.int64) for c in zip(*rows))
    return rec, ann, val


def test_chi_square_matches_scipy_and_hand_computed_values():
    # 2x2 with expected counts 20 everywhere: chi2 = 4 * 10**2 / 20 = 20, V = sqrt(20 / 80)
    out = chi_square_independence([[30, 10], [10, 30]])
    assert out["chi2"] == pytest.approx(20.0) and out["dof"] == 1
    assert out["cramers_v"] == pytest.approx(0.5) and out["n"] == 80
    table = np.array([[12, 5, 0, 9], [0, 0, 0, 0], [4, 15, 0, 7], [6, 6, 0, 30]])
    ref = chi2_contingency(table[[0, 2, 3]][:, [0, 1, 3]], correction=False)
    got = chi_square_independence(table)
    assert got["chi2"] == pytest.approx(ref.statistic)
    assert got["p_value"] == pytest.approx(ref.pvalue)
    assert got["dof"] == 4
    assert got["cramers_v"] == pytest.approx(math.sqrt(ref.statistic / (table.sum() * 2)))
    assert chi_square_independence([[3, 4]]) is None


def test_chi_square_flags_sparse_tables():
    assert chi_square_independence([[1, 2], [2, 1]])["sparse"] is True
    assert chi_square_independence([[50, 60], [70, 40]])["sparse"] is False
    with pytest.raises(ValueError, match="2-D"):
        chi_square_independence([1, 2, 3])


@given(answers)
@settings(max_examples=60, deadline=None)
def test_record_majority_is_the_unique_most_frequent_label(rows):
    rec, _, val = _arrays(rows)
    got = record_majority(rec, val, 8, 3)
    for r in range(8):
        votes = Counter(v for rr, _, v in rows if rr == r).most_common()
        if not votes or (len(votes) > 1 and votes[0][1] == votes[1][1]):
            assert got[r] == -1
        else:
            assert got[r] == votes[0][0]


def test_binary_majority_per_label():
    chosen = np.array([[1, 0], [1, 1], [0, 1], [1, 0]], dtype=bool)
    got = binary_majority(np.array([0, 0, 0, 1]), chosen, 3)
    assert got.tolist() == [[1, 1], [1, 0], [-1, -1]]


@given(answers, st.lists(st.integers(0, 2), min_size=5, max_size=5))
@settings(max_examples=60, deadline=None)
def test_pair_agreement_counts_every_pair_of_answers(rows, groups_of):
    rec, ann, val = _arrays(rows)
    group = np.array(groups_of)[ann]
    agree, pairs = pair_agreement(rec, group, 3, val, 3)
    want_a, want_p = np.zeros((3, 3)), np.zeros((3, 3))
    for x, y in itertools.permutations(rows, 2):
        if x[0] == y[0]:
            ga, gb = groups_of[x[1]], groups_of[y[1]]
            want_p[ga, gb] += 1
            want_a[ga, gb] += x[2] == y[2]
    np.testing.assert_allclose(agree, want_a)
    np.testing.assert_allclose(pairs, want_p)


@given(answers)
@settings(max_examples=40, deadline=None)
def test_coded_alpha_is_krippendorffs_alpha_of_the_quality_module(rows):
    rec, ann, val = _arrays(rows)
    got = coded_alpha(rec, ann, val, 3)
    per_item = Counter(r for r, _, _ in rows)
    assert got["records"] == sum(1 for n in per_item.values() if n >= 2)
    if got["records"] == 0:
        assert got["alpha"] is None
        return
    ref = krippendorff_alpha([{"item": r, "annotator": a, "label": v} for r, a, v in rows],
                             "nominal")
    if math.isnan(ref):
        assert got["alpha"] is None
    else:
        assert got["alpha"] == pytest.approx(ref)


def test_agreement_by_slice_matches_alpha_on_each_slice_alone():
    rng = np.random.default_rng(3)
    rows = [(r, a, int(rng.integers(0, 2)) if r % 3 else a % 2)
            for r in range(30) for a in range(3)]
    rec, ann, val = _arrays(rows)
    column = Column.from_values(["x" if r % 3 else "y" for r in range(30)])
    got = {row["value"]: row for row in agreement_by_slice(rec, ann, val, 2, column, "ordinal")}
    for name, keep in (("x", lambda r: r % 3), ("y", lambda r: not r % 3)):
        ref = krippendorff_alpha([{"item": r, "annotator": a, "label": v}
                                  for r, a, v in rows if keep(r)], "ordinal")
        assert got[name]["alpha"] == pytest.approx(ref)
        assert got[name]["records"] == (20 if name == "x" else 10)


def test_compare_groups_within_alpha_and_distribution():
    rows = [(r, a, (r + (a >= 2)) % 2) for r in range(12) for a in range(4)]
    rec, ann, val = _arrays(rows)
    column = Column.from_values(["g1", "g1", "g2", "g2"])
    out = compare_groups(rec, ann, val, 2, column)
    g1, g2 = out["groups"]
    assert (g1["value"], g1["annotators"], g1["answers"], g1["alpha"]) == ("g1", 2, 24, 1.0)
    assert g2["counts"] == [12, 12] and g2["alpha"] == 1.0
    assert out["pairs"] == [["g1", "g1", 1.0, 12], ["g1", "g2", 0.0, 48], ["g2", "g2", 1.0, 12]]
    table = crosstab(column.codes[ann], 2, val, 2)
    ref = chi2_contingency(table, correction=False)
    assert out["chi_square"]["chi2"] == pytest.approx(ref.statistic)


def test_slice_coverage_counts_distinct_annotators():
    column = Column.from_values(["a", "a", "b", None])
    out = slice_coverage(column, np.array([0, 0, 1, 2]), np.array([5, 6, 5, 5]), min_records=2,
                         min_annotators=2)
    assert [(r["value"], r["records"], r["answered"], r["responses"], r["annotators"], r["gaps"])
            for r in out] == [("a", 2, 2, 3, 2, []),
                              ("b", 1, 1, 1, 1, ["too_few_records", "too_few_annotators"]),
                              ("(missing)", 1, 0, 0, 0, ["too_few_records", "no_responses",
                                                         "too_few_annotators"])]


def test_suggestion_agreement_by_brute_force():
    rng = np.random.default_rng(7)
    rows = [(r, a, int(rng.integers(0, 3))) for r in range(40) for a in range(3)]
    rec, ann, val = _arrays(rows)
    sugg = np.array([r % 3 if r % 5 else -1 for r in range(40)])
    column = Column.from_values(["even" if r % 2 == 0 else "odd" for r in range(40)])
    out = suggestion_agreement(rec, val, sugg, 3, column, numeric=True)
    for row in out["slices"]:
        parity = 0 if row["value"] == "even" else 1
        mine = [(r, v) for r, _, v in rows if r % 2 == parity and sugg[r] >= 0]
        assert row["answers"] == len(mine)
        assert row["answer_match"] == pytest.approx(np.mean([v == sugg[r] for r, v in mine]))
        assert row["mean_abs_diff"] == pytest.approx(np.mean([abs(v - sugg[r]) for r, v in mine]))
        majorities = []
        for r in {r for r, _ in mine}:
            votes = Counter(v for rr, v in mine if rr == r).most_common()
            if len(votes) == 1 or votes[0][1] > votes[1][1]:
                majorities.append(votes[0][0] == sugg[r])
        assert row["records"] == len(majorities)
        assert row["majority_match"] == pytest.approx(np.mean(majorities))
    assert suggestion_agreement(rec, val, np.full(40, -1), 3, column) is None
