"""Cuboid overlap (3D and BEV IoU), points inside a cuboid, agreement and fusion: values
computed by hand and properties every IoU must have."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.quality.aggregation.cuboid_fusion import WeightedCuboidsFusion
from accord.quality.cuboids import bev_iou, count_points, cuboid_iou, points_in_cuboid
from accord.quality.region_questions import region_consensus_rows, region_question_agreement


def C(x=0.0, y=0.0, z=0.0, l=2.0, w=2.0, h=2.0, yaw=0.0, label="car"):  # noqa: E741
    return {"x": x, "y": y, "z": z, "l": l, "w": w, "h": h, "yaw": yaw, "label": label}


@pytest.mark.parametrize(("a", "b", "bev", "iou3d"), [
    (C(), C(), 1.0, 1.0),
    # shifted by half a side: footprint 1 x 2 = 2 of 4 + 4 - 2 = 6; volume 4 of 12
    (C(), C(x=1), 1 / 3, 1 / 3),
    # and half a height up: the footprint is unchanged, the volume 2 of 8 + 8 - 2
    (C(), C(x=1, z=1), 1 / 3, 1 / 7),
    # touching faces or stacked: nothing shared
    (C(), C(x=2), 0.0, 0.0),
    (C(), C(z=2), 1.0, 0.0),
    # a 4 x 2 box turned a quarter: a 2 x 2 square shared of 8 + 8 - 4
    (C(l=4), C(l=4, yaw=math.pi / 2), 1 / 3, 1 / 3),
    # a 2 x 2 square turned 45 degrees: the regular octagon of inradius 1, area 8 (sqrt2 - 1),
    # over 4 + 4 - 8 (sqrt2 - 1): exactly 1 / sqrt 2
    (C(), C(yaw=math.pi / 4), 1 / math.sqrt(2), 1 / math.sqrt(2)),
    # heading does not change the shape: turned by pi, the same box
    (C(l=4, w=1), C(l=4, w=1, yaw=math.pi), 1.0, 1.0),
    # a smaller box inside: 1 x 1 x 1 of 8
    (C(), C(l=1, w=1, h=1, x=0.5, y=-0.5, z=0.5), 1 / 4, 1 / 8),
])
def test_iou_against_hand_computed_values(a, b, bev, iou3d):
    assert bev_iou(a, b) == pytest.approx(bev, abs=1e-12)
    assert cuboid_iou(a, b) == pytest.approx(iou3d, abs=1e-12)


_num = st.floats(-5, 5, allow_nan=False)
_size = st.floats(0.1, 5, allow_nan=False)
_cuboid = st.builds(C, x=_num, y=_num, z=_num, l=_size, w=_size, h=_size,
                    yaw=st.floats(-math.pi, math.pi))


@settings(max_examples=60, deadline=None)
@given(_cuboid, _cuboid)
def test_iou_properties_bounds_symmetry_identity(a, b):
    for iou in (bev_iou, cuboid_iou):
        v = iou(a, b)
        assert 0.0 <= v <= 1.0
        assert v == pytest.approx(iou(b, a), abs=1e-9)
        assert iou(a, a) == pytest.approx(1.0)
    assert cuboid_iou(a, b) <= bev_iou(a, b) + 1e-9 or a["h"] != b["h"]


def test_points_in_cuboid_turns_with_the_heading():
    # a 4 x 1 x 2 box along x, then turned to lie along y
    pts = np.array([[1.9, 0, 0], [0, 1.9, 0], [0, 0, 1.01], [0.3, 0.4, -0.9], [2.0, 0.5, 1.0]])
    c = C(l=4, w=1, h=2)
    assert points_in_cuboid(pts, c).tolist() == [True, False, False, True, True]  # faces count
    assert points_in_cuboid(pts, {**c, "yaw": math.pi / 2}).tolist() == [
        False, True, False, True, False]
    moved = {**c, "x": 10, "y": -3, "yaw": math.pi / 4}
    inside = np.array([[10 + 1.5 * math.cos(math.pi / 4), -3 + 1.5 * math.sin(math.pi / 4), 0]])
    assert count_points(inside, moved) == 1 and count_points(inside, c) == 0


def test_bad_cuboids_are_refused_naming_the_problem():
    with pytest.raises(InputError, match="l, w and h must be > 0"):
        cuboid_iou(C(l=0), C())
    with pytest.raises(InputError, match=r"missing \['yaw'\]"):
        bev_iou({k: v for k, v in C().items() if k != "yaw"}, C())


def test_agreement_by_3d_and_bev_iou():
    rows = [("f", "a", [C(), C(x=10, label="pedestrian")]),
            ("f", "b", [C(z=1.5), C(x=10, label="pedestrian")])]
    s = region_question_agreement("cuboid", rows)
    # 3D: the cars share 2x2x0.5 = 2 of 14 (1/7 < 0.5, unmatched); the pedestrians match
    assert s["metric"] == "cuboid_f1@0.5" and s["value"] == pytest.approx(0.5)
    assert s["mean_iou"] == pytest.approx(1.0)
    # seen from above both pairs coincide
    assert s["bev_f1"] == pytest.approx(1.0) and s["mean_bev_iou"] == pytest.approx(1.0)


def test_fusion_averages_centers_and_headings_on_the_circle_with_confidence():
    rows = [("f", "a", [C(x=0.0, yaw=3.0)]), ("f", "b", [C(x=0.2, yaw=-3.0)]),
            ("f", "c", [C(x=0.1, yaw=math.pi)]), ("f", "d", [])]
    fused = WeightedCuboidsFusion().fit_predict(rows).as_dict()["f"]
    assert len(fused) == 1
    f = fused[0]
    assert f["x"] == pytest.approx(0.1) and f["l"] == pytest.approx(2.0)
    # the circular mean of 3.0, -3.0 and pi is pi (a linear mean would give 0.05)
    assert abs(abs(f["yaw"]) - math.pi) < 1e-9
    assert f["score"] == pytest.approx(3 / 4)  # three of the four annotators drew it
    row = region_consensus_rows("cuboid", rows)[0]
    assert row["confidence"] == pytest.approx(3 / 4) and row["n_responses"] == 4


def test_the_quality_core_scores_and_fuses_cuboid_questions():
    """The entry points every caller uses (REST quality, aggregate, CLI, export filters)."""
    from accord.quality.consensus import question_consensus
    from accord.quality.question_quality import question_agreement
    from accord.schema.answers import Answers
    from accord.schema.questions import question_type

    rows = [(1, 10, [C(), C(x=10, label="pedestrian")]), (1, 11, [C(z=1.5)]),
            (2, 10, [C(x=3)]), (2, 11, [C(x=3.2)])]
    summary = question_agreement(Answers.from_rows(rows), "cuboid")
    # record 1: the cars miss in 3D (1/7), the pedestrian is one-sided: F1 0; record 2: match
    assert summary["metric"] == "cuboid_f1@0.5" and summary["value"] == pytest.approx(0.5)
    # from above, record 1's cars coincide: F1 2 * 1 / 3
    assert summary["bev_f1"] == pytest.approx((2 / 3 + 1) / 2)
    q = question_type("cuboid").model.model_validate(
        {"name": "objects", "type": "cuboid", "field": "scan", "labels": ["car", "pedestrian"]})
    qc = question_consensus(Answers.from_rows(rows), q)
    assert qc.method == "fusion"
    [fused] = qc.get(2).value
    assert fused["x"] == pytest.approx(3.1) and fused["score"] == pytest.approx(1.0)
    # record 1: two cars apart in 3D, each drawn by one of two annotators: kept at 1/2
    assert sorted(c["label"] for c in qc.get(1).value) == ["car", "car", "pedestrian"]
