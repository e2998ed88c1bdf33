"""Cohen's kappa against scikit-learn; Scott's pi against its definition and Fleiss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from accord.errors import InputError
from accord.quality import ReliabilityMatrix
from accord.quality.agreement import agreement_score, cohen_kappa, fleiss_kappa, scott_pi

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
    two_coders = ReliabilityMatrix(np.array([y1, y2]))
    assert scott_pi(y1, y2) == pytest.approx(fleiss_kappa(two_coders), abs=1e-12)


def _pair_by_pair(rows, fn, weights):
    """Light's mean the slow way: one contingency table per pair sharing 2+ items."""
    by_annotator: dict[str, dict[int, int]] = {}
    for item, annotator, label in rows:
        by_annotator.setdefault(annotator, {})[item] = label
    labels = sorted({label for _, _, label in rows})
    values = []
    names = list(by_annotator)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = sorted(set(by_annotator[a]) & set(by_annotator[b]))
            if len(shared) < 2:
                continue
            v = fn([by_annotator[a][k] for k in shared], [by_annotator[b][k] for k in shared],
                   labels=labels, weights=weights)
            if not math.isnan(v):
                values.append(v)
    return float(np.mean(values)) if values else float("nan")


annotation_rows = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from("abcdef"), st.integers(1, 4)),
    min_size=4, max_size=60,
)


@pytest.mark.parametrize(("metric", "fn"), [("cohen", cohen_kappa), ("scott", scott_pi)])
@pytest.mark.parametrize(("level", "weights"),
                         [("nominal", None), ("ordinal", "linear"), ("interval", "quadratic")])
@settings(max_examples=40, deadline=None)
@given(rows=annotation_rows)
def test_all_pairs_at_once_equal_pair_by_pair(metric, fn, level, weights, rows):
    # the last answer of an annotator to an item counts, as in the one-product version
    last = {(item, annotator): label for item, annotator, label in rows}
    rows = [(item, annotator, label) for (item, annotator), label in last.items()]
    try:
        expected = _pair_by_pair(rows, fn, weights)
    except InputError:
        return
    try:
        value = agreement_score(rows, metric, level)
    except InputError as exc:  # nothing pairable
        assert "two or more annotations" in str(exc)
        assert math.isnan(expected)
        return
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected, abs=1e-12)


def test_fifty_annotators_on_every_item_are_computed_and_too_many_are_refused():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, 300)
    rows = [(i, f"u{u}", int(truth[i] if rng.random() < 0.7 else rng.integers(0, 5)))
            for i in range(300) for u in range(50)]
    kappa = agreement_score(rows, "cohen")  # 1,225 pairs in one sparse product
    # each answer is right with p = 0.7 + 0.3/5 = 0.76: p_o = 0.76^2 + 4 * 0.06^2 = 0.592,
    # p_e = 0.2 (uniform truth), so kappa = (0.592 - 0.2) / 0.8 = 0.49
    assert kappa == pytest.approx(0.49, abs=0.03)
    crowd = [(i, f"u{u}", int(rng.integers(0, 10))) for i in range(3) for u in range(401)]
    with pytest.raises(InputError, match="over its limit") as err:
        agreement_score(crowd, "cohen")
    assert err.value.field == "metric"
    assert agreement_score(crowd, "alpha") == pytest.approx(0.0, abs=0.05)
