"""What the API shows of records and settings (issue 20).

Record metadata is the server's to show: annotators get only the keys the settings mark
visible (and the PII findings), whichever route or client method they use; reviewers and
admins get all of it, and exports are unchanged. Labels keep the settings' order (the
user's) through storage, edits, renames and the dashboard, on both backends."""

from __future__ import annotations

import json

import httpx
import pytest

from accord import Client

FIELDS = [{"name": "text", "type": "text"}]
QUESTIONS = [{"name": "y", "type": "label", "labels": ["a", "b"]}]
PII = {"text": [{"start": 0, "end": 3, "entity": "PERSON", "score": 0.9}]}
META = {"lang": "en", "source": "secret-crawl", "split": "train", "_pii": PII,
        "_dedupe": {"cluster": 4}}
FULL = set(META)

@pytest.fixture
def live_server(module_server):
    """One server for this module: every test uses its own dataset and user names."""
    return module_server


def _client(server, token: str) -> Client:
    return Client(server.url, token)  # closed at the test's teardown (tests/conftest.py)


def _dataset(server, ds: str, metadata: list[dict] | None):
    settings = {"fields": FIELDS, "questions": QUESTIONS, "distribution": {"overlap": 2}}
    if metadata is not None:
        settings["metadata"] = metadata
    admin = _client(server, server.admin_token)
    admin.create_dataset(ds, settings)
    admin.import_records(ds, [{"id": f"{ds}-1", "text": "Ann wrote this", **META}])
    ann_token = server.make_user(f"{ds}-ann")
    ann = _client(server, ann_token)
    rev = _client(server, server.make_user(f"{ds}-rev", "reviewer"))
    for who in ("ann", "rev"):
        admin.add_member(ds, f"{ds}-{who}")
    return admin, ann, rev, ann_token


@pytest.mark.parametrize(("declared", "shown"), [
    ([{"name": "lang", "title": "Language"}, {"name": "source", "visible": False}],
     {"lang", "_pii"}),
    (None, {"_pii"}),  # nothing declared: only the PII findings the page highlights
    ([{"name": "_pii", "visible": False}, {"name": "split"}], {"split"}),
])
def test_annotators_get_only_the_visible_metadata_on_every_route(live_server, declared,
                                                                  shown):
    ds = f"mv{len(shown)}{'x' if declared is None else len(declared)}"
    admin, ann, rev, token = _dataset(live_server, ds, declared)
    rec = ann.next_record(ds)  # POST /next
    assert set(rec.metadata) == shown
    assert {k: rec.metadata[k] for k in shown} == {k: META[k] for k in shown}
    assert set(ann.record(ds, rec.id).metadata) == shown  # GET /records/{id}
    ann.submit(ds, rec.id, {"y": "a"})
    assert set(ann.record(ds, rec.id).metadata) == shown  # answered: still readable
    # the raw HTTP answer carries nothing more than the client shows
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        raw = http.get(f"/datasets/{ds}/records/{rec.id}").json()
    assert set(raw["metadata"]) == shown and "secret-crawl" not in json.dumps(raw)

    # reviewers and admins see every key, on every route they use
    assert set(rev.record(ds, rec.id).metadata) == FULL
    assert set(rev.next_for_review(ds).metadata) == FULL
    assert set(rev.next_record(ds).metadata) == FULL  # a reviewer annotating, too
    assert set(admin.record(ds, rec.id).metadata) == FULL
    assert [set(r.metadata) for r in admin.records(ds)] == [FULL]


def test_exports_keep_every_metadata_key(live_server, tmp_path):
    ds = "mvexp"
    admin, ann, _, _ = _dataset(live_server, ds, [{"name": "lang"}])
    rec = ann.next_record(ds)
    ann.submit(ds, rec.id, {"y": "b"})
    out = admin.export(ds, "jsonl", tmp_path / "out.jsonl")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1
    assert rows[0]["metadata"] == META


def test_labels_keep_the_order_they_were_given_in(live_server):
    ds = "order"
    admin = _client(live_server, live_server.admin_token)
    labels = {"zebra": "Zebra", "b": "bee", "apple": "Apple pie"}  # neither sorted nor by length
    admin.create_dataset(ds, {"fields": FIELDS, "questions": [
        {"name": "y", "type": "label", "labels": labels},
        {"name": "tags", "type": "multi_label", "labels": ["zz", "a", "mm"]}]})
    admin.import_records(ds, [{"id": "o1", "text": "t"}])

    def order() -> tuple[list[str], list[str]]:
        qs = admin.dataset(ds).settings["questions"]
        return list(qs[0]["labels"]), list(qs[1]["labels"])

    assert admin.dataset(ds).settings["questions"][0]["labels"] == labels  # texts kept too
    assert order() == (["zebra", "b", "apple"], ["zz", "a", "mm"])
    settings = admin.dataset(ds).settings
    settings["questions"][0]["labels"]["mango"] = "Mango"  # an edit adds one at the end
    admin.update_settings(ds, settings)
    assert order() == (["zebra", "b", "apple", "mango"], ["zz", "a", "mm"])
    admin.rename_labels(ds, "y", {"b": "bee"})  # a rename keeps the place
    assert order() == (["zebra", "bee", "apple", "mango"], ["zz", "a", "mm"])
    history = httpx.get(f"{live_server.url}/api/v1/datasets/{ds}/settings/versions",
                        headers={"Authorization": f"Bearer {live_server.admin_token}"}).json()
    assert [list(v["settings"]["questions"][0]["labels"]) for v in history] == [
        ["zebra", "b", "apple"], ["zebra", "b", "apple", "mango"],
        ["zebra", "bee", "apple", "mango"]]
    admin.submit(ds, admin.next_record(ds).id, {"y": "apple", "tags": ["a"]})
    dist = admin.dashboard(ds)["distributions"]
    assert [label for label, _ in dist["y"]["counts"]] == ["zebra", "bee", "apple", "mango"]
    assert [label for label, _ in dist["tags"]["counts"]] == ["zz", "a", "mm"]
