"""Box and polygon IoU, matching, agreement and Weighted Boxes Fusion (hand-computed values)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.quality.aggregation import WeightedBoxesFusion, weighted_boxes_fusion
from accord.quality.agreement import box_agreement, match_boxes, polygon_agreement
from accord.quality.geometry import (
    as_box,
    box_iou,
    box_iou_matrix,
    polygon_area,
    polygon_iou,
)


def B(x, y, w, h, label="car", **extra):  # type: ignore[no-untyped-def]
    return {"x": x, "y": y, "w": w, "h": h, "label": label, **extra}


# -- IoU, by hand ------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b,expected", [
    # identical: 100 / 100
    (B(0, 0, 10, 10), B(0, 0, 10, 10), 1.0),
    # shifted by 5 in x: intersection 5*10 = 50, union 100 + 100 - 50 = 150
    (B(0, 0, 10, 10), B(5, 0, 10, 10), 50 / 150),
    # diagonal overlap of 2x2 boxes by one unit square: 1 / (4 + 4 - 1) = 1/7
    (B(0, 0, 2, 2), B(1, 1, 2, 2), 1 / 7),
    # one inside the other: 4*4 = 16 inside 10*10 = 100 -> 16 / 100
    (B(0, 0, 10, 10), B(3, 3, 4, 4), 0.16),
    # touching edges share no area: 0
    (B(0, 0, 10, 10), B(10, 0, 10, 10), 0.0),
    # disjoint
    (B(0, 0, 1, 1), B(5, 5, 1, 1), 0.0),
    # 20x10 and 10x20 crossing at a 10x10 square: 100 / (200 + 200 - 100) = 1/3
    (B(0, 5, 20, 10), B(5, 0, 10, 20), 100 / 300),
    # fractional pixels: x overlap 1.5 - 0.5 = 1.0, y overlap 1; areas 1.5 and 1.5 -> 1 / 2
    (B(0, 0, 1.5, 1), B(0.5, 0, 1.5, 1), 0.5),
])
def test_box_iou_hand_computed(a, b, expected):
    assert box_iou(a, b) == pytest.approx(expected)
    assert box_iou_matrix([as_box(a)], [as_box(b)])[0, 0] == pytest.approx(expected)


def test_iou_matrix_matches_pairwise():
    a = [as_box(B(0, 0, 10, 10)), as_box(B(5, 5, 10, 10))]
    b = [as_box(B(0, 0, 10, 10)), as_box(B(20, 20, 1, 1)), as_box(B(5, 0, 10, 10))]
    m = box_iou_matrix(a, b)
    assert m.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert m[i, j] == pytest.approx(box_iou(a[i], b[j]))


def test_bad_boxes_are_input_errors():
    with pytest.raises(InputError, match="missing 'h'"):
        as_box({"x": 0, "y": 0, "w": 1, "label": "a"})
    with pytest.raises(InputError, match="no area"):
        as_box(B(0, 0, 0, 1))
    with pytest.raises(InputError, match="finite number"):
        as_box(B(math.nan, 0, 1, 1))


# -- polygons ----------------------------------------------------------------------------------

def P(points, label="road"):  # type: ignore[no-untyped-def]
    return {"points": points, "label": label}


SQUARE = [[0, 0], [4, 0], [4, 4], [0, 4]]


@pytest.mark.parametrize("a,b,expected", [
    # same square, one listed clockwise: 16 / 16
    (SQUARE, list(reversed(SQUARE)), 1.0),
    # the lower-left triangle is half the square: 8 / 16
    (SQUARE, [[0, 0], [4, 0], [0, 4]], 0.5),
    # squares [0,4]^2 and [2,6]x[0,4]: intersection 2*4 = 8, union 16 + 16 - 8 = 24
    (SQUARE, [[2, 0], [6, 0], [6, 4], [2, 4]], 8 / 24),
    # an L-shape (non-convex, area 12: the square minus [2,4]x[2,4]) against the square:
    # intersection 12, union 16 -> 0.75
    ([[0, 0], [4, 0], [4, 2], [2, 2], [2, 4], [0, 4]], SQUARE, 0.75),
    # the L-shape against the missing corner square [2,4]^2: they share no area
    ([[0, 0], [4, 0], [4, 2], [2, 2], [2, 4], [0, 4]], [[2, 2], [4, 2], [4, 4], [2, 4]], 0.0),
    # disjoint
    (SQUARE, [[10, 10], [11, 10], [11, 11]], 0.0),
])
def test_polygon_iou_hand_computed(a, b, expected):
    assert polygon_iou(P(a), P(b)) == pytest.approx(expected, abs=1e-9)
    assert polygon_iou(P(b), P(a)) == pytest.approx(expected, abs=1e-9)


def test_polygon_area_shoelace():
    # L-shape: 4*4 - 2*2 = 12, either orientation
    ell = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)]
    assert polygon_area(ell) == 12.0
    assert polygon_area(list(reversed(ell))) == 12.0


def test_box_as_polygon_has_the_box_iou():
    a, b = B(0, 0, 10, 10), B(5, 0, 10, 10)

    def poly(x):  # type: ignore[no-untyped-def]
        return P([[x["x"], x["y"]], [x["x"] + x["w"], x["y"]],
                  [x["x"] + x["w"], x["y"] + x["h"]], [x["x"], x["y"] + x["h"]]], "car")
    assert polygon_iou(poly(a), poly(b)) == pytest.approx(box_iou(a, b))


# -- matching and agreement -------------------------------------------------------------------

def test_matching_is_one_to_one_and_maximizes_total_iou():
    # IoU(a0, b0) = 9*10 / (200 - 90) = 0.818 (b0 shifted 1 px), IoU(a0, b1) = 0.6
    # (b1 shifted 2.5 px), IoU(a1, b1) = 1: the assignment gives a0-b0 and a1-b1.
    a = [B(0, 0, 10, 10), B(2.5, 0, 10, 10)]
    b = [B(1, 0, 10, 10), B(2.5, 0, 10, 10)]
    pairs = {(m.i, m.j) for m in match_boxes(a, b)}
    assert pairs == {(0, 0), (1, 1)}


def test_hungarian_beats_greedy():
    # IoU(a0, b0) = 1; IoU(a0, b1) = 7.5*10 / (200 - 75) = 0.6 (b1 shifted 2.5 in x);
    # IoU(a1, b0) = 10*7.5 / 125 = 0.6 (a1 shifted 2.5 in y);
    # IoU(a1, b1) = 7.5*7.5 / (200 - 56.25) = 0.391 < 0.5, not admissible.
    # Greedy (best IoU first) takes a0-b0 and leaves a1 alone: 1 match, total IoU 1.0.
    # The assignment takes a0-b1 and a1-b0: 2 matches, total IoU 1.2.
    a0, b0 = B(0, 0, 10, 10), B(0, 0, 10, 10)
    b1, a1 = B(2.5, 0, 10, 10), B(0, 2.5, 10, 10)
    assert box_iou(a1, b1) == pytest.approx(56.25 / 143.75)
    matches = match_boxes([a0, a1], [b0, b1])
    assert {(m.i, m.j) for m in matches} == {(0, 1), (1, 0)}
    assert sorted(m.iou for m in matches) == pytest.approx([0.6, 0.6])


def test_labels_must_agree_to_match():
    assert match_boxes([B(0, 0, 5, 5, "car")], [B(0, 0, 5, 5, "person")]) == []


def test_threshold_leaves_weak_pairs_unmatched():
    # IoU 1/3 (shift 5 on width 10): unmatched at 0.5, matched at 0.3
    a, b = [B(0, 0, 10, 10)], [B(5, 0, 10, 10)]
    assert match_boxes(a, b) == []
    assert len(match_boxes(a, b, threshold=0.3)) == 1
    with pytest.raises(ValueError, match="The 'threshold' parameter must be in"):
        match_boxes(a, b, threshold=0)


def test_box_agreement_hand_computed():
    rows = [
        # img1: a and b agree on one car (IoU 9*10 / 110 = 0.818), b adds a person:
        # 1 match, 3 boxes -> F1 = 2/3
        ("img1", "a", [B(0, 0, 10, 10)]),
        ("img1", "b", [B(1, 0, 10, 10), B(50, 50, 5, 5, "person")]),
        # img2: a, b and c; a and b identical (F1 1, IoU 1); c drew nothing (F1 0 with each)
        ("img2", "a", [B(0, 0, 4, 4)]),
        ("img2", "b", [B(0, 0, 4, 4)]),
        ("img2", "c", []),
        # img3: nobody drew anything -> F1 1 (full agreement on "nothing")
        ("img3", "a", []),
        ("img3", "b", []),
    ]
    r = box_agreement(rows)
    # pairs: img1 (a,b) 2/3; img2 (a,b) 1, (a,c) 0, (b,c) 0; img3 (a,b) 1
    assert r.n_pairs == 5
    assert r.mean_f1 == pytest.approx((2 / 3 + 1 + 0 + 0 + 1) / 5)
    assert r.per_item["img1"] == pytest.approx(2 / 3)
    assert r.per_item["img2"] == pytest.approx(1 / 3)
    assert r.per_item["img3"] == 1.0
    # matched IoUs: 90/110 and 1
    assert r.mean_iou == pytest.approx((90 / 110 + 1) / 2)
    # pair matrix: a-b over img1..3: matches 1 + 1 + 0, boxes 3 + 2 + 0 -> 2*2/5
    ia, ib, ic = (r.annotators.index(x) for x in "abc")
    assert r.f1[ia, ib] == pytest.approx(4 / 5) and r.f1[ib, ia] == r.f1[ia, ib]
    assert r.f1[ia, ic] == 0.0
    assert r.f1[ia, ia] == 1.0


def test_agreement_accepts_dict_rows_and_reports_bad_ones():
    rows = [{"item": 1, "annotator": "a", "value": [B(0, 0, 1, 1)]},
            {"item": 1, "annotator": "b", "value": [B(0, 0, 1, 1)]}]
    assert box_agreement(rows).mean_f1 == 1.0
    with pytest.raises(InputError, match="row 1 .*no area"):
        box_agreement([("i", "a", []), ("i", "b", [B(0, 0, 0, 1)])])


def test_single_annotator_has_no_pairs():
    r = box_agreement([("img", "a", [B(0, 0, 1, 1)])])
    assert r.n_pairs == 0 and math.isnan(r.mean_f1) and math.isnan(r.mean_iou)


def test_polygon_agreement():
    tri = P([[0, 0], [4, 0], [0, 4]])
    rows = [("img", "a", [P(SQUARE)]), ("img", "b", [tri])]
    assert polygon_agreement(rows).mean_f1 == 1.0          # IoU 0.5 >= 0.5
    assert polygon_agreement(rows, threshold=0.6).mean_f1 == 0.0
    assert polygon_agreement(rows).mean_iou == pytest.approx(0.5)


# -- Weighted Boxes Fusion --------------------------------------------------------------------

def test_wbf_hand_computed():
    # a: (0,0)-(10,10) score 0.9; b: (2,0)-(12,10) score 0.6 -> IoU 80/120 = 0.667 > 0.55: fused.
    # corners weighted by score: x1 = (0*0.9 + 2*0.6) / 1.5 = 0.8, x2 = (10*0.9 + 12*0.6)/1.5
    # = 10.8; y unchanged. Score: mean(0.9, 0.6) = 0.75, times min(2, 3)/3 -> 0.5.
    # c's box far away: alone, 0.3 * 1/3 = 0.1.
    fused = weighted_boxes_fusion(
        [B(0, 0, 10, 10, score=0.9), B(2, 0, 10, 10, score=0.6), B(40, 40, 5, 5, score=0.3)],
        ["a", "b", "c"])
    assert len(fused) == 2
    top = fused[0]
    assert top.region.x == pytest.approx(0.8) and top.region.w == pytest.approx(10.0)
    assert top.region.y == 0 and top.region.h == 10
    assert top.score == pytest.approx(0.5)
    assert top.sources == ("a", "b") and top.size == 2
    assert fused[1].score == pytest.approx(0.1) and fused[1].sources == ("c",)


def test_wbf_keeps_labels_apart_and_respects_threshold():
    same_place = weighted_boxes_fusion([B(0, 0, 10, 10, "car"), B(0, 0, 10, 10, "person")],
                                       ["a", "b"])
    assert sorted(f.region.label for f in same_place) == ["car", "person"]
    # IoU exactly 0.5 (x2 shifted by 10/3 on width 10: 6.67*10/(200-66.7) = 0.5) is not > 0.55
    apart = weighted_boxes_fusion([B(0, 0, 10, 10), B(10 / 3, 0, 10, 10)], ["a", "b"])
    assert len(apart) == 2 and all(f.score == 0.5 for f in apart)


def test_wbf_consensus_across_annotators():
    rows = [("img", "a", [B(0, 0, 10, 10), B(30, 30, 4, 4)]),
            ("img", "b", [B(1, 1, 10, 10)]),
            ("img", "c", [B(0, 0, 10, 10)]),
            ("img2", "a", [])]
    consensus = WeightedBoxesFusion().fit_predict(rows).as_dict()
    # the car at the top left drawn by all three: kept with score 1; the small box drawn
    # by a alone: 1/3 < 0.5, dropped
    assert len(consensus["img"]) == 1
    box = consensus["img"][0]
    # equal weights: x1 = (0 + 1 + 0) / 3, x2 = (10 + 11 + 10) / 3
    assert box["x"] == pytest.approx(1 / 3) and box["w"] == pytest.approx(31 / 3 - 1 / 3)
    assert box["score"] == 1.0
    assert consensus["img2"] == []
    loose = WeightedBoxesFusion(min_score=0.3).fit_predict(rows).as_dict()
    assert len(loose["img"]) == 2
    with pytest.raises(ValueError, match="min_score"):
        WeightedBoxesFusion(min_score=2)
    with pytest.raises(InputError, match="no annotations"):
        WeightedBoxesFusion().fit([])


# -- properties -----------------------------------------------------------------------------

_coord = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
_size = st.floats(min_value=0.01, max_value=500, allow_nan=False, allow_infinity=False)
_box = st.builds(B, _coord, _coord, _size, _size, st.sampled_from(["car", "person"]))


@given(_box, _box)
def test_iou_symmetric_and_bounded(a, b):
    v = box_iou(a, b)
    assert 0.0 <= v <= 1.0
    assert v == pytest.approx(box_iou(b, a))


@given(_box)
def test_iou_of_a_box_with_itself_is_one(a):
    assert box_iou(a, a) == pytest.approx(1.0)


@given(st.lists(_box, max_size=8))
def test_f1_of_an_annotator_with_itself_is_one(boxes):
    r = box_agreement([("img", "a", boxes), ("img", "b", list(boxes))])
    assert r.mean_f1 == 1.0
    if boxes:
        assert r.mean_iou == pytest.approx(1.0)


@given(st.lists(_box, max_size=6), st.lists(_box, max_size=6))
def test_agreement_is_symmetric_and_bounded(a, b):
    ab = box_agreement([("i", "a", a), ("i", "b", b)])
    ba = box_agreement([("i", "b", b), ("i", "a", a)])
    assert 0.0 <= ab.mean_f1 <= 1.0
    assert ab.mean_f1 == pytest.approx(ba.mean_f1)
    assert len(match_boxes(a, b)) == len(match_boxes(b, a))


@given(_box, st.integers(min_value=1, max_value=5))
def test_wbf_of_identical_boxes_returns_the_box(box, n):
    fused = weighted_boxes_fusion([box] * n, [f"ann{i}" for i in range(n)])
    assert len(fused) == 1
    got = fused[0].region
    assert got.as_dict() == box  # bit for bit
    assert fused[0].score == 1.0


@given(st.lists(_box, min_size=1, max_size=8))
def test_wbf_scores_in_unit_interval_and_every_box_used_once(boxes):
    sources = [f"s{i % 3}" for i in range(len(boxes))]
    fused = weighted_boxes_fusion(boxes, sources)
    assert all(0.0 < f.score <= 1.0 for f in fused)
    assert sum(f.size for f in fused) == len(boxes)
    # a fused box lies within the hull of the boxes of its label
    for f in fused:
        same = [as_box(b) for b in boxes if b["label"] == f.region.label]
        assert f.region.x >= min(b.x for b in same) - 1e-6
        assert f.region.x + f.region.w <= max(b.x + b.w for b in same) + 1e-6
    assert np.isfinite([f.score for f in fused]).all()
