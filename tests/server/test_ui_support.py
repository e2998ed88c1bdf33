"""The UI's support endpoints: recent responses, guidelines acknowledgement, gold failures,
settings validation (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from accord import Client

SETTINGS = {"guidelines": "v1",
            "fields": [{"name": "text", "type": "text"},
                       {"name": "chat", "type": "chat", "required": False}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}],
            "distribution": {"overlap": 2, "gold_rate": 0.0}}


@pytest.fixture
def live_server(module_server):
    """One server for this module: every test here uses its own dataset and user names."""
    return module_server


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_recent_responses_newest_first_with_preview(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("recent", SETTINGS)
    admin.import_records(
        "recent",
        [{"id": f"r{i}", "text": f"  record\n number {i}  "} for i in range(3)]
        + [{"id": "chat", "text": "", "chat": [{"role": "user", "content": "hi"}]}],
    )
    token = live_server.make_user("ann")
    admin.add_member("recent", "ann")
    ann = Client(live_server.url, token)
    seen = []
    while (rec := ann.next_record("recent")) is not None:
        ann.submit("recent", rec.id, {"y": "a"})
        seen.append(rec.external_id)
        time.sleep(0.01)
    url = f"{live_server.url}/api/v1/datasets/recent/my/responses"
    rows = httpx.get(url, headers=_h(token)).json()
    assert [r["external_id"] for r in rows] == seen[::-1]
    by_id = {r["external_id"]: r for r in rows}
    assert by_id["r1"]["preview"] == "record number 1"
    assert by_id["chat"]["preview"] == "hi"
    assert all(r["status"] == "submitted" and r["version"] == 1 for r in rows)
    page = httpx.get(url, headers=_h(token), params={"limit": 2}).json()
    rest = httpx.get(url, headers=_h(token),
                     params={"before": page[-1]["updated_at"]}).json()
    assert [r["external_id"] for r in page + rest] == seen[::-1]
    # only the caller's own responses
    other = live_server.make_user("other")
    admin.add_member("recent", "other")
    assert httpx.get(url, headers=_h(other)).json() == []


def test_guidelines_seen_for_members_and_admins(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("gl", SETTINGS)
    token = live_server.make_user("reader")
    admin.add_member("gl", "reader")
    url = f"{live_server.url}/api/v1/datasets/gl/guidelines/seen"
    assert httpx.get(url, headers=_h(token)).json() == {"version": 0, "stored": True}
    assert httpx.put(url, headers=_h(token), json={"version": 1}).json() == {
        "version": 1, "stored": True}
    res = httpx.put(url, headers=_h(token), json={"version": 2})
    assert res.status_code == 422 and "current version is 1" in res.json()["error"]["message"]
    assert httpx.get(url, headers=_h(token)).json()["version"] == 1
    # an admin who is not a member: nothing stored server-side, the browser keeps it
    res = httpx.put(url, headers=_h(live_server.admin_token), json={"version": 1})
    assert res.json() == {"version": 1, "stored": False}
    assert httpx.get(url, headers=_h(live_server.admin_token)).json() == {
        "version": 0, "stored": False}


def test_gold_failures_queue(live_server):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("goldq", {**SETTINGS, "distribution": {"overlap": 2, "gold_rate": 1.0}})
    admin.import_records("goldq", [{"id": "g1", "text": "gold one"}, {"id": "n1", "text": "n"}])
    h = _h(live_server.admin_token)
    base = f"{live_server.url}/api/v1/datasets/goldq"
    gold_id = next(r["id"] for r in httpx.get(f"{base}/records", headers=h).json()["records"]
                   if r["external_id"] == "g1")
    assert httpx.put(f"{base}/records/{gold_id}/gold", headers=h,
                     json={"values": {"y": "a"}}).status_code == 204
    answers = {"right": "a", "wrong": "b"}
    ids = {}
    for name, label in answers.items():
        client = Client(live_server.url, live_server.make_user(name))
        admin.add_member("goldq", name)
        rec = client.next_record("goldq")
        assert rec.external_id == "g1"
        ids[name] = client.submit("goldq", rec.id, {"y": label}).id
    rows = httpx.get(f"{base}/review/gold-failures", headers=h).json()
    assert [(r["user"], r["external_id"], r["gold_correct"], r["response_id"]) for r in rows] == [
        ("wrong", "g1", 0.0, ids["wrong"])]
    assert httpx.get(f"{base}/review/gold-failures", headers=h,
                     params={"annotator": "right"}).json() == []
    assert httpx.post(f"{base}/responses/{ids['wrong']}/review", headers=h,
                      json={"verdict": "reject", "reason": "gold", "version": 1}).status_code == 201
    assert httpx.get(f"{base}/review/gold-failures", headers=h).json() == []
    reviewed = httpx.get(f"{base}/review/gold-failures", headers=h,
                         params={"include_reviewed": True}).json()
    assert [r["review_state"] for r in reviewed] == ["reject"]
    res = httpx.get(f"{base}/review/gold-failures", headers=h, params={"annotator": "nobody"})
    assert res.status_code == 404


def test_settings_validate_yaml_and_json(live_server):
    url = f"{live_server.url}/api/v1/settings/validate"
    h = _h(live_server.admin_token)
    ok = httpx.post(url, headers=h, json={"text": "fields:\n  - {name: t, type: text}\n"
                                                  "questions:\n  - {name: y, type: label, "
                                                  "labels: [a, b]}\n"})
    assert ok.status_code == 200
    assert ok.json()["settings"]["questions"][0]["labels"] == {"a": "a", "b": "b"}
    as_json = httpx.post(
        url, headers=h, json={"text": '{"fields": [{"name": "t", "type": "chat"}]}'}
    )
    assert as_json.json()["settings"]["fields"] == [{"name": "t", "type": "chat", "required": True}]
    bad = httpx.post(url, headers=h, json={"text": "fields: [{name: t, type: txt}]"})
    assert bad.status_code == 422
    assert bad.json()["error"]["problems"][0]["path"] == "fields[0].type"
    broken = httpx.post(url, headers=h, json={"text": "fields: [unclosed"})
    assert broken.status_code == 422 and "not valid YAML/JSON" in broken.json()["error"]["message"]
    # every problem carries the line of its path in the submitted text
    two = httpx.post(url, headers=h, json={"text": "fields:\n  - {name: t, type: text}\n"
                                                   "questions:\n  - name: y\n    type: label\n"
                                                   "    labels: [a]\n  - {name: z, type: vote}\n"})
    assert two.status_code == 422
    assert [(p["path"], p["line"]) for p in two.json()["error"]["problems"]] == [
        ("questions[0].labels", 6), ("questions[1].type", 7)]
    assert "line 6: questions[0].labels: needs at least 2 labels" in two.json()["error"]["message"]
    # a character YAML refuses (here a control character, which JSON can carry) is a 422 too
    odd = httpx.post(url, headers={**h, "Content-Type": "application/json"},
                     content=json.dumps({"text": "fields:\n  - {name: t\x1f, type: text}\n"}))
    assert odd.status_code == 422, odd.text
    assert odd.json()["error"]["problems"][0]["line"] == 2
    # nested aliases standing for millions of values are refused before they are built
    laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    started = time.monotonic()
    bomb = httpx.post(url, headers=h, json={"text": laughs + "fields: *a8\n"})
    assert bomb.status_code == 422 and time.monotonic() - started < 5
    assert "through its aliases" in bomb.json()["error"]["message"]
    deep = httpx.post(url, headers=h, json={"text": "fields: " + "[" * 5000 + "]" * 5000})
    assert deep.status_code == 422 and "nested too deeply" in deep.json()["error"]["message"]
    assert broken.json()["error"]["problems"] == [
        {"path": "", "message": broken.json()["error"]["problems"][0]["message"], "line": 1}]
