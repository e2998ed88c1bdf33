"""Track agreement (CLEAR MOT, IDF1), track fusion and frame votes, by hand and by property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.quality.aggregation.track_fusion import fuse_tracks
from accord.quality.agreement.tracks import track_agreement, track_pair_scores
from accord.quality.region_questions import region_consensus_rows, region_question_agreement
from accord.quality.video_questions import frame_vote
from accord.schema.tracks import box_at


def _track(tid, label, *keyframes):
    return {"id": tid, "label": label,
            "keyframes": [{"frame": f, "x": x, "y": y, "w": w, "h": h}
                          for f, x, y, w, h in keyframes]}


def _value(*tracks, frames=10):
    return {"frames": frames, "width": 200, "height": 100, "tracks": list(tracks)}


SQUARE = (0, 0, 10, 10)
REFERENCE = _value(_track(1, "car", (0, *SQUARE), (3, *SQUARE)))
# the hypothesis follows the car with two ids (a switch at frame 2) and adds a far box
HYPOTHESIS = _value(_track(7, "car", (0, *SQUARE), (1, *SQUARE)),
                    _track(8, "car", (2, *SQUARE), (3, *SQUARE)),
                    _track(9, "car", (0, 100, 50, 10, 10)))


def test_clear_mot_and_idf1_by_hand():
    s = track_pair_scores(REFERENCE, HYPOTHESIS)
    # 4 reference boxes, 5 hypothesis boxes; FN 0, FP 1 (frame 0), IDSW 1 (7 -> 8)
    assert (s.n_reference, s.n_hypothesis, s.false_negatives, s.false_positives,
            s.id_switches, s.matches) == (4, 5, 0, 1, 1, 4)
    assert s.mota == pytest.approx(1 - 2 / 4)
    assert s.motp == pytest.approx(1.0)
    # identity matching: car-1 <-> 7 (or 8) for 2 frames: IDF1 = 2 * 2 / (4 + 5)
    assert s.idtp == 2 and s.idf1 == pytest.approx(4 / 9)
    back = track_pair_scores(HYPOTHESIS, REFERENCE)  # 5 reference boxes, FN 1, no switch
    assert back.mota == pytest.approx(1 - 1 / 5) and back.idf1 == pytest.approx(4 / 9)
    summary = track_agreement([(1, "a", REFERENCE), (1, "b", HYPOTHESIS)])
    assert summary.mean_idf1 == pytest.approx(4 / 9)
    assert summary.mean_mota == pytest.approx((0.5 + 0.8) / 2)


def test_interpolated_frames_are_compared_not_just_keyframes():
    sparse = _value(_track(1, "car", (0, 0, 0, 10, 10), (4, 40, 0, 10, 10)))
    dense = _value(_track(5, "car", *[(f, 10 * f, 0, 10, 10) for f in range(5)]))
    assert track_pair_scores(sparse, dense).idf1 == 1.0
    # a box 6 px off at frame 2 only (IoU 4/16 < 0.5) is a miss there
    off = _value(_track(5, "car", *[(f, 10 * f + (6 if f == 2 else 0), 0, 10, 10)
                                    for f in range(5)]))
    s = track_pair_scores(sparse, off)
    assert (s.matches, s.false_negatives, s.false_positives) == (4, 1, 1)
    assert s.idf1 == pytest.approx(2 * 4 / 10)


def test_labels_must_agree_and_empty_answers_agree():
    other = _value(_track(1, "person", (0, *SQUARE), (3, *SQUARE)))
    assert track_pair_scores(REFERENCE, other).idf1 == 0.0
    empty = _value()
    s = track_pair_scores(empty, empty)
    assert (s.mota, s.idf1) == (1.0, 1.0)
    assert math.isnan(track_pair_scores(empty, REFERENCE).mota)  # no reference: undefined


def test_summary_through_the_region_entry_point():
    s = region_question_agreement("video_track", [(1, "a", REFERENCE), (1, "b", REFERENCE),
                                                  (2, "a", REFERENCE)])
    assert s["metric"] == "track_idf1@0.5"
    assert (s["value"], s["mota"], s["motp"], s["records_with_2plus"]) == (1.0, 1.0, 1.0, 1)


_box = st.tuples(st.integers(0, 20), st.integers(0, 80), st.integers(0, 60), st.integers(1, 40),
                 st.integers(1, 40))


@st.composite
def _answers(draw):
    tracks = []
    for tid in range(1, draw(st.integers(0, 3)) + 1):
        frames = draw(st.lists(_box, min_size=1, max_size=3, unique_by=lambda b: b[0]))
        tracks.append(_track(tid, draw(st.sampled_from(["car", "bus"])), *sorted(frames)))
    return _value(*tracks, frames=21)


@settings(max_examples=40, deadline=None)
@given(_answers(), _answers())
def test_properties_identity_symmetry_and_bounds(a, b):
    same = track_pair_scores(a, a)
    assert same.mota == 1.0 and same.idf1 == 1.0 and same.id_switches == 0
    ab, ba = track_pair_scores(a, b), track_pair_scores(b, a)
    assert ab.idf1 == pytest.approx(ba.idf1)
    assert 0.0 <= ab.idf1 <= 1.0
    assert ab.matches == ba.matches or ab.id_switches + ba.id_switches > 0
    assert track_agreement([(1, "x", a), (1, "y", b)]).mean_idf1 == pytest.approx(
        track_agreement([(1, "y", b), (1, "x", a)]).mean_idf1)
    # renaming the track ids changes nothing
    renamed = {**b, "tracks": [{**t, "id": t["id"] + 100} for t in b["tracks"]]}
    assert track_pair_scores(a, renamed).idf1 == pytest.approx(ab.idf1)


def test_fusion_by_hand():
    a = _value(_track(3, "car", (0, 0, 0, 10, 10), (4, 8, 0, 10, 10)))
    b = _value(_track(9, "car", (0, 1, 0, 10, 10), (4, 9, 0, 10, 10)))
    c = _value(_track(1, "car", (0, 2, 0, 10, 10), (4, 10, 0, 10, 10)),
               _track(2, "bus", (0, 100, 50, 10, 10)))  # only one annotator: dropped
    value, confidence = fuse_tracks([("a", a), ("b", b), ("c", c)])
    assert [t["label"] for t in value["tracks"]] == ["car"]
    track = value["tracks"][0]
    assert track["score"] == 1.0
    assert [(k["frame"], k["x"]) for k in track["keyframes"]] == [(0, 1.0), (4, 9.0)]
    assert box_at(track["keyframes"], 2)["x"] == pytest.approx(5.0)
    assert confidence == pytest.approx(2 / 3)  # the bus: kept by 1 of 3
    rows = region_consensus_rows("video_track", [(5, "a", a), (5, "b", b), (5, "c", c)])
    assert rows[0]["value"] == value and rows[0]["n_responses"] == 3


def _per_frame(value):
    from accord.schema.tracks import track_boxes

    return sorted((t["label"], [(b["frame"], b["x"], b["y"], b["w"], b["h"])
                                for b in track_boxes(t["keyframes"])]) for t in value["tracks"])


@settings(max_examples=25, deadline=None)
@given(_answers())
def test_fusing_identical_answers_gives_their_boxes_back(a):
    value, confidence = fuse_tracks([("x", a), ("y", a)])
    assert confidence == 1.0
    got, want = _per_frame(value), _per_frame(a)
    assert [(lab, [b[0] for b in boxes]) for lab, boxes in got] == \
        [(lab, [b[0] for b in boxes]) for lab, boxes in want]
    for (_, g), (_, w) in zip(got, want, strict=True):
        for gb, wb in zip(g, w, strict=True):
            assert all(abs(x - y) <= 0.5 for x, y in zip(gb[1:], wb[1:], strict=True))


def test_frame_vote_and_segments_by_hand():
    a = {"frames": 6, "ranges": [{"start": 0, "end": 3, "label": "walk"}]}
    b = {"frames": 6, "ranges": [{"start": 1, "end": 3, "label": "walk"}]}
    c = {"frames": 6, "ranges": [{"start": 2, "end": 5, "label": "run"}]}
    value, confidence = frame_vote([a, b, c])
    assert value == {"frames": 6, "ranges": [{"start": 1, "end": 3, "label": "walk"}]}
    assert confidence == pytest.approx(2 / 3)
    # ranges as [start, end + 1): a-b IoU 3/4 match, a-c and b-c differ in label
    s = region_question_agreement("video_frame_label", [(1, "a", a), (1, "b", b), (1, "c", c)])
    assert s["value"] == pytest.approx((1 + 0 + 0) / 3)
    seg = {"duration": 5.0, "segments": [{"start": 0, "end": 2, "label": "run"}]}
    row = region_consensus_rows("video_segment", [(1, "a", seg), (1, "b", seg)])[0]
    assert row["value"] == {"duration": 5.0, "segments": [
        {"start": 0.0, "end": 2.0, "label": "run", "score": 1.0}]}


def test_fusion_falls_back_to_weighted_boxes_fusion_where_boxes_do_not_overlap():
    a = _value(_track(1, "car", (0, 0, 0, 10, 10), (9, 0, 0, 10, 10)))
    # b follows the same car but jumps away at frame 5: no overlap there
    b = _value(_track(4, "car", (0, 2, 0, 10, 10), (4, 2, 0, 10, 10), (5, 100, 0, 10, 10),
                      (6, 2, 0, 10, 10), (9, 2, 0, 10, 10)))
    value, _ = fuse_tracks([("a", a), ("b", b)])
    [track] = value["tracks"]
    # overlapping frames: the mean box; frame 5: two clusters of one annotator each, the
    # first of weighted_boxes_fusion's order (score, then coordinates) is kept
    assert [box_at(track["keyframes"], f)["x"] for f in (3, 5, 8)] == [1.0, 0.0, 1.0]
