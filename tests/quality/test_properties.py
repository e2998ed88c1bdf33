"""Property table for agreement metrics, in the spirit of scikit-learn's test_common.

Each metric is a function of a reliability matrix (annotators x items, NaN
for missing) and is listed in the property sets it must satisfy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from accord.errors import InputError
from accord.quality.agreement import (
    agreement_score,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    percent_agreement,
)

METRICS = {
    "alpha_nominal": lambda m: krippendorff_alpha(m, "nominal"),
    "alpha_ordinal": lambda m: krippendorff_alpha(m, "ordinal"),
    "alpha_interval": lambda m: krippendorff_alpha(m, "interval"),
    "alpha_ratio": lambda m: krippendorff_alpha(m + 1.0, "ratio"),
    "fleiss": fleiss_kappa,
    "percent": percent_agreement,
    "gwet_ac1": gwet_ac1,
    "gwet_ac2_quadratic": lambda m: gwet_ac2(m, "quadratic"),
    "light_kappa": lambda m: agreement_score(m, "cohen"),
    "mean_scott_pi": lambda m: agreement_score(m, "scott"),
}
# invariant to renaming labels (nominal metrics only)
RELABEL_INVARIANT = {
    "alpha_nominal",
    "fleiss",
    "percent",
    "gwet_ac1",
    "light_kappa",
    "mean_scott_pi",
}
# an item with a single annotation changes nothing (Fleiss/Gwet use such items for chance)
SINGLETON_INVARIANT = {"alpha_nominal", "alpha_ordinal", "alpha_interval", "alpha_ratio", "percent"}
UPPER_BOUND_ONE = set(METRICS)
IN_UNIT_INTERVAL = {"percent"}

matrices = st.tuples(st.integers(2, 5), st.integers(3, 12)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, 2.0, 3.0, np.nan]))
)


def _usable(m: np.ndarray) -> bool:
    """At least two pairable items and two distinct values among them."""
    pairable = (~np.isnan(m)).sum(axis=0) >= 2
    values = m[:, pairable]
    values = values[~np.isnan(values)]
    return pairable.sum() >= 2 and len(np.unique(values)) >= 2


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)


@pytest.mark.parametrize("name", sorted(METRICS))
@settings(max_examples=15, deadline=None)
@given(m=matrices)
def test_perfect_agreement_is_one(name, m):
    # every annotator copies annotator 0 where they rated; keep variation across items
    first = np.nan_to_num(m[0], nan=0.0)
    first[:2] = [0.0, 1.0]
    perfect = np.where(np.isnan(m), np.nan, first)
    perfect[:, :2] = first[:2]
    assert METRICS[name](perfect) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(METRICS))
@settings(max_examples=15, deadline=None)
@given(m=matrices, data=st.data())
def test_annotator_and_item_order_do_not_matter(name, m, data):
    if not _usable(m):
        return
    rows = data.draw(st.permutations(range(m.shape[0])))
    cols = data.draw(st.permutations(range(m.shape[1])))
    assert _same(METRICS[name](m), METRICS[name](m[np.ix_(rows, cols)]))


@pytest.mark.parametrize("name", sorted(RELABEL_INVARIANT))
@settings(max_examples=15, deadline=None)
@given(m=matrices, data=st.data())
def test_nominal_metrics_ignore_label_names(name, m, data):
    if not _usable(m):
        return
    perm = data.draw(st.permutations([10.0, 20.0, 30.0, 40.0]))
    relabelled = np.where(np.isnan(m), np.nan, np.take(perm, np.nan_to_num(m).astype(int)))
    assert _same(METRICS[name](m), METRICS[name](relabelled))


@pytest.mark.parametrize("name", sorted(METRICS))
@settings(max_examples=15, deadline=None)
@given(m=matrices)
def test_an_annotator_who_rated_nothing_changes_nothing(name, m):
    if not _usable(m):
        return
    padded = np.vstack([m, np.full((1, m.shape[1]), np.nan)])
    assert _same(METRICS[name](m), METRICS[name](padded))


@pytest.mark.parametrize("name", sorted(SINGLETON_INVARIANT))
@settings(max_examples=15, deadline=None)
@given(m=matrices)
def test_items_with_one_annotation_are_ignored(name, m):
    if not _usable(m):
        return
    extra = np.full((m.shape[0], 1), np.nan)
    extra[0, 0] = 3.0
    assert _same(METRICS[name](m), METRICS[name](np.hstack([m, extra])))


@pytest.mark.parametrize("name", sorted(METRICS))
@settings(max_examples=15, deadline=None)
@given(m=matrices)
def test_bounds(name, m):
    if not _usable(m):
        return
    value = METRICS[name](m)
    if math.isnan(value):
        return
    assert value <= 1.0 + 1e-12
    if name in IN_UNIT_INTERVAL:
        assert 0.0 <= value <= 1.0


@pytest.mark.parametrize("name", sorted(METRICS))
def test_nothing_pairable_raises(name):
    one_annotator = np.array([[0.0, 1.0, 2.0, 1.0]])
    with pytest.raises(InputError, match="two or more annotations"):
        METRICS[name](one_annotator)
    disjoint = np.array([[0.0, 1.0, np.nan, np.nan], [np.nan, np.nan, 2.0, 1.0]])
    with pytest.raises(InputError, match="two or more annotations"):
        METRICS[name](disjoint)


def test_systematic_disagreement_is_negative():
    m = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]])
    for name in ("alpha_nominal", "fleiss", "light_kappa", "mean_scott_pi", "gwet_ac1"):
        assert METRICS[name](m) < 0, name


def test_no_variation_is_undefined():
    m = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    assert math.isnan(krippendorff_alpha(m))
    assert math.isnan(fleiss_kappa(m))
    assert percent_agreement(m) == 1.0


def test_unknown_level_and_metric():
    with pytest.raises(ValueError, match="'level' parameter"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")
    with pytest.raises(ValueError, match="'metric' parameter"):
        agreement_score([[1, 2], [1, 2]], "kappa")
    with pytest.raises(InputError, match="numeric labels"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "interval")
