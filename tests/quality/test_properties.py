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
from accord.quality import ReliabilityMatrix
from accord.quality.agreement import (
    agreement_score,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    percent_agreement,
)

R = ReliabilityMatrix
METRICS = {
    "alpha_nominal": lambda m: krippendorff_alpha(R(m), "nominal"),
    "alpha_ordinal": lambda m: krippendorff_alpha(R(m), "ordinal"),
    "alpha_interval": lambda m: krippendorff_alpha(R(m), "interval"),
    "alpha_ratio": lambda m: krippendorff_alpha(R(m + 1.0), "ratio"),
    "fleiss": lambda m: fleiss_kappa(R(m)),
    "percent": lambda m: percent_agreement(R(m)),
    "gwet_ac1": lambda m: gwet_ac1(R(m)),
    "gwet_ac2_quadratic": lambda m: gwet_ac2(R(m), "quadratic"),
    "light_kappa": lambda m: agreement_score(R(m), "cohen"),
    "mean_scott_pi": lambda m: agreement_score(R(m), "scott"),
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
    assert math.isnan(krippendorff_alpha(R(m)))
    assert math.isnan(fleiss_kappa(R(m)))
    assert percent_agreement(R(m)) == 1.0


def test_unknown_level_and_metric():
    with pytest.raises(InputError, match="'level' parameter"):
        krippendorff_alpha(R([[1, 2], [1, 2]]), "cardinal")
    with pytest.raises(InputError, match="'metric' parameter"):
        agreement_score(R([[1, 2], [1, 2]]), "kappa")
    with pytest.raises(InputError, match="numeric labels"):
        krippendorff_alpha(R([["a", "b"], ["a", "b"]]), "interval")


# (item, annotator, label) rows that the old reader took for a 6 x 3 coders x items matrix
SIX_ROWS = [(1, "a", "pos"), (1, "b", "pos"), (2, "a", "neg"), (2, "b", "neg"),
            (3, "a", "pos"), (3, "b", "neg")]


def test_tuples_are_long_form_rows_not_a_matrix():
    # Krippendorff (2011): 6 pairable values, D_o = 2/6, D_e = 2*3*3 / (6*5) = 0.6 -> 1 - (1/3)/0.6
    assert agreement_score(SIX_ROWS, "alpha", "nominal") == pytest.approx(4 / 9, abs=1e-12)
    assert krippendorff_alpha(SIX_ROWS) == pytest.approx(0.4444444444, abs=1e-9)
    as_dicts = [{"item": i, "annotator": a, "label": v} for i, a, v in SIX_ROWS]
    for metric in ("alpha", "fleiss", "cohen", "scott", "gwet", "percent"):
        assert agreement_score(SIX_ROWS, metric) == agreement_score(as_dicts, metric), metric


@pytest.mark.parametrize("data", [
    [list(row) for row in SIX_ROWS],          # rows as lists: rows or a matrix?
    np.array(SIX_ROWS, dtype=object),         # a 2-D array, either way
    [[1, 2, 2], [1, 2, 1]],                   # a plain nested list
    [(1, "a", "pos"), [1, "b", "pos"]],       # mixed
], ids=["lists", "array", "nested", "mixed"])
def test_a_shape_that_reads_two_ways_is_refused(data):
    with pytest.raises(InputError, match="ReliabilityMatrix"):
        agreement_score(data, "alpha")
    with pytest.raises(InputError, match="ReliabilityMatrix"):
        krippendorff_alpha(data)


def test_a_matrix_is_said_explicitly():
    matrix = [[1, 2, 2, 1], [1, 2, 2, 2]]
    rows = [(item, coder, v) for coder, labels in enumerate(matrix)
            for item, v in enumerate(labels)]
    for metric in ("alpha", "fleiss", "cohen", "scott", "gwet", "percent"):
        assert agreement_score(R(matrix), metric) == agreement_score(rows, metric), metric


@pytest.mark.parametrize("metric", ["fleiss", "percent"])
@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_nominal_only_metrics_refuse_ordered_levels_with_a_reason(metric, level):
    rows = [(1, "a", 1), (1, "b", 2), (2, "a", 3), (2, "b", 3)]
    with pytest.raises(InputError, match="nominal data only") as err:
        agreement_score(rows, metric, level)
    assert err.value.field == "metric"


@pytest.mark.parametrize("metric", ["alpha", "cohen", "scott", "gwet"])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_ratings_work_with_every_metric_that_takes_their_level(metric, level):
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 6, 40)
    rows = [(i, f"u{u}", int(np.clip(truth[i] + rng.integers(-1, 2), 1, 5)))
            for i in range(40) for u in range(4)]
    value = agreement_score(rows, metric, level)
    assert -1.0 <= value <= 1.0 and value > 0.2  # noisy copies of one truth agree well

