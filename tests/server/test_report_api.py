"""``GET /api/v1/datasets/{name}/report`` on a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from scipy.stats import chi2_contingency

from accord import Client
from accord.store import make_engine
from accord.store.datasets import add_member, get_dataset
from accord.store.engine import write_scope
from accord.store.users import get_user
from tests.quality.health_fixture import build


@pytest.fixture
def server(live_server):
    engine = make_engine(live_server.db_url)
    try:
        build(engine)
    finally:
        engine.dispose()
    return live_server


def _get(server, token, **params):
    return httpx.get(f"{server.url}/api/v1/datasets/health/report", params=params,
                     headers={"Authorization": f"Bearer {token}"}, timeout=120)


def test_report_json_and_markdown(server):
    res = _get(server, server.admin_token, slice=["source", "lang"], group_by="locale",
               min_records=10)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/json"
    data = res.json()
    assert (data["dataset"], data["records"], data["responses"]) == ("health", 60, 180)
    assert data["slices"] == ["source", "lang"] and data["groups"] == ["locale"]
    part = data["questions"][0]["parts"][0]
    assert data["questions"][0]["name"] == "sentiment" and part["values"] == ["pos", "neg",
                                                                             "neutral"]
    table = [row["record_counts"] for row in part["slices"]["source"]["rows"]]
    ref = chi2_contingency([r for r in table if sum(r)], correction=False)
    assert part["slices"]["source"]["chi_square"]["chi2"] == pytest.approx(ref.statistic)
    assert {w["kind"] for w in data["warnings"]} >= {"label_depends_on_slice"}
    assert not any(w["kind"] == "coverage_gap" and w["slice"] == "source"
                   for w in data["warnings"])
    res = _get(server, server.admin_token, format="markdown", question="stars")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/markdown")
    assert "## Question **stars** (rating)" in res.text and "**sentiment**" not in res.text


def test_report_access_and_errors(server):
    annotator = server.make_user("ann-x")
    reviewer = server.make_user("rev-x", "reviewer")
    assert _get(server, reviewer).status_code == 403  # not a member
    engine = make_engine(server.db_url)
    try:
        with write_scope(engine) as s:
            add_member(s, get_dataset(s, "health"), get_user(s, "rev-x"))
            add_member(s, get_dataset(s, "health"), get_user(s, "ann-x"))
    finally:
        engine.dispose()
    assert _get(server, annotator).status_code == 403
    assert _get(server, reviewer).status_code == 200
    res = _get(server, server.admin_token, question="bogus")
    assert res.status_code == 422 and "unknown question 'bogus'" in res.text
    res = _get(server, server.admin_token, format="html")
    assert res.status_code == 422
    res = httpx.get(f"{server.url}/api/v1/datasets/none/report",
                    headers={"Authorization": f"Bearer {server.admin_token}"})
    assert res.status_code == 404


def test_client_report(server):
    client = Client(server.url, server.admin_token)
    data = client.report("health", slices=["lang"], group_by=["locale"], min_records=5)
    assert data["slices"] == ["lang"] and data["groups"] == ["locale"]
    assert data["options"]["min_records"] == 5
    text = client.report("health", questions=["topics"], markdown=True)
    assert "## Question **topics** (multi_label)" in text
    with pytest.raises(Exception, match="unknown question 'x'"):
        client.report("health", questions=["x"])
