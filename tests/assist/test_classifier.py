"""The model active learning trains from the answers has one home
(accord.assist.classifier.fit_answers): rank_unlabelled and bench/al_bench.py call it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.assist.classifier import MODEL_C, SoftmaxRegression, fit_answers
from accord.assist.selection import rank_unlabelled


def _blobs(n_per: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(0, 1, (n_per, 6)) + np.r_[-2.0, np.zeros(5)],
                   rng.normal(0, 1, (n_per, 6)) + np.r_[2.0, np.zeros(5)]])
    return x.astype(np.float32), np.array(["neg"] * n_per + ["pos"] * n_per)


def test_rank_unlabelled_scores_with_the_fit_answers_model():
    x, y = _blobs()
    answers = {i: str(y[i]) for i in (0, 3, 7, 21, 25, 30)}
    ranking = rank_unlabelled(x, answers, strategy="margin")
    model = fit_answers(x, answers)
    assert ranking.model is not None
    np.testing.assert_array_equal(ranking.model.coef_, model.coef_)
    np.testing.assert_array_equal(ranking.model.intercept_, model.intercept_)
    # the same as the model written out by hand: C = MODEL_C on the answered rows in row order
    rows = sorted(answers)
    by_hand = SoftmaxRegression(C=MODEL_C).fit(x[rows].astype(np.float64),
                                               [answers[i] for i in rows])
    np.testing.assert_array_equal(model.coef_, by_hand.coef_)
    assert (model.predict(x) == y).mean() >= 0.9


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(0, 39), min_size=2, max_size=15, unique=True), st.randoms())
def test_fit_answers_ignores_the_order_answers_came_in(rows, rnd):
    x, y = _blobs()
    answers = {i: str(y[i]) for i in rows}
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    again = fit_answers(x, {i: answers[i] for i in shuffled})
    model = fit_answers(x, answers)
    np.testing.assert_array_equal(model.coef_, again.coef_)
    assert set(model.predict(x).tolist()) <= set(answers.values())
    assert model.classes_.tolist() == sorted(set(answers.values()))
