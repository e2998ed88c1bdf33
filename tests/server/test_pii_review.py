"""PII review through the API: findings from the prep PII step on upload, a reviewer confirms
or dismisses each (audited), an annotator cannot, the report counts them and exports
redact or drop confirmed ones (one server per module and backend)."""

from __future__ import annotations

import json

import httpx
import pytest

from accord.client import Client
from accord.errors import Forbidden, NotFound

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["ok", "bad"]}]}
ROWS = [{"id": "a", "text": "Call me at 555-123-4567 or write to ann.lee@example.com today."},
        {"id": "b", "text": "My email is bob@example.org, thanks."},
        {"id": "c", "text": "Nothing personal here."}]


@pytest.fixture(scope="module")
def live_server(module_server):
    """One server for this module: every test here uses its own dataset and user names."""
    return module_server


def _upload(server, name: str) -> Client:
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(name, SETTINGS)
    body = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    res = httpx.post(f"{server.url}/api/v1/datasets/{name}/records/upload",
                     headers={"Authorization": f"Bearer {server.admin_token}"},
                     files={"file": ("a.jsonl", body)},
                     data={"prep_options": '{"pii": "flag", "workers": 1}'}, timeout=120)
    assert res.status_code == 200, res.text
    return admin


def _findings(admin: Client, name: str) -> dict[str, tuple[int, list[dict]]]:
    return {r.external_id: (r.id, r.metadata.get("_pii", {}).get("text", []))
            for r in admin.records(name)}


def test_reviewer_confirms_and_dismisses_annotator_cannot(live_server):
    admin = _upload(live_server, "piirev")
    found = _findings(admin, "piirev")
    rid, spans = found["a"]
    assert {f["entity"] for f in spans} >= {"PHONE_NUMBER", "EMAIL_ADDRESS"}
    assert found["c"][1] == []
    phone = next(f for f in spans if f["entity"] == "PHONE_NUMBER")
    email = next(f for f in spans if f["entity"] == "EMAIL_ADDRESS")
    ann = live_server.make_user("pii-ann")
    rev = live_server.make_user("pii-rev", "reviewer")
    admin.add_member("piirev", "pii-ann")
    admin.add_member("piirev", "pii-rev")
    with pytest.raises(Forbidden, match="needs the reviewer role") as err:
        Client(live_server.url, ann).review_pii("piirev", rid, slot="text", start=phone["start"],
                                                end=phone["end"], state="dismissed")
    assert err.value.reason == "role"
    reviewer = Client(live_server.url, rev)
    out = reviewer.review_pii("piirev", rid, slot="text", start=phone["start"],
                              end=phone["end"], state="confirmed")
    assert next(f for f in out["text"] if f["start"] == phone["start"])["review"]["state"] \
        == "confirmed"
    reviewer.review_pii("piirev", rid, slot="text", start=email["start"], end=email["end"],
                        state="dismissed")
    with pytest.raises(NotFound, match="no PII finding in 'text' at 0-3"):
        reviewer.review_pii("piirev", rid, slot="text", start=0, end=3, state="confirmed")
    states = {f["entity"]: f["review"]["state"] for f in _findings(admin, "piirev")["a"][1]}
    assert states["PHONE_NUMBER"] == "confirmed" and states["EMAIL_ADDRESS"] == "dismissed"
    events = [e for e in admin.audit(dataset="piirev") if e["action"].startswith("pii.")]
    assert {(e["action"], e["details"]["entity"]) for e in events} == {
        ("pii.confirmed", "PHONE_NUMBER"), ("pii.dismissed", "EMAIL_ADDRESS")}
    report = admin.report("piirev")["pii"]
    assert (report["found"], report["confirmed"], report["dismissed"], report["open"]) == \
        (len(spans) + 1, 1, 1, len(spans) - 1)
    assert report["records"] == 2 and report["records_confirmed"] == 1
    assert "## PII findings" in admin.report("piirev", markdown=True)


def test_export_redacts_or_drops_confirmed_findings(live_server, tmp_path):
    admin = _upload(live_server, "piiexp")
    found = _findings(admin, "piiexp")
    rid, spans = found["a"]
    phone = next(f for f in spans if f["entity"] == "PHONE_NUMBER")
    admin.review_pii("piiexp", rid, slot="text", start=phone["start"], end=phone["end"],
                     state="confirmed")
    bid, bspans = found["b"]
    admin.review_pii("piiexp", bid, slot="text", start=bspans[0]["start"],
                     end=bspans[0]["end"], state="dismissed")
    out = admin.export("piiexp", "jsonl", tmp_path / "r.jsonl", redact_pii=True)
    rows = {r["external_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows["a"]["fields"]["text"] == \
        "Call me at [PHONE_NUMBER] or write to ann.lee@example.com today."  # only confirmed
    assert rows["b"]["fields"]["text"] == ROWS[1]["text"]  # dismissed: kept
    out = admin.export("piiexp", "csv", tmp_path / "d.csv", drop_pii=True)
    assert "555-123-4567" not in out.read_text() and "bob@example.org" in out.read_text()
    plain = admin.export("piiexp", "jsonl", tmp_path / "p.jsonl")
    assert "555-123-4567" in plain.read_text()
