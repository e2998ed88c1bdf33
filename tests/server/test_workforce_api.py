"""The workforce over HTTP: a real uvicorn server on SQLite and PostgreSQL, the Python
client, onboarding reasons, quotas under concurrent requests, pauses, assignment rules
and the time report."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime

import httpx
import pytest

from accord import Client
from accord.errors import Conflict, Forbidden, NotFound
from tests.conftest import run_cli
from tests.server.conftest import start_server, stop_server

BASE = {"guidelines": "Label **a** when the text says a.",
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}],
        "distribution": {"overlap": 1}}


def _dataset(server, name, extra, *, n=10, gold=0, attention=0, annotators=("ann",),
             meta=None):
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(name, {**BASE, **extra})
    rows = [{"id": f"r{i}", "text": f"text {i}", **((meta or (lambda i: {}))(i))}
            for i in range(n)]
    rows += [{"id": f"g{i}", "text": f"gold {i}"} for i in range(gold)]
    rows += [{"id": f"att{i}", "text": "please pick a"} for i in range(attention)]
    admin.import_records(name, rows)
    for rec in admin.records(name):
        if rec.external_id.startswith("g"):
            admin.set_gold(name, rec.id, {"y": "a"}, explanation=f"{rec.external_id} says a")
        elif rec.external_id.startswith("att"):
            admin.set_gold(name, rec.id, {"y": "a"}, attention=True)
    clients = {}
    for user in annotators:
        try:
            token = server.make_user(user)
        except Conflict:
            token = admin.create_token(user)
        admin.add_member(name, user)
        clients[user] = Client(server.url, token)
    return admin, clients


ONBOARDING = {"onboarding": {"require_guidelines_ack": True, "training": {"count": 1},
                             "qualification": {"count": 2, "pass_mark": 1.0,
                                               "retry_after_seconds": 3600}}}


def test_failed_qualification_over_http(live_server):
    admin, clients = _dataset(live_server, "onb", ONBOARDING, gold=3)
    ann = clients["ann"]
    assert ann.next_record("onb") is None and ann.last_next_reason == "needs_guidelines_ack"
    status = ann.onboarding_status("onb")
    assert status["state"] == "needs_guidelines_ack" and "guidelines" in status["message"]
    assert ann.acknowledge_guidelines("onb")["state"] == "training"
    rec = ann.next_record("onb")
    assert rec is not None and rec.external_id == "g0" and ann.last_next_reason is None
    fb = ann.submit("onb", rec.id, {"y": "b"}).feedback
    assert fb["answer"] == {"y": "a"} and fb["explanation"] == "g0 says a" and not fb["correct"]
    for _ in range(2):
        rec = ann.next_record("onb")
        assert rec.external_id in ("g1", "g2")
        assert ann.submit("onb", rec.id, {"y": "b"}).feedback is None  # silent
    for _ in range(20):
        assert ann.next_record("onb") is None
        assert ann.last_next_reason == "qualification_failed"
        retry_at = datetime.fromisoformat(ann.last_next_retry_at)
        assert retry_at > datetime.now(UTC)
    status = ann.onboarding_status("onb")
    assert status["state"] == "qualification_failed"
    assert datetime.fromisoformat(status["retry_at"]) == retry_at
    assert status["message"].startswith("Thank you for trying")
    (row,) = admin.workforce("onb")
    assert row["user"] == "ann" and row["phase"] == "failed" and row["last_score"] == 0.0
    # an admin may let them try again at once
    admin.update_member("onb", "ann", reset_onboarding=True)
    assert ann.onboarding_status("onb")["state"] == "training"


def test_quota_holds_under_concurrent_requests(db_url):
    server = start_server(db_url, workers=2)
    try:
        _, clients = _dataset(server, "quota", {"assignment": {"quota": 5}}, n=40)
        ann = clients["ann"]
        token = ann._http.headers["Authorization"]
        submitted: list[int] = []
        lock = threading.Lock()
        barrier = threading.Barrier(8)

        def worker() -> None:
            with httpx.Client(base_url=server.url + "/api/v1", timeout=60,
                              headers={"Authorization": token}) as http:
                barrier.wait()
                for _ in range(20):
                    res = http.post("/datasets/quota/next")
                    if res.status_code == 204:
                        assert res.headers["x-accord-reason"] == "quota_reached"
                        return
                    rid = res.json()["id"]
                    put = http.put(f"/datasets/quota/records/{rid}/response",
                                   json={"values": {"y": "a"}, "status": "submitted"})
                    if put.status_code == 200:
                        with lock:
                            submitted.append(rid)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(submitted)) == 5, submitted
        assert ann.next_record("quota") is None and ann.last_next_reason == "quota_reached"
        assert ann.onboarding_status("quota")["used"] == 5
    finally:
        stop_server(server)


def test_attention_failure_pauses_and_admin_unpauses(live_server):
    monitoring = {"monitoring": {"attention_rate": 1.0, "gold_window": 5, "min_gold_answers": 1}}
    admin, clients = _dataset(live_server, "att", monitoring, n=3, attention=1)
    ann = clients["ann"]
    rec = ann.next_record("att")
    assert rec.external_id == "att0"
    ann.submit("att", rec.id, {"y": "b"})
    assert ann.next_record("att") is None and ann.last_next_reason == "paused"
    (row,) = admin.workforce("att")
    assert row["paused"] and "attention check" in row["pause_reason"]
    with pytest.raises(NotFound):
        admin.unpause("att", "admin")  # not a member
    (row,) = admin.unpause("att", "ann")
    assert not row["paused"] and row["pause_reason"] is None
    rec = ann.next_record("att")
    assert rec is not None and rec.external_id.startswith("r")
    audit = [e["action"] for e in admin.audit(dataset="att")]
    assert "workforce.pause" in audit and "workforce.unpause" in audit


def test_assignment_rule_by_language_with_user_attributes(live_server):
    def meta(i):
        return {"language": ["en", "fr"][i % 2]}

    extra = {"assignment": {"match": [{"metadata": "language", "attribute": "languages"}]}}
    admin, clients = _dataset(live_server, "lang", extra, n=6, meta=meta,
                              annotators=("french",))
    assert admin.update_user("french", attributes={"languages": ["fr"]})["attributes"] == {
        "languages": ["fr"]}
    fr = clients["french"]
    got = []
    while (rec := fr.next_record("lang")) is not None:
        # the annotator is not sent the undeclared key (workflow.policy.visible_metadata)
        assert rec.metadata == {} and admin.record("lang", rec.id).metadata["language"] == "fr"
        fr.submit("lang", rec.id, {"y": "a"})
        got.append(rec.external_id)
    assert got == ["r1", "r3", "r5"] and fr.last_next_reason == "no_records"
    res = httpx.patch(f"{live_server.url}/api/v1/users/french",
                      headers={"Authorization": f"Bearer {live_server.admin_token}"},
                      json={"attributes": {"languages": [{"nested": 1}]}})
    assert res.status_code == 422 and res.json()["error"]["field"] == "attributes.languages"


def test_time_report_json_and_csv(live_server):
    admin, clients = _dataset(live_server, "ts", {}, n=4, annotators=("ann", "bob"))
    for user, spent in (("ann", 10.0), ("ann", 30.0), ("ann", 20.0), ("bob", 4.0)):
        rec = clients[user].next_record("ts")
        live_server.pass_time(spent)
        clients[user].submit("ts", rec.id, {"y": "a"}, time_spent=spent)
    rows = admin.timesheet("ts")
    assert [(r["user"], r["records"], r["active_seconds"], r["median_seconds"]) for r in rows] \
        == [("ann", 3, 60.0, 20.0), ("bob", 1, 4.0, 4.0)]
    text = admin.timesheet("ts", csv=True)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["user"] == "ann" and parsed[0]["active_seconds"] == "60.0"
    assert parsed[0]["date"] == rows[0]["date"]
    with pytest.raises(Forbidden):
        clients["ann"].timesheet("ts")  # reviewers and admins only
    assert admin.check_workforce("ts") == []  # nothing to pause without monitoring
    rows = {r["user"]: r for r in admin.update_member("ts", "ann", quota=3)}
    assert rows["ann"]["quota"] == 3 and rows["ann"]["quota_override"] == 3
    assert rows["ann"]["used"] == 3 and rows["bob"]["quota"] is None
    assert clients["ann"].next_record("ts") is None
    assert clients["ann"].last_next_reason == "quota_reached"
    rows = {r["user"]: r for r in admin.update_member("ts", "ann", quota=None)}
    assert rows["ann"]["quota"] is None
    assert clients["ann"].next_record("ts") is None
    assert clients["ann"].last_next_reason == "no_records"  # bob holds the last record


def test_cli_user_attributes_timesheet_and_unpause(live_server, tmp_path):
    env = {"ACCORD_DB": live_server.db_url}
    res = run_cli("user", "create", "lina", "--role", "annotator", "--no-password",
                  "--attr", "languages=en,fr", "--attr", "locale=en-GB", env=env)
    assert res.returncode == 0, res.stderr
    res = run_cli("user", "set", "lina", "--attr", "expertise=law,", "--attr", "locale=",
                  env=env)
    assert res.returncode == 0, res.stderr
    admin = Client(live_server.url, live_server.admin_token)
    (lina,) = [u for u in httpx.get(f"{live_server.url}/api/v1/users", headers={
        "Authorization": f"Bearer {live_server.admin_token}"}).json() if u["name"] == "lina"]
    assert lina["attributes"] == {"languages": ["en", "fr"], "expertise": ["law"]}
    bad = run_cli("user", "set", "lina", "--attr", "no-equals-sign", env=env)
    assert bad.returncode == 2 and "--attr" in bad.stderr and "KEY=VALUE" in bad.stderr
    monitoring = {"monitoring": {"attention_rate": 1.0, "gold_window": 5, "min_gold_answers": 1}}
    _, clients = _dataset(live_server, "cli", monitoring, n=2, attention=1)
    ann = clients["ann"]
    rec = ann.next_record("cli")
    live_server.pass_time(12.5)
    ann.submit("cli", rec.id, {"y": "b"}, time_spent=12.5)
    res = run_cli("workforce", "status", "cli", env=env)
    assert res.returncode == 0 and "paused" in res.stdout and "attention" in res.stdout
    res = run_cli("workforce", "unpause", "cli", "ann", env=env)
    assert res.returncode == 0, res.stderr
    assert not admin.workforce("cli")[0]["paused"]
    out = tmp_path / "report.csv"
    res = run_cli("timesheet", "cli", "-o", str(out), env=env)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert rows[0]["user"] == "ann" and rows[0]["records"] == "1" and \
        rows[0]["active_seconds"] == "12.5"
    assert "1 row" in res.stdout
    missing = run_cli("timesheet", "nope", env=env)
    assert missing.returncode == 2 and "nope" in missing.stderr


def test_file_answers_of_a_dataset_named_before_the_name_rule(live_server):
    """A dataset stored with a name outside the rule (``accord dataset create`` took any
    name before check_dataset_name): its timesheet CSV was a 500 (a non-Latin-1
    ``Content-Disposition``) and a quote or line break would break the header. Every
    file answer builds the header in one place (accord/server/attachment.py)."""
    from accord.store import make_engine, write_scope
    from accord.store.models import Dataset

    _dataset(live_server, "ts2", {}, n=1)
    engine = make_engine(live_server.db_url)
    with write_scope(engine) as s:  # the name as an older accord stored it
        s.query(Dataset).filter(Dataset.name == "ts2").update({"name": '数据 "q"'})
    engine.dispose()
    headers = {"Authorization": f"Bearer {live_server.admin_token}"}
    quoted = "%E6%95%B0%E6%8D%AE%20%22q%22"
    for path in ("timesheet?format=csv", "export?format=jsonl"):
        res = httpx.get(f"{live_server.url}/api/v1/datasets/{quoted}/{path}", headers=headers)
        assert res.status_code == 200, (path, res.text)
        assert res.headers["content-disposition"].startswith('attachment; filename="_q_-'), \
            res.headers["content-disposition"]
