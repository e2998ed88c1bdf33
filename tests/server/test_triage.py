"""Feedback triage: a filtered selection of records becomes a rewrite or review dataset."""

from __future__ import annotations

import httpx
import pytest

from accord import Client

CHATS = {"fields": [{"name": "conversation", "type": "chat"}, {"name": "title", "type": "text"}],
         "questions": []}


@pytest.fixture
def live_server(module_server):
    """One server for this module: every test here uses its own dataset and user names."""
    return module_server


def _logs() -> list[dict]:
    rows = []
    for i, fb in enumerate(["down", "up", "down", "down", "up"]):
        turns = [{"role": "system", "content": "be nice"}, {"role": "user", "content": f"q{i}"},
                 {"role": "assistant", "content": f"a{i}"}, {"role": "user", "content": "thanks"}]
        if i == 3:
            turns = turns[:2]  # no assistant turn: skipped
        rows.append({"id": f"c{i}", "conversation": turns, "title": f"chat {i}", "feedback": fb,
                     "lang": "en" if i else "de"})
    return rows


def _post(server, dataset, body, token=None):  # type: ignore[no-untyped-def]
    return httpx.post(f"{server.url}/api/v1/datasets/{dataset}/triage", json=body,
                      headers={"Authorization": f"Bearer {token or server.admin_token}"})


def test_rewrite_dataset_from_thumbs_down(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("logs", CHATS)
    admin.import_records("logs", _logs())
    live_server.make_user("ann")
    admin.add_member("logs", "ann")
    res = _post(live_server, "logs", {"target": "logs-fix", "task": "rewrite",
                                      "metadata": {"feedback": "down"}})
    assert res.status_code == 200, res.text
    assert res.json() == {"dataset": "logs-fix", "created": True, "matched": 3, "inserted": 2,
                          "updated": 0, "skipped": 1}
    h = {"Authorization": f"Bearer {live_server.admin_token}"}
    ds = httpx.get(f"{live_server.url}/api/v1/datasets/logs-fix", headers=h).json()
    settings = ds["settings"]
    assert [f["name"] for f in settings["fields"]] == ["conversation", "reply"]
    rewrite = settings["questions"][0]
    assert (rewrite["type"], rewrite["field"], rewrite["required"]) == ("text", "reply", True)
    assert "feedback = down" in settings["guidelines"]
    recs = httpx.get(f"{live_server.url}/api/v1/datasets/logs-fix/records", headers=h).json()
    first = recs["records"][0]
    assert first["external_id"] == "logs:c0"
    assert first["fields"] == {"conversation": [{"role": "system", "content": "be nice"},
                                                {"role": "user", "content": "q0"}],
                               "reply": "a0"}
    assert first["metadata"] == {"feedback": "down", "lang": "de", "source_dataset": "logs",
                                 "source_external_id": "c0"}
    members = httpx.get(f"{live_server.url}/api/v1/datasets/logs-fix/members", headers=h).json()
    assert [m["name"] for m in members] == ["ann"]
    # the same triage again updates instead of duplicating; a narrower filter adds nothing new
    again = _post(live_server, "logs", {"target": "logs-fix", "task": "rewrite",
                                        "metadata": {"feedback": "down", "lang": "en"}})
    assert again.json() == {"dataset": "logs-fix", "created": False, "matched": 2,
                            "inserted": 0, "updated": 1, "skipped": 1}


def test_review_dataset_of_a_text_field(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("logs2", CHATS)
    admin.import_records("logs2", _logs())
    res = _post(live_server, "logs2", {"target": "logs2-review", "task": "review",
                                       "field": "title", "q": "chat 4", "copy_members": False})
    assert res.json()["inserted"] == 1
    h = {"Authorization": f"Bearer {live_server.admin_token}"}
    settings = httpx.get(f"{live_server.url}/api/v1/datasets/logs2-review",
                         headers=h).json()["settings"]
    assert [q["name"] for q in settings["questions"]] == ["verdict", "problems", "safety", "note"]
    assert [f["name"] for f in settings["fields"]] == ["conversation", "title"]


def test_triage_errors(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("logs3", CHATS)
    admin.import_records("logs3", _logs())
    admin.create_dataset("other", {"fields": [{"name": "x", "type": "text"}]})
    same = _post(live_server, "logs3", {"target": "logs3", "task": "rewrite"})
    assert same.status_code == 422 and same.json()["error"]["field"] == "target"
    field = _post(live_server, "logs3", {"target": "t3", "task": "rewrite", "field": "nope"})
    assert field.status_code == 422 and "unknown field 'nope'" in field.json()["error"]["message"]
    # an existing target whose fields do not fit: nothing is written
    misfit = _post(live_server, "logs3", {"target": "other", "task": "rewrite"})
    assert misfit.status_code == 422
    h = {"Authorization": f"Bearer {live_server.admin_token}"}
    assert httpx.get(f"{live_server.url}/api/v1/datasets/other", headers=h).json()[
        "counts"]["records"] == 0
    token = live_server.make_user("rev", "reviewer")
    admin.add_member("logs3", "rev")
    assert _post(live_server, "logs3", {"target": "t4", "task": "review"}, token).status_code == 403
    assert httpx.get(f"{live_server.url}/api/v1/datasets/t4", headers=h).status_code == 404
