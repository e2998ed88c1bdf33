"""Boxes and audio segments through the API: 422 on bad values, box F1 / mean IoU per
question, consensus by weighted boxes fusion (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest

from accord import Client

SETTINGS = {"fields": [{"name": "image", "type": "image"}, {"name": "clip", "type": "audio"}],
            "questions": [
                {"name": "boxes", "type": "bbox", "field": "image", "labels": ["car", "person"]},
                {"name": "events", "type": "segment", "field": "clip", "labels": ["speech"]},
                {"name": "pose", "type": "keypoints", "field": "image", "points": ["a", "b"]}],
            "distribution": {"overlap": 2}}


def _box(x, y, w, h, label="car"):  # type: ignore[no-untyped-def]
    return {"x": x, "y": y, "w": w, "h": h, "label": label}


def test_region_questions_get_box_f1_and_wbf_consensus(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("img", SETTINGS)
    admin.import_records("img", [{"id": f"r{i}", "image": f"cats/{i}.png",
                                  "clip": f"clips/{i}.wav"} for i in range(2)])
    clients, tokens = {}, {}
    for name in ("a1", "a2"):
        tokens[name] = live_server.make_user(name)
        admin.add_member("img", name)
        clients[name] = Client(live_server.url, tokens[name])
    h = {"Authorization": f"Bearer {tokens['a1']}"}
    rec = clients["a1"].next_record("img")
    bad = httpx.put(f"{live_server.url}/api/v1/datasets/img/records/{rec.id}/response",
                    headers=h, json={"values": {"boxes": [_box(1, 1, 0, 5)]},
                                     "status": "submitted"}, timeout=60)
    assert bad.status_code == 422
    err = bad.json()["error"]
    assert err["field"] == "boxes" and "no area" in err["message"]
    # r0: both draw the same car, a2 adds a person -> F1 2*1/3; r1: identical boxes -> 1
    values = {
        ("a1", "r0"): [_box(0, 0, 10, 10)],
        ("a2", "r0"): [_box(1, 0, 10, 10), _box(50, 50, 5, 5, "person")],
        ("a1", "r1"): [_box(5, 5, 20, 20)],
        ("a2", "r1"): [_box(5, 5, 20, 20)],
    }
    for name, c in clients.items():
        while (r := c.next_record("img")) is not None:
            c.submit("img", r.id, {"boxes": values[(name, r.external_id)],
                                   "events": [{"start": 0, "end": 2, "label": "speech"}],
                                   "pose": [{"points": {"a": [1, 2]}}]})
    ha = {"Authorization": f"Bearer {live_server.admin_token}"}
    report = httpx.get(f"{live_server.url}/api/v1/datasets/img/quality", headers=ha,
                       timeout=60)
    assert report.status_code == 200, report.text
    boxes = report.json()["agreement"]["boxes"]
    assert boxes["metric"] == "box_f1@0.5" and boxes["type"] == "bbox"
    assert boxes["value"] == pytest.approx((2 / 3 + 1) / 2)
    # matched IoUs: 90 / 110 on r0, 1 on r1
    assert boxes["mean_iou"] == pytest.approx((90 / 110 + 1) / 2)
    assert boxes["records_with_2plus"] == 2
    events = report.json()["agreement"]["events"]
    assert events["metric"] == "segment_f1@0.5" and events["value"] == 1.0
    pose = report.json()["agreement"]["pose"]
    assert pose["metric"] == "keypoint_f1@0.5" and pose["value"] == 1.0  # same single point
    res = httpx.post(f"{live_server.url}/api/v1/datasets/img/quality/aggregate", headers=ha,
                     json={"method": "mv"}, timeout=60)
    assert res.status_code == 200, res.text
    assert res.json() == {"boxes": 2, "events": 2}
    queue = httpx.get(f"{live_server.url}/api/v1/datasets/img/quality/disagreements",
                      headers=ha, params={"question": "boxes", "max_confidence": 1.0},
                      timeout=60).json()
    by_ext = {q["external_id"]: q for q in queue}
    # r0: the car fused from both (x = 0.5), the person drawn by one of two: score 0.5, kept
    # (>= half); confidence = min(max(s, 1 - s)) = 0.5
    r0 = by_ext["r0"]
    assert r0["method"] == "fusion" and r0["confidence"] == pytest.approx(0.5)
    assert r0["agreement"] == pytest.approx(2 / 3)
    cars = [b for b in r0["value"] if b["label"] == "car"]
    assert cars == [{"x": 0.5, "y": 0.0, "w": 10.0, "h": 10.0, "label": "car", "score": 1.0}]
    assert by_ext["r1"]["value"] == [{"x": 5.0, "y": 5.0, "w": 20.0, "h": 20.0, "label": "car",
                                      "score": 1.0}]
    assert queue[0]["external_id"] == "r0"  # least confident first
