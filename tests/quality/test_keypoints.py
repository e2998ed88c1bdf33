"""Object keypoint similarity, instance matching and keypoint agreement (hand-computed)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.quality.agreement import keypoint_similarity, keypoints_agreement, match_keypoints
from accord.quality.region_questions import region_question_agreement


def K(label=None, **points):  # type: ignore[no-untyped-def]
    out = {"points": {k: list(v) for k, v in points.items()}}
    if label is not None:
        out["label"] = label
    return out


def test_similarity_hand_computed():
    a = K(head=(0, 0), tail=(10, 10))
    b = K(head=(3, 4), tail=(10, 10))
    # box around all points: 10 x 10 = 100 = s^2; k = 0.1 -> 2 s^2 k^2 = 2
    # head: d^2 = 9 + 16 = 25 -> exp(-25 / 2); tail: d = 0 -> 1; union of 2 points
    assert keypoint_similarity(a, b) == pytest.approx((math.exp(-12.5) + 1) / 2)
    # with k = 1: 2 s^2 k^2 = 200 -> exp(-25 / 200)
    assert keypoint_similarity(a, b, k=1.0) == pytest.approx((math.exp(-0.125) + 1) / 2)
    # a point only one annotator placed is a miss: (1 + 1 + 0) / 3
    c = K(head=(0, 0), tail=(10, 10), neck=(5, 5))
    assert keypoint_similarity(a, c) == pytest.approx(2 / 3)
    # no shared point at all
    assert keypoint_similarity(K(head=(0, 0)), K(tail=(0, 0))) == 0.0


def test_matching_respects_labels_and_threshold():
    dog = K("dog", head=(0, 0), tail=(10, 10))
    cat = K("cat", head=(0, 0), tail=(10, 10))
    assert match_keypoints([dog], [cat]) == []
    assert {(m.i, m.j) for m in match_keypoints([dog, cat], [cat, dog])} == {(0, 1), (1, 0)}
    # 10 px off on a 10 x 20 box: d^2 = 100, 2 s^2 k^2 = 2 * 200 * 0.01 = 4 -> exp(-25) ~ 0
    moved = K("dog", head=(0, 10), tail=(10, 20))
    assert match_keypoints([dog], [moved]) == []
    assert match_keypoints([dog], [moved], threshold=1e-12) != []


def test_agreement_hand_computed():
    a = K(head=(0, 0), tail=(10, 10))
    near = K(head=(0, 1), tail=(10, 10))  # head 1 px off: exp(-1/2) -> OKS (0.607 + 1) / 2
    far = K(head=(100, 100), tail=(110, 110))
    rows = [("img", "u1", [a]), ("img", "u2", [near, far])]
    r = keypoints_agreement(rows)
    # u1's instance matches u2's near one (OKS 0.80); far is unmatched: F1 = 2 * 1 / 3
    assert r.mean_f1 == pytest.approx(2 / 3)
    s2 = 10 * 10  # the box around the points of a and near is 10 x 10
    assert r.mean_iou == pytest.approx((math.exp(-1 / (2 * s2 * 0.01)) + 1) / 2)
    summary = region_question_agreement("keypoints", rows)
    assert summary["metric"] == "keypoint_f1@0.5" and summary["value"] == pytest.approx(2 / 3)


def test_bad_instances():
    with pytest.raises(InputError, match="expected a keypoints instance"):
        keypoint_similarity({"x": 1}, K(a=(0, 0)))
    with pytest.raises(InputError, match="point 'a' must be"):
        keypoint_similarity(K(a=(0, math.nan)), K(a=(0, 0)))
    with pytest.raises(ValueError, match="'k' parameter"):
        keypoints_agreement([], k=0)


_pt = st.tuples(st.floats(0, 1000), st.floats(0, 1000))
_inst = st.dictionaries(st.sampled_from(["head", "neck", "tail"]), _pt, min_size=1).map(
    lambda d: {"points": {k: list(v) for k, v in d.items()}})


@given(_inst, _inst)
def test_similarity_symmetric_bounded(a, b):
    v = keypoint_similarity(a, b)
    assert 0.0 <= v <= 1.0 and v == pytest.approx(keypoint_similarity(b, a))
    assert keypoint_similarity(a, a) == 1.0


@given(st.lists(_inst, max_size=5))
def test_self_agreement_is_one(instances):
    assert keypoints_agreement([("i", "a", instances), ("i", "b", instances)]).mean_f1 == 1.0
