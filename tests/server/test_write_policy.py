"""The write policy over HTTP (accord/workflow/policy.py): a real uvicorn on SQLite and
PostgreSQL.

Each gate is tried on submit, draft and discard by record id and on a record read; each
refusal is a JSON 403/409 with ``error.reason`` and nothing is stored. Then review
integrity (a verdict is bound to the version it judged), the time_spent bound and the
validation of discarded responses. Every test here fails on the code before the policy.
"""

from __future__ import annotations

import json

import httpx
import pytest

from accord import Client
from tests.server.conftest import start_server, stop_server

BASE = {"guidelines": "Pick a.",
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True},
                      {"name": "note", "type": "text"}],
        "distribution": {"overlap": 1, "lease_seconds": 600}}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('policy') / 'accord.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"policy_{id(request)}")
    srv = start_server(url)
    yield srv
    stop_server(srv)


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(server, name, extra=None, *, n=4, meta=None, gold=0, annotators=("ann",)):
    """A dataset ``name`` with ``n`` records (``r0``..), ``gold`` gold records (``g0``..) and
    annotator members named ``<name>-<who>``; returns (admin, {who: http client}, ids)."""
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(name, {**BASE, **(extra or {})})
    rows = [{"id": f"r{i}", "text": f"text {i}", **(meta(i) if meta else {})} for i in range(n)]
    rows += [{"id": f"g{i}", "text": f"gold {i}"} for i in range(gold)]
    admin.import_records(name, rows)
    ids = {r.external_id: r.id for r in admin.records(name)}
    for ext, rid in ids.items():
        if ext.startswith("g"):
            admin.set_gold(name, rid, {"y": "a"})
    clients = {}
    for who in annotators:
        user = f"{name}-{who}"
        token = server.make_user(user)
        admin.add_member(name, user)
        clients[who] = httpx.Client(base_url=f"{server.url}/api/v1/datasets/{name}",
                                    headers=_h(token), timeout=60)
    return admin, clients, ids


def _refused(client, record_id, reason, status, *, read=None):
    """submit, draft and discard of ``record_id`` are refused with ``reason`` (and a read
    with ``read``: (status, reason), or allowed when None)."""
    for body in ({"values": {"y": "a"}, "status": "submitted"},
                 {"values": {"y": "a"}, "status": "draft"},
                 {"values": {}, "status": "discarded"}):
        res = client.put(f"/records/{record_id}/response", json=body)
        assert res.status_code == status, (body["status"], res.status_code, res.text)
        err = res.json()["error"]
        assert err["reason"] == reason, (body["status"], err)
        assert err["type"] == ("conflict" if status == 409 else "forbidden")
        assert err["message"]
    res = client.get(f"/records/{record_id}")
    if read is None:
        assert res.status_code == 200, res.text
    else:
        assert (res.status_code, res.json()["error"]["reason"]) == read, res.text


def _nothing_stored(admin, name):
    assert [r for rec in admin.records(name) for r in rec.responses] == []


def test_paused_annotator_cannot_write_the_record_they_hold(server):
    admin, c, _ = _setup(server, "paused")
    held = c["ann"].post("/next").json()
    admin.update_member("paused", "paused-ann", paused=True, reason="spot check")
    # they were handed it, so they may still see it; writing waits for the unpause
    _refused(c["ann"], held["id"], "paused", 403)
    _nothing_stored(admin, "paused")
    admin.unpause("paused", "paused-ann")
    res = c["ann"].put(f"/records/{held['id']}/response", json={"values": {"y": "a"}})
    assert res.status_code == 200, res.text


def test_unqualified_annotator_cannot_answer_ordinary_records(server):
    onboarding = {"onboarding": {"training": {"count": 1},
                                 "qualification": {"count": 1, "pass_mark": 1.0}}}
    admin, c, ids = _setup(server, "unq", onboarding, gold=2)
    first = c["ann"].post("/next").json()
    assert first["external_id"] == "g0"  # training first
    _refused(c["ann"], ids["r0"], "training", 403, read=(403, "not_handed_out"))
    _nothing_stored(admin, "unq")
    res = c["ann"].put(f"/records/{first['id']}/response", json={"values": {"y": "a"}})
    assert res.status_code == 200, res.text  # the training record itself is fine


def test_annotator_over_quota_cannot_take_more_by_id(server):
    admin, c, ids = _setup(server, "quota", {"assignment": {"quota": 1}})
    rec = c["ann"].post("/next").json()
    assert c["ann"].put(f"/records/{rec['id']}/response",
                        json={"values": {"y": "a"}}).status_code == 200
    other = next(rid for ext, rid in ids.items() if rid != rec["id"])
    _refused(c["ann"], other, "quota_reached", 403, read=(403, "not_handed_out"))
    assert sum(len(r.responses) for r in admin.records("quota")) == 1


def test_annotator_outside_the_match_rules_is_refused(server):
    extra = {"assignment": {"match": [{"metadata": "language", "attribute": "languages"}]}}
    admin, c, ids = _setup(server, "lang", extra, meta=lambda i: {"language": "en"})
    admin.update_user("lang-ann", attributes={"languages": ["fr"]})
    _refused(c["ann"], ids["r0"], "outside_assignment", 403, read=(403, "not_handed_out"))
    _nothing_stored(admin, "lang")
    assert c["ann"].post("/next").status_code == 204


def test_guidelines_must_be_acknowledged_before_writing(server):
    extra = {"onboarding": {"require_guidelines_ack": True}}
    admin, c, ids = _setup(server, "ack", extra)
    _refused(c["ann"], ids["r0"], "needs_guidelines_ack", 403, read=(403, "not_handed_out"))
    _nothing_stored(admin, "ack")
    assert c["ann"].post("/onboarding/acknowledge").status_code == 200
    rec = c["ann"].post("/next").json()
    assert c["ann"].put(f"/records/{rec['id']}/response",
                        json={"values": {"y": "a"}}).status_code == 200


def test_record_leased_to_someone_else_is_refused_even_as_a_draft(server):
    admin, c, _ = _setup(server, "leased", annotators=("a", "b"))
    held = c["a"].post("/next").json()
    _refused(c["b"], held["id"], "leased_to_other", 409, read=(409, "leased_to_other"))
    _nothing_stored(admin, "leased")


def test_record_never_handed_out_is_refused(server):
    admin, c, ids = _setup(server, "never")
    _refused(c["ann"], ids["r3"], "not_handed_out", 403, read=(403, "not_handed_out"))
    _nothing_stored(admin, "never")
    # gold records too (they used to be the only ones checked)
    gold_admin, g, gids = _setup(server, "never-gold", gold=1)
    _refused(g["ann"], gids["g0"], "not_handed_out", 403, read=(403, "not_handed_out"))


# -- review integrity -------------------------------------------------------------------

REVIEW = {"fields": [{"name": "prompt", "type": "text"}],
          "questions": [{"name": "answer", "type": "text", "required": True}],
          "distribution": {"overlap": 1}}


def _export(server, name, status):
    res = httpx.get(f"{server.url}/api/v1/datasets/{name}/export", headers=_h(server.admin_token),
                    params={"format": "sft-prompt-completion", "prompt_field": "prompt",
                            "question": "answer", "status": status}, timeout=60)
    assert res.status_code == 200, res.text
    return [json.loads(line)["completion"] for line in res.text.splitlines() if line]


def test_an_edit_after_a_verdict_reopens_review_and_stale_verdicts_are_409(server):
    admin = Client(server.url, server.admin_token)
    admin.create_dataset("rev", REVIEW)
    admin.import_records("rev", [{"id": "p1", "prompt": "say hi"},
                                 {"id": "p2", "prompt": "say bye"}])
    ann = Client(server.url, server.make_user("rev-ann"))
    reviewer = Client(server.url, server.make_user("rev-rev", "reviewer"))
    for user in ("rev-ann", "rev-rev"):
        admin.add_member("rev", user)
    r1, r2 = ann.next_record("rev"), None
    v1 = ann.submit("rev", r1.id, {"answer": "hi there"})
    r2 = ann.next_record("rev")
    w1 = ann.submit("rev", r2.id, {"answer": "bye now"})
    reviewer.review("rev", v1.id, "accept", version=v1.version)
    reviewer.review("rev", w1.id, "fix", version=w1.version, values={"answer": "goodbye"})
    assert sorted(_export(server, "rev", "reviewed")) == ["goodbye", "hi there"]
    # the annotator edits both after the verdicts: neither verdict applies any more
    v2 = ann.submit("rev", r1.id, {"answer": "UNREVIEWED EDIT"}, version=v1.version)
    w2 = ann.submit("rev", r2.id, {"answer": "another edit"}, version=w1.version)
    assert v2.review_state is None and w2.review_state is None
    assert _export(server, "rev", "reviewed") == []  # nothing a reviewer saw is left
    # the stale fix is not applied to the new text either
    assert sorted(_export(server, "rev", "submitted")) == ["UNREVIEWED EDIT", "another edit"]
    reviews = httpx.get(f"{server.url}/api/v1/datasets/rev/responses/{v1.id}/reviews",
                        headers=_h(server.admin_token)).json()
    assert [(r["verdict"], r["response_version"], r["in_force"]) for r in reviews] == [
        ("accept", v1.version, False)]
    # back in the review queue
    item = reviewer.next_for_review("rev")
    assert item is not None and item.id == r1.id
    # a verdict on the version the reviewer saw before the edit is refused
    res = httpx.post(f"{server.url}/api/v1/datasets/rev/responses/{v1.id}/review",
                     headers=reviewer._http.headers, json={"verdict": "accept",
                                                           "version": v1.version})
    assert res.status_code == 409 and res.json()["error"]["reason"] == "stale_version", res.text
    assert f"version {v2.version}" in res.json()["error"]["message"]
    # the version is required
    res = httpx.post(f"{server.url}/api/v1/datasets/rev/responses/{v1.id}/review",
                     headers=reviewer._http.headers, json={"verdict": "accept"})
    assert res.status_code == 422 and res.json()["error"]["field"] == "version"
    reviewer.review("rev", v2.id, "accept", version=v2.version)
    assert _export(server, "rev", "reviewed") == ["UNREVIEWED EDIT"]


def test_a_reviewer_cannot_judge_their_own_response(server):
    admin = Client(server.url, server.admin_token)
    admin.create_dataset("self", REVIEW)
    admin.import_records("self", [{"id": "p1", "prompt": "x"}])
    rev = Client(server.url, server.make_user("self-rev", "reviewer"))
    admin.add_member("self", "self-rev")
    rec = rev.next_record("self")
    mine = rev.submit("self", rec.id, {"answer": "mine"})
    res = httpx.post(f"{server.url}/api/v1/datasets/self/responses/{mine.id}/review",
                     headers=rev._http.headers, json={"verdict": "accept", "version": 1})
    assert res.status_code == 403 and res.json()["error"]["reason"] == "own_response"


# -- time reports and discarded values ---------------------------------------------------

def test_time_spent_is_bounded_by_the_wall_clock_since_hand_out(server):
    admin, c, _ = _setup(server, "clock")
    rec = c["ann"].post("/next").json()
    total = 0.0
    for _ in range(5):  # five drafts claiming a whole day each, within a second
        res = c["ann"].put(f"/records/{rec['id']}/response",
                           json={"values": {"note": "x"}, "status": "draft",
                                 "time_spent": 86400, "version": None})
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["time_spent_capped"] is not None and body["time_spent_capped"] < 60
        total = body["time_spent"]
    assert total < 60  # not five days
    server.pass_time(300)  # five minutes of honest work since the last save
    res = c["ann"].put(f"/records/{rec['id']}/response",
                       json={"values": {"y": "a"}, "time_spent": 120})
    assert res.status_code == 200 and res.json()["time_spent_capped"] is None
    assert 120 <= res.json()["time_spent"] < 180
    audit = [e for e in admin.audit(dataset="clock") if e["action"] == "response.time_capped"]
    assert len(audit) == 5


def test_discarded_responses_are_validated(server):
    admin, c, _ = _setup(server, "skip")
    rec = c["ann"].post("/next").json()
    for values, field in (({"nope": 1}, "nope"), ({"y": "z"}, "y")):
        res = c["ann"].put(f"/records/{rec['id']}/response",
                           json={"values": values, "status": "discarded"})
        assert res.status_code == 422, res.text
        assert res.json()["error"]["field"] == field
    _nothing_stored(admin, "skip")
    res = c["ann"].put(f"/records/{rec['id']}/response",
                       json={"values": {"note": "unclear"}, "status": "discarded"})
    assert res.status_code == 200 and res.json()["values"] == {"note": "unclear"}
