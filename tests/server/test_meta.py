"""GET /api/v1/meta on a real uvicorn: every question type, export format and aggregation method."""

from __future__ import annotations

import httpx
import pytest

from accord import Client
from accord.io.exporters import FORMATS
from accord.quality.aggregation import AGGREGATORS
from accord.schema.questions import BUILTINS
from tests.server.conftest import start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(f"sqlite:///{tmp_path_factory.mktemp('meta') / 'accord.db'}")
    yield live
    stop_server(live)


def test_meta_lists_every_type_format_and_method(server):
    token = server.make_user("meta-annotator")  # any logged-in user, not only admins
    meta = Client(server.url, token).meta()

    types = {t["name"]: t for t in meta["question_types"]}
    assert list(types)[:len(BUILTINS)] == list(BUILTINS)
    assert len(BUILTINS) == 17
    rating = types["rating"]
    assert rating["agreement"] == {"metric": "alpha", "level": "ordinal",
                                   "applicable_metrics": ["alpha", "cohen", "scott", "gwet"]}
    assert rating["consensus"]["default"] == "mean"
    assert rating["settings_schema"]["properties"]["max"]["default"] == 5
    assert types["bbox"]["agreement"]["metric"] == "region_f1"
    assert types["keypoints"]["widget"] == "keypoints"
    assert types["video_track"]["agreement"]["metric"] == "track_mot"
    assert types["video_track"]["consensus"]["default"] == "track_fusion"
    assert [f["key"] for f in types["pairwise"]["form"]] == ["fields", "allow_tie",
                                                             "max_strength"]
    assert "preference_pair" in types["ranking"]["export_roles"]

    formats = {f["name"]: f for f in meta["export_formats"]}
    assert list(formats) == list(FORMATS)
    assert len(formats) == 19
    assert formats["mot"]["question_types"] == ["video_track"]
    assert formats["dpo"]["question_types"] == ["ranking", "pairwise"]
    assert formats["coco"]["question_types"] == ["bbox", "polygon", "keypoints"]
    assert formats["kitti"]["question_types"] == formats["cuboids"]["question_types"] == ["cuboid"]
    assert formats["kitti"]["containers"] == ["zip"]
    pairs = {o["name"]: o for o in formats["dpo"]["options"]}["pairs"]
    assert pairs["choices"] == ["best-worst", "all"] and pairs["default"] == "best-worst"

    methods = {m["name"]: m for m in meta["aggregation_methods"]}
    assert set(AGGREGATORS) <= set(methods)
    for t in meta["question_types"]:
        assert set(t["consensus"]["methods"]) <= set(methods), t["name"]
    assert methods["ds"]["kind"] == "classification"
    assert {m["name"] for m in meta["agreement_metrics"]} >= {"alpha", "span_f1", "region_f1"}
    assert "image" in meta["field_types"] and "point_cloud" in meta["field_types"]


def test_meta_sections(server):
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    only = httpx.get(f"{server.url}/api/v1/meta?include=question_types", headers=headers)
    assert only.status_code == 200 and list(only.json()) == ["question_types"]
    assert [t["name"] for t in only.json()["question_types"]][:len(BUILTINS)] == list(BUILTINS)
    bad = httpx.get(f"{server.url}/api/v1/meta?include=question_types,colours", headers=headers)
    assert bad.status_code == 422
    assert "unknown section 'colours'" in bad.text and "field_types" in bad.text


def test_meta_needs_a_login(server):
    resp = httpx.get(f"{server.url}/api/v1/meta")
    assert resp.status_code == 401
    assert "detail" in resp.json() or "error" in resp.json()
