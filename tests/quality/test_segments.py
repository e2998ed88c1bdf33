"""Time-segment IoU, matching, agreement and fusion (hand-computed values)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.quality.aggregation import WeightedSegmentsFusion, weighted_segments_fusion
from accord.quality.agreement import match_segments, segment_agreement
from accord.quality.geometry import as_segment, segment_iou, segment_iou_matrix


def S(start, end, label="speech"):  # type: ignore[no-untyped-def]
    return {"start": start, "end": end, "label": label}


@pytest.mark.parametrize("a,b,expected", [
    (S(0, 4), S(0, 4), 1.0),
    # overlap 2..4 = 2 s, covered 0..6 = 6 s
    (S(0, 4), S(2, 6), 2 / 6),
    # nested: 1.25..3.5 (2.25 s) inside 0..5 (5 s)
    (S(0, 5), S(1.25, 3.5), 2.25 / 5),
    # touching: no shared time
    (S(0, 1), S(1, 2), 0.0),
    (S(0, 1), S(3, 4), 0.0),
])
def test_segment_iou_hand_computed(a, b, expected):
    assert segment_iou(a, b) == pytest.approx(expected)
    assert segment_iou_matrix([as_segment(a)], [as_segment(b)])[0, 0] == pytest.approx(expected)


def test_bad_segments():
    with pytest.raises(InputError, match="empty"):
        as_segment(S(3, 3))
    with pytest.raises(InputError, match="missing 'label'"):
        as_segment({"start": 0, "end": 1})


def test_matching_by_label_and_threshold():
    a = [S(0, 4), S(10, 12, "music")]
    b = [S(1, 4), S(10, 12, "speech"), S(20, 21)]
    # a0-b0: 3/4 = 0.75; a1 (music) has no music partner
    assert [(m.i, m.j, m.iou) for m in match_segments(a, b)] == [(0, 0, 0.75)]
    assert match_segments(a, b, threshold=0.8) == []


def test_segment_agreement_hand_computed():
    rows = [
        # clip1: a marks speech 0-4 and music 5-9; b marks speech 1-4 (IoU 0.75) and music 7-9
        # (IoU 2/4 = 0.5, matched at 0.5); 2 matches of 4 segments -> F1 = 1
        ("clip1", "a", [S(0, 4), S(5, 9, "music")]),
        ("clip1", "b", [S(1, 4), S(7, 9, "music")]),
        # clip2: a speech 0-10, b speech 0-2 and 8-10: IoU 0.2 each, no match -> F1 0
        ("clip2", "a", [S(0, 10)]),
        ("clip2", "b", [S(0, 2), S(8, 10)]),
    ]
    r = segment_agreement(rows)
    assert r.per_item == {"clip1": 1.0, "clip2": 0.0}
    assert r.mean_f1 == 0.5
    assert r.mean_iou == pytest.approx((0.75 + 0.5) / 2)
    # over both clips: 2 matches, 7 segments -> 4/7
    assert r.f1[0, 1] == pytest.approx(4 / 7)
    low = segment_agreement(rows, threshold=0.2)
    assert low.per_item["clip2"] == pytest.approx(2 * 1 / 3)


def test_segment_fusion():
    # a 0-4, b 0-5: IoU 0.8 > 0.55, fused to 0-4.5 with both annotators -> score 1;
    # c marks nothing: N = 3 -> 2/3
    rows = [("clip", "a", [S(0, 4)]), ("clip", "b", [S(0, 5)]), ("clip", "c", [])]
    fused = WeightedSegmentsFusion().fit_predict(rows).as_dict()["clip"]
    assert fused == [{"start": 0.0, "end": 4.5, "label": "speech", "score": pytest.approx(2 / 3)}]


_t = st.floats(min_value=0, max_value=3600, allow_nan=False, allow_infinity=False)
_d = st.floats(min_value=0.01, max_value=60, allow_nan=False, allow_infinity=False)
_seg = st.builds(lambda s, d, lab: S(s, s + d, lab), _t, _d, st.sampled_from(["speech", "music"]))


@given(_seg, _seg)
def test_iou_symmetric_bounded(a, b):
    v = segment_iou(a, b)
    assert 0.0 <= v <= 1.0 and v == pytest.approx(segment_iou(b, a))
    assert segment_iou(a, a) == pytest.approx(1.0)


@given(st.lists(_seg, max_size=8))
def test_self_agreement_is_one(segs):
    assert segment_agreement([("c", "a", segs), ("c", "b", segs)]).mean_f1 == 1.0


@given(_seg, st.integers(min_value=1, max_value=4))
def test_fusion_of_identical_segments_returns_it(seg, n):
    fused = weighted_segments_fusion([seg] * n, list(range(n)))
    assert len(fused) == 1 and fused[0].score == 1.0
    assert fused[0].region.start == seg["start"]
    assert fused[0].region.end == seg["end"]
