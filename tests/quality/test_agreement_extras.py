"""Alpha's two code paths, bootstrap intervals, span and ranking agreement, breakdowns."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from scipy.stats import kendalltau, spearmanr

from accord.errors import InputError
from accord.quality import ReliabilityMatrix, rank_matrix, ranks_from_order
from accord.quality.agreement import (
    agreement_by_label,
    agreement_by_question,
    bootstrap_ci,
    cohen_kappa,
    item_agreement,
    kendall_w,
    krippendorff_alpha,
    pairwise_agreement,
    pairwise_kendall_tau,
    span_agreement,
)


def _naive_interval_alpha(m: np.ndarray) -> float:
    """Krippendorff's definition written out pair by pair."""
    units = [col[~np.isnan(col)] for col in m.T]
    units = [u for u in units if len(u) >= 2]
    values = np.concatenate(units)
    n = len(values)
    d_o = (
        sum(
            sum((a - b) ** 2 for i, a in enumerate(u) for j, b in enumerate(u) if i != j)
            / (len(u) - 1)
            for u in units
        )
        / n
    )
    d_e = float(np.sum((values[:, None] - values[None, :]) ** 2)) / (n * (n - 1))
    return 1.0 - d_o / d_e

R = ReliabilityMatrix


@pytest.mark.parametrize("distinct", [20, 3000])  # dense coincidence path and moment path
def test_interval_alpha_matches_definition(distinct):
    rng = np.random.default_rng(distinct)
    truth = rng.normal(size=400)
    m = truth + rng.normal(scale=0.5, size=(4, 400))
    if distinct < 1024:
        m = np.round(m * distinct / 8) / (distinct / 8)
    m[rng.random(m.shape) < 0.3] = np.nan
    assert len(np.unique(m[~np.isnan(m)])) > (1024 if distinct > 1024 else 0)
    assert krippendorff_alpha(R(m), "interval") == pytest.approx(_naive_interval_alpha(m), abs=1e-9)


def test_ordinal_alpha_on_many_values_matches_definition():
    rng = np.random.default_rng(1)
    m = rng.integers(0, 100_000, size=(3, 700)).astype(float)
    m[1] = np.where(rng.random(700) < 0.7, m[0], m[1])
    m[2, :50] = np.nan
    pairable = (~np.isnan(m)).sum(axis=0) >= 2
    values, counts = np.unique(m[:, pairable][~np.isnan(m[:, pairable])], return_counts=True)
    assert len(values) > 1024  # the moment path
    # Krippendorff's ordinal metric = interval metric on "mid-rank" positions
    position = dict(zip(values.tolist(), (np.cumsum(counts) - counts / 2.0).tolist()))
    ranked = np.vectorize(lambda v: position.get(v, np.nan))(m)
    assert krippendorff_alpha(R(m), "ordinal") == pytest.approx(
        _naive_interval_alpha(ranked), abs=1e-9
    )


def test_bootstrap_is_seeded_and_brackets_the_value(krippendorff2011):
    data = krippendorff2011["data"]["matrix"]
    a = bootstrap_ci(R(data), "alpha", n_resamples=300, seed=7)
    b = bootstrap_ci(R(data), "alpha", n_resamples=300, seed=7)
    c = bootstrap_ci(R(data), "alpha", n_resamples=300, seed=8)
    assert a == b
    assert (a.low, a.high) != (c.low, c.high)
    assert a.low < a.value < a.high <= 1.0
    assert a.value == pytest.approx(0.7434210526, abs=1e-9)
    wider = bootstrap_ci(R(data), "alpha", n_resamples=300, seed=7, confidence=0.99)
    assert wider.low <= a.low and wider.high >= a.high


def test_bootstrap_narrows_with_more_items():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 2000)
    m = np.where(rng.random((3, 2000)) < 0.8, truth, rng.integers(0, 3, (3, 2000))).astype(float)
    small = bootstrap_ci(R(m[:, :100]), "fleiss", n_resamples=200)
    large = bootstrap_ci(R(m), "fleiss", n_resamples=200)
    assert (large.high - large.low) < (small.high - small.low)


def test_bootstrap_accepts_a_callable_and_validates():
    matrix = R([[1, 2, 1, 2, 1], [1, 2, 2, 2, 1]])
    ci = bootstrap_ci(matrix, lambda lf: float(len(lf)), n_resamples=20)
    assert ci.value == 10.0
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci(R([[1, 2], [1, 2]]), confidence=1.5)


def test_span_agreement_exact_and_partial():
    rows = [
        (
            "t1",
            "a",
            [{"start": 0, "end": 4, "label": "PER"}, {"start": 10, "end": 15, "label": "LOC"}],
        ),
        ("t1", "b", [(0, 4, "PER"), (9, 15, "LOC")]),
        ("t1", "c", [(0, 4, "ORG")]),
        ("t2", "a", []),
        ("t2", "b", []),
    ]
    exact = span_agreement(rows)
    assert exact.annotators == ["a", "b", "c"]
    np.testing.assert_allclose(exact.f1, exact.f1.T)
    assert exact.f1[0, 1] == pytest.approx(2 * 1 / 4)  # t2 adds no spans
    assert exact.f1[0, 2] == 0.0
    partial = span_agreement(rows, mode="partial")
    assert partial.f1[0, 1] == 1.0
    assert partial.f1[1, 2] == 0.0  # overlap but different label
    only_empty = span_agreement([("t", "a", []), ("t", "b", [])])
    assert only_empty.f1[0, 1] == 1.0
    never_shared = span_agreement([("t", "a", [(0, 1, "X")]), ("u", "b", [(0, 1, "X")])])
    assert math.isnan(never_shared.f1[0, 1]) and math.isnan(never_shared.mean)


def test_span_agreement_partial_is_one_to_one():
    rows = [("t", "a", [(0, 10, "X")]), ("t", "b", [(0, 4, "X"), (5, 10, "X")])]
    assert span_agreement(rows, mode="partial").f1[0, 1] == pytest.approx(2 * 1 / 3)


def test_span_input_errors():
    with pytest.raises(InputError, match="start < end"):
        span_agreement([("t", "a", [(5, 2, "X")])])
    with pytest.raises(InputError, match="span must be"):
        span_agreement([("t", "a", [{"begin": 0}])])


def test_kendall_w_against_mean_spearman_identity():
    rng = np.random.default_rng(3)
    ranks = np.array([rng.permutation(8) + 1 for _ in range(5)], dtype=float)
    m = ranks.shape[0]
    rho = np.mean([spearmanr(ranks[a], ranks[b]).statistic for a, b in combinations(range(m), 2)])
    # without ties: mean pairwise Spearman rho = (m W - 1) / (m - 1)
    assert rho == pytest.approx((m * kendall_w(ranks) - 1) / (m - 1), abs=1e-12)


def test_kendall_w_bounds_and_ties():
    assert kendall_w([[1, 2, 3, 4]] * 3) == pytest.approx(1.0)
    assert kendall_w([[1, 2], [2, 1]]) == pytest.approx(0.0)
    names, ranks = rank_matrix(
        [["a", ["b", "c"], "d"], ["a", "b", "c", "d"], [["a", "b"], "c", "d"]]
    )
    assert names == ["a", "b", "c", "d"]
    assert 0.0 < kendall_w(ranks) < 1.0
    with pytest.raises(InputError, match="complete"):
        kendall_w([[1, 2, np.nan], [1, 2, 3]])


def test_pairwise_kendall_tau_matches_scipy_with_ties():
    rng = np.random.default_rng(5)
    ranks = rng.integers(0, 4, (4, 9)).astype(float)
    tau = pairwise_kendall_tau(ranks)
    for a, b in combinations(range(4), 2):
        assert tau[a, b] == pytest.approx(kendalltau(ranks[a], ranks[b]).statistic, abs=1e-12)
        assert tau[a, b] == tau[b, a]


def test_ranks_from_order_and_errors():
    assert ranks_from_order(["c2", "c1", "c3"]) == {"c2": 1.0, "c1": 2.0, "c3": 3.0}
    assert ranks_from_order([["c2", "c1"], "c3"]) == {"c2": 1.5, "c1": 1.5, "c3": 3.0}
    with pytest.raises(InputError, match="twice"):
        ranks_from_order(["a", ["a", "b"]])
    with pytest.raises(InputError, match="missing"):
        rank_matrix([["a", "b"], ["a"]])


def test_agreement_by_question_and_levels():
    rows = []
    for i in range(6):
        for a in ("x", "y"):
            rows.append(
                {"item": i, "annotator": a, "question": "stars", "label": i % 3 + (a == "y")}
            )
            rows.append({"item": i, "annotator": a, "question": "topic", "label": "t" + str(i % 2)})
    out = agreement_by_question(rows, "alpha", {"stars": "interval"})
    assert list(out) == ["stars", "topic"]
    assert out["topic"] == pytest.approx(1.0)
    assert out["stars"] == pytest.approx(
        krippendorff_alpha([r for r in rows if r["question"] == "stars"], "interval")
    )
    with pytest.raises(InputError, match="missing column 'question'"):
        agreement_by_question([{"item": 1, "annotator": "a", "label": 1}])


def test_agreement_by_label_finds_the_confused_label():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    other = truth.copy()
    confused = (truth == 2) & (rng.random(300) < 0.5)
    other[confused] = 1  # label 2 is often called 1
    out = agreement_by_label(R(np.array([truth, other])), "alpha")
    assert out[0] == pytest.approx(1.0)
    assert out[2] < out[0] and out[1] < out[0]


def test_pairwise_agreement_matrix_matches_cohen():
    m = np.array(
        [[1, 2, 1, 2, 1, 2], [1, 2, 1, 1, 1, 2], [2, 2, 1, 1, np.nan, np.nan]], dtype=float
    )
    pa = pairwise_agreement(R(m), "cohen")
    assert pa.values[0, 1] == pytest.approx(cohen_kappa(m[0], m[1]), abs=1e-12)
    assert pa.values[0, 2] == pytest.approx(cohen_kappa(m[0, :4], m[2, :4]), abs=1e-12)
    assert pa.overlap[0, 2] == 4 and pa.overlap[2, 2] == 4
    np.testing.assert_allclose(pa.values, pa.values.T)
    sparse = pairwise_agreement(R(m), "percent", min_overlap=5)
    assert math.isnan(sparse.values[0, 2])


def test_item_agreement_takes_a_list_and_refuses_what_is_not_a_vote_table():
    assert item_agreement([[3, 0], [2, 1]]).round(4).tolist() == [1.0, 0.3333]
    for bad, needle in (([1, 2, 3], "2-D"), ([[1, 0]], "at least 2"), ([[2, -1]], "non-negative"),
                        ([["a", "b"]], "numbers")):
        with pytest.raises(InputError, match=needle):
            item_agreement(bad)
