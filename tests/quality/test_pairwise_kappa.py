"""Cohen's kappa against scikit-learn; Scott's pi against its definition and Fleiss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from accord.errors import InputError
from accord.quality.agreement import cohen_kappa, fleiss_kappa, scott_pi

pairs = st.integers(min_value=2, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
    )
)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@settings(max_examples=50, deadline=None)
@given(pair=pairs)
def test_cohen_matches_sklearn(pair, weights):
    y1, y2 = pair
    ours = cohen_kappa(y1, y2, weights=weights)
    if len(set(y1) | set(y2)) == 1:
        assert math.isnan(ours)  # no chance disagreement: undefined
        return
    theirs = cohen_kappa_score(y1, y2, weights=weights)
    if math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert abs(ours - theirs) <= 1e-12


def test_cohen_text_labels_and_explicit_order():
    y1 = ["low", "mid", "high", "high", "mid"]
    y2 = ["low", "high", "high", "mid", "mid"]
    order = ["low", "mid", "high"]
    ours = cohen_kappa(y1, y2, labels=order, weights="linear")
    theirs = cohen_kappa_score(y1, y2, labels=order, weights="linear")
    assert ours == pytest.approx(theirs, abs=1e-12)
    # the default order is alphabetical, which changes weighted kappa
    assert cohen_kappa(y1, y2, weights="linear") != pytest.approx(ours)


def test_cohen_drops_missing_pairs():
    assert cohen_kappa([1, 2, None, 1], [1, 2, 2, float("nan")]) == pytest.approx(
        cohen_kappa([1, 2], [1, 2])
    )


def test_cohen_input_errors():
    with pytest.raises(InputError, match="same length"):
        cohen_kappa([1, 2], [1])
    with pytest.raises(InputError, match="unknown label 3"):
        cohen_kappa([1, 3], [1, 2], labels=[1, 2])
    with pytest.raises(ValueError, match="'weights' parameter"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")


def test_scott_pi_by_hand():
    # 10 items, a: 6 yes 4 no, b: 5 yes 5 no, agree on 7
    y1 = ["y"] * 6 + ["n"] * 4
    y2 = ["y"] * 4 + ["n"] * 2 + ["n"] * 3 + ["y"]
    p_o = 0.7
    pooled_yes = (6 + 5) / 20
    p_e = pooled_yes**2 + (1 - pooled_yes) ** 2
    assert scott_pi(y1, y2) == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(pair=pairs)
def test_scott_pi_equals_fleiss_for_two_annotators(pair):
    y1, y2 = pair
    if len(set(y1) | set(y2)) == 1:
        return
    assert scott_pi(y1, y2) == pytest.approx(fleiss_kappa(np.array([y1, y2])), abs=1e-12)
