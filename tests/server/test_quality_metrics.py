"""``GET /datasets/{name}/quality?metric=M`` on a dataset with every question type: each
allowed metric gives JSON 200 (with a per-question note where the metric does not apply) or
JSON 422, never a 500; a metric that applies gives a number (ratings included). Real uvicorn,
SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from accord import Client
from accord.schema.questions import AGREEMENT_METRICS, QUESTION_TYPES, question_type

METRICS = tuple(AGREEMENT_METRICS)  # every value ?metric= allows
SETTINGS = {
    "fields": [{"name": "text", "type": "text"}, {"name": "a", "type": "text"},
               {"name": "b", "type": "text"}, {"name": "c", "type": "json"},
               {"name": "image", "type": "image"}, {"name": "clip", "type": "audio"},
               {"name": "video", "type": "video"}, {"name": "scan", "type": "point_cloud"}],
    "questions": [
        {"name": "label", "type": "label", "labels": ["pos", "neg"]},
        {"name": "multi_label", "type": "multi_label", "labels": ["x", "y"]},
        {"name": "span", "type": "span", "field": "text", "labels": ["PER"]},
        {"name": "rating", "type": "rating", "min": 1, "max": 5},
        {"name": "ranking", "type": "ranking", "field": "c"},
        {"name": "pairwise", "type": "pairwise", "fields": ["a", "b"]},
        {"name": "text", "type": "text"},
        {"name": "flags", "type": "flags", "labels": ["pii", "toxic"]},
        {"name": "bbox", "type": "bbox", "field": "image", "labels": ["car"]},
        {"name": "polygon", "type": "polygon", "field": "image", "labels": ["car"]},
        {"name": "keypoints", "type": "keypoints", "field": "image", "points": ["a", "b"]},
        {"name": "segment", "type": "segment", "field": "clip", "labels": ["speech"]},
        {"name": "transcript", "type": "transcript", "field": "clip"},
        {"name": "video_track", "type": "video_track", "field": "video", "labels": ["car"]},
        {"name": "video_segment", "type": "video_segment", "field": "video", "labels": ["run"]},
        {"name": "video_frame_label", "type": "video_frame_label", "field": "video",
         "labels": ["walk"]},
        {"name": "cuboid", "type": "cuboid", "field": "scan", "labels": ["car"]}],
    "distribution": {"overlap": 2}}
CANDS = [{"id": "c1", "text": "x"}, {"id": "c2", "text": "y"}]


def _answer(user: int, rec: int) -> dict:
    odd = (user + rec) % 2
    return {"label": ["pos", "neg"][odd and rec == 1], "multi_label": [["x"], ["x", "y"]][odd],
            "span": [{"start": 0, "end": 5, "label": "PER"}][: 1 + odd],
            "rating": 2 + odd + rec, "ranking": [["c1", "c2"], ["c2", "c1"]][odd * (rec % 2)],
            "pairwise": {"choice": ["a", "b"][odd]}, "text": "fine",
            "flags": [{"label": "pii", "severity": "low"}],
            "bbox": [{"x": 0, "y": 0, "w": 10 + odd, "h": 10, "label": "car"}],
            "polygon": [{"points": [[0, 0], [10, 0], [10, 10]], "label": "car"}],
            "keypoints": [{"points": {"a": [1, 2], "b": [3, 4]}}],
            "segment": [{"start": 0, "end": 2, "label": "speech"}],
            "transcript": {"text": "hello"},
            "video_track": {"frames": 30, "width": 320, "height": 240, "tracks": [
                {"id": 1, "label": "car", "keyframes": [
                    {"frame": 0, "x": 10, "y": 20, "w": 30 + odd, "h": 40},
                    {"frame": 29, "x": 60, "y": 20, "w": 30, "h": 40}]}]},
            "video_segment": {"duration": 4.0, "segments": [
                {"start": 0.5, "end": 2.0 + odd, "label": "run"}]},
            "video_frame_label": {"frames": 30, "ranges": [
                {"start": 0, "end": 9 + odd, "label": "walk"}]},
            "cuboid": [{"x": 1.0, "y": 2.0, "z": 0.5, "l": 4.0 + odd, "w": 2.0, "h": 1.5,
                        "yaw": 0.3, "label": "car"}]}


def test_every_metric_on_every_question_type_is_json(live_server):
    assert sorted(q["type"] for q in SETTINGS["questions"]) == sorted(QUESTION_TYPES)
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("all", SETTINGS)
    admin.import_records("all", [{"id": f"r{i}", "text": "Alice runs", "a": "A", "b": "B",
                                  "c": CANDS, "image": f"img/{i}.png", "clip": f"clip/{i}.wav",
                                  "video": f"video/{i}.webm", "scan": f"scan/{i}.pcd"}
                                 for i in range(3)])
    for u, name in enumerate(("u1", "u2")):
        client = Client(live_server.url, live_server.make_user(name))
        admin.add_member("all", name)
        while (rec := client.next_record("all")) is not None:
            client.submit("all", rec.id, _answer(u, int(rec.external_id[1:])))
    h = {"Authorization": f"Bearer {live_server.admin_token}"}
    base = f"{live_server.url}/api/v1/datasets/all/quality"
    default = httpx.get(base, headers=h, timeout=120)
    assert default.status_code == 200, default.text
    agreement = default.json()["agreement"]
    for name in ("label", "rating", "pairwise", "multi_label", "span", "ranking", "bbox",
                 "segment", "video_track", "video_segment", "video_frame_label", "cuboid"):
        assert agreement[name]["value"] is not None, name
    assert agreement["rating"]["alpha"] is not None and agreement["rating"]["level"] == "ordinal"
    measured = {"label", "multi_label", "span", "rating", "ranking", "pairwise", "bbox",
                "polygon", "keypoints", "segment", "video_track", "video_segment",
                "video_frame_label", "cuboid"}
    for metric in METRICS:
        res = httpx.get(base, headers=h, params={"metric": metric}, timeout=120)
        assert res.status_code in (200, 422), (metric, res.status_code, res.text)
        assert res.headers["content-type"].startswith("application/json"), (metric, res.text)
        body = res.json()
        if res.status_code == 422:
            assert body["error"]["type"] == "input_error" and body["error"]["message"]
            continue
        for name, row in body["agreement"].items():
            if metric in question_type(name).applicable_metrics:
                assert "note" not in row, (metric, name, row)
                assert row["value"] is not None, (metric, name, row)
            else:  # said so, not a 500
                assert row["value"] is None and "does not apply" in row["note"], (metric, name)
        assert set(body["agreement"]) == measured
        rating = body["agreement"]["rating"]
        assert (rating["value"] is None) == (metric not in ("alpha", "cohen", "scott", "gwet"))
    bad = httpx.get(base, headers=h, params={"metric": "kappa"}, timeout=60)
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "input_error"


@pytest.mark.parametrize("metric", ["alpha"])
def test_the_tuple_rows_regression_value(metric):
    """The (record, annotator, value) rows that used to be read as a coders x items matrix
    (alpha 0.2609): the core reads them as long form, 0.4444."""
    from accord.quality.question_quality import question_agreement
    from accord.schema.answers import Answers

    rows = [(1, 1, "pos"), (1, 2, "pos"), (2, 1, "neg"), (2, 2, "neg"), (3, 1, "pos"),
            (3, 2, "neg")]
    value = question_agreement(Answers.from_rows(rows), "label", metric=metric)["value"]
    assert value == pytest.approx(4 / 9)
