"""Spans, multi-label answers, ratings, pairwise comparisons and rankings."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from accord.errors import InputError
from accord.quality import Span
from accord.quality.aggregation import (
    BradleyTerry,
    DawidSkene,
    MajorityVote,
    MultiLabel,
    RankedPairs,
    RatingAggregator,
    SpanVote,
    comparisons_from_rankings,
    win_matrix,
)

GOLD_SPANS = {
    "t1": [Span(0, 5, "PER"), Span(5, 9, "PER"), Span(12, 20, "LOC")],
    "t2": [Span(3, 7, "ORG")],
    "t3": [],
}


def test_span_vote_round_trip_when_everyone_agrees():
    rows = [
        (item, ann, [s.as_dict() for s in spans])
        for item, spans in GOLD_SPANS.items()
        for ann in ("a", "b", "c")
    ]
    result = SpanVote().fit_predict(rows)
    assert result.as_dict() == GOLD_SPANS  # adjacent PER spans stay two spans
    assert all(c == 1.0 for conf in result.confidence for c in conf)


def test_span_vote_majority_and_confidence():
    rows = [
        ("t", "a", [(0, 5, "PER")]),
        ("t", "b", [(0, 5, "PER")]),
        ("t", "c", [(1, 5, "ORG"), (8, 10, "LOC")]),
        ("t", "d", []),
    ]
    result = SpanVote().fit_predict(rows)
    assert result.as_dict() == {"t": []}  # 2 of 4 is not a majority
    loose = SpanVote(threshold=0.4).fit_predict(rows)
    assert loose.as_dict() == {"t": [Span(0, 5, "PER")]}
    assert loose.confidence == [[0.5]]


def test_span_vote_shared_boundary_needs_majority():
    rows = [
        ("t", "a", [(0, 4, "X"), (4, 8, "X")]),
        ("t", "b", [(0, 8, "X")]),
        ("t", "c", [(0, 8, "X")]),
    ]
    assert SpanVote().fit_predict(rows).as_dict() == {"t": [Span(0, 8, "X")]}


def test_multi_label_per_label_vote():
    rows = [
        (1, "a", ["refund", "login"]),
        (1, "b", ["refund"]),
        (1, "c", ["refund", "shipping"]),
        (2, "a", []),
        (2, "b", ["login"]),
        (2, "c", ["login"]),
        {"item": 3, "annotator": "a", "label": ["shipping"]},
    ]
    result = MultiLabel().fit_predict(rows)
    assert result.as_dict() == {1: ["refund"], 2: ["login"], 3: ["shipping"]}
    scores = dict(zip(result.items, result.scores))
    assert scores[1] == pytest.approx({"login": 1 / 3, "refund": 1.0, "shipping": 1 / 3})
    with_ds = MultiLabel(DawidSkene).fit_predict(rows).as_dict()
    assert with_ds[1] == ["refund"]
    strict = MultiLabel(
        lambda: MajorityVote(), threshold=0.9, labels=["login", "refund", "shipping", "x"]
    )
    out = strict.fit_predict(rows)
    assert out.as_dict()[1] == ["refund"] and out.scores[0]["x"] == 0.0
    with pytest.raises(InputError, match="list of labels"):
        MultiLabel().fit([(1, "a", "refund")])


def test_ratings_mean_median_trimmed():
    rows = [(1, a, v) for a, v in zip("abcdefghij", [4, 4, 5, 4, 5, 4, 4, 5, 4, 1])] + [(2, "a", 2)]
    mean = RatingAggregator("mean").fit(rows)
    assert mean.values_[0] == pytest.approx(4.0)
    median = RatingAggregator("median").fit_predict(rows)
    assert median.labels.tolist() == [4.0, 2.0]
    trimmed = RatingAggregator("trimmed_mean", trim=0.1).fit(rows)
    assert trimmed.values_[0] == pytest.approx(np.mean([4, 4, 5, 4, 5, 4, 4, 4]))
    assert median.confidence[0] == pytest.approx(0.6)  # six ratings of 4 within 0.5
    assert median.confidence[1] == 1.0
    with pytest.raises(InputError, match="ratings must be numbers"):
        RatingAggregator().fit([(1, "a", "good")])
    with pytest.raises(ValueError, match="'method' parameter"):
        RatingAggregator("mode")


def _bt_mle(wins: np.ndarray) -> np.ndarray:
    n = len(wins)

    def nll(theta):
        s = np.concatenate([[0.0], theta])
        diff = s[:, None] - s[None, :]
        return -np.sum(wins * (diff - np.logaddexp(0, diff)))

    theta = minimize(nll, np.zeros(n - 1), method="BFGS", options={"gtol": 1e-10}).x
    p = np.exp(np.concatenate([[0.0], theta]))
    return p / p.sum()


def test_bradley_terry_matches_maximum_likelihood():
    rows = (
        [("a", "b", "a")] * 7
        + [("a", "b", "b")] * 3
        + [("b", "c", "b")] * 6
        + [("b", "c", "c")] * 4
        + [("a", "c", "a")] * 8
        + [("a", "c", "c")] * 2
        + [("c", "a", "tie")] * 2
    )
    names, wins = win_matrix(rows)
    model = BradleyTerry(prior=0).fit(rows)
    np.testing.assert_allclose(model.strengths_, _bt_mle(wins), rtol=1e-5)
    ranking = model.predict()
    assert ranking.order == ["a", "b", "c"]
    p = model.strengths_
    assert ranking.confidence[0] == pytest.approx(p[0] / (p[0] + p[1]))


def test_bradley_terry_prior_handles_an_unbeaten_candidate():
    rows = [("a", "b", "a"), ("a", "c", "a"), ("b", "c", "b")]
    ranking = BradleyTerry().fit_predict(rows)
    assert ranking.order == ["a", "b", "c"]
    assert all(np.isfinite(list(ranking.scores.values())))
    assert all(0.5 < c < 1.0 for c in ranking.confidence)


def test_pairwise_value_format():
    rows = [
        {"left": "r1", "right": "r2", "choice": "a"},
        {"left": "r1", "right": "r2", "choice": "tie"},
        {"left": "r2", "right": "r1", "choice": {"choice": "b", "strength": 2}},
    ]
    names, wins = win_matrix(rows)
    assert names == ["r1", "r2"]
    assert wins.tolist() == [[0.0, 2.5], [0.5, 0.0]]
    with pytest.raises(InputError, match="winner 'r3' is neither"):
        win_matrix([("r1", "r2", "r3")])
    with pytest.raises(InputError, match="choice must be"):
        win_matrix([{"left": "r1", "right": "r2", "choice": "c"}])


def test_ranked_pairs_tennessee_capital():
    # The classic example (Tideman; e.g. the Wikipedia "Ranked pairs" article):
    # 42% Memphis > Nashville > Chattanooga > Knoxville, 26% Nashville > Chattanooga >
    # Knoxville > Memphis, 15% Chattanooga > Knoxville > Nashville > Memphis,
    # 17% Knoxville > Chattanooga > Nashville > Memphis. Ranked pairs: Nashville,
    # Chattanooga, Knoxville, Memphis.
    m, n, c, k = "Memphis", "Nashville", "Chattanooga", "Knoxville"
    orders = [[m, n, c, k]] * 42 + [[n, c, k, m]] * 26 + [[c, k, n, m]] * 15 + [[k, c, n, m]] * 17
    model = RankedPairs().fit(comparisons_from_rankings(orders))
    ranking = model.predict()
    assert ranking.order == [n, c, k, m]
    assert ranking.confidence == pytest.approx([0.68, 0.83, 0.58])
    assert model.locked_[0] == (c, k)  # the largest margin (83 vs 17) is locked first


def test_ranked_pairs_breaks_a_cycle_at_its_weakest_link():
    orders = [["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2 + [["c", "a", "b"]] * 2
    model = RankedPairs().fit(comparisons_from_rankings(orders))
    assert model.predict().order == ["a", "b", "c"]
    assert ("c", "a") not in model.locked_


def test_rankings_with_ties_become_half_wins():
    rows = comparisons_from_rankings([["a", ["b", "c"]], [["a", "b"], "c"]])
    names, wins = win_matrix(rows)
    assert names == ["a", "b", "c"]
    assert wins[0, 1] == 1.5 and wins[1, 0] == 0.5
    assert BradleyTerry().fit_predict(rows).order[0] == "a"
