"""What accord keeps beside a record, through the API: suggestions keep their metadata (a
class distribution feeds active learning); stored vectors come back through the API and
exports; PII findings from the prep step are confirmed or dismissed by reviewers (audited,
annotators cannot), counted by the report and redacted or dropped by exports. One server
per module and backend."""

from __future__ import annotations

import json

import httpx
import pyarrow.parquet as pq
import pytest

from accord.assist import prioritize
from accord.client import Client
from accord.errors import Forbidden, InputError, NotFound
from accord.store import make_engine

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b", "c"]}]}

PII_SETTINGS = {"fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "y", "type": "label", "labels": ["ok", "bad"]}]}
ROWS = [{"id": "a", "text": "Call me at 555-123-4567 or write to ann.lee@example.com today."},
        {"id": "b", "text": "My email is bob@example.org, thanks."},
        {"id": "c", "text": "Nothing personal here."}]


@pytest.fixture(scope="module")
def live_server(module_server):
    """One server for this module: every test here uses its own dataset and user names."""
    return module_server


def _dataset(server, name: str, n: int = 3) -> Client:
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(name, SETTINGS)
    admin.import_records(name, [{"id": f"r{i}", "text": f"text {i}"} for i in range(n)])
    return admin


def test_add_suggestions_keeps_metadata_and_distribution_orders_by_margin(live_server):
    admin = _dataset(live_server, "meta")
    # same top probability (least confidence ties) but different margins
    dists = {"r0": {"a": 0.5, "b": 0.49, "c": 0.01},  # margin 0.01: most uncertain
             "r1": {"a": 0.5, "b": 0.25, "c": 0.25},
             "r2": {"c": 0.1, "a": 0.5, "b": 0.4}}
    n = admin.add_suggestions("meta", "ext-model", [
        {"external_id": rid, "question": "y", "value": "a", "score": 0.5,
         "metadata": {"distribution": d, "model": "tfidf-lr"}} for rid, d in dists.items()])
    assert n == 3
    recs = {r.external_id: r for r in admin.records("meta")}
    s = recs["r2"].suggestions[0]
    assert s.metadata == {"distribution": {"c": 0.1, "a": 0.5, "b": 0.4}, "model": "tfidf-lr"}
    engine = make_engine(live_server.db_url)
    try:
        prioritize(engine, "meta", "y", strategy="margin", agent="ext-model")
    finally:
        engine.dispose()
    rows = httpx.get(f"{live_server.url}/api/v1/datasets/meta/records",
                     headers={"Authorization": f"Bearer {live_server.admin_token}"}).json()
    prio = {r["external_id"]: r["priority"] for r in rows["records"]}
    assert prio["r0"] == pytest.approx(0.99)
    assert prio["r2"] == pytest.approx(0.9)  # keys in any order: read by label
    assert prio["r1"] == pytest.approx(0.75)


@pytest.mark.parametrize(("dist", "message"), [
    ({"a": 0.5, "maybe": 0.5}, "unknown class 'maybe'; expected keys among"),
    ({"a": 1.2, "b": -0.2}, r"distribution\['b'\]: expected a probability"),
    ({"a": 0.5, "b": 0.2}, "sum to 0.7; expected 1"),
    ([0.5, 0.5], "expected an object of class -> probability"),
    ({"a": "high"}, "expected a probability"),
])
def test_a_bad_distribution_is_a_clear_error_and_stores_nothing(live_server, dist, message):
    name = f"bad{abs(hash(str(dist))) % 10**6}"
    admin = _dataset(live_server, name, n=2)
    with pytest.raises(InputError, match=message) as info:
        admin.add_suggestions(name, "m", [
            {"external_id": "r0", "question": "y", "value": "a", "score": 0.5},
            {"external_id": "r1", "question": "y", "value": "a",
             "metadata": {"distribution": dist}}])
    assert "suggestions[1].metadata.distribution" in str(info.value)
    assert all(not r.suggestions for r in admin.records(name))


@pytest.mark.parametrize("score", [1.5, -0.1])
def test_a_score_outside_0_1_is_a_clear_error_and_stores_nothing(live_server, score):
    """The REST path and the importers share one check (accord.schema.suggestion_score)."""
    name = f"score{abs(hash(str(score))) % 10**6}"
    admin = _dataset(live_server, name, n=2)
    with pytest.raises(InputError, match=r"suggestions\[1\]\.score: expected a probability "
                                         r"from 0 to 1 \(or no score\), got "):
        admin.add_suggestions(name, "m", [
            {"external_id": "r0", "question": "y", "value": "a", "score": 0.5},
            {"external_id": "r1", "question": "y", "value": "a", "score": score}])
    assert all(not r.suggestions for r in admin.records(name))


def test_two_suggestions_for_one_record_and_question_are_a_clear_error(live_server):
    """One request naming a record and question twice (by id and by external id here) is a
    422 that names both items, and stores nothing (it was a 500: the table's unique key)."""
    admin = _dataset(live_server, "dup", n=2)
    rid = {r.external_id: r.id for r in admin.records("dup")}["r1"]
    with pytest.raises(InputError, match=r"suggestions\[2\]: record \d+ and question 'y' "
                                         r"were already given at suggestions\[1\]"):
        admin.add_suggestions("dup", "m", [
            {"external_id": "r0", "question": "y", "value": "a"},
            {"external_id": "r1", "question": "y", "value": "b"},
            {"record_id": rid, "question": "y", "value": "c"}])
    assert all(not r.suggestions for r in admin.records("dup"))


def test_a_suggestion_replaces_only_its_own_record_and_question(live_server):
    """Putting (r0, y) and (r1, z) keeps the agent's earlier (r0, z): only the pairs named
    are replaced (the route once deleted every record x question combination)."""
    admin = Client(live_server.url, live_server.admin_token)
    settings = {"fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]},
                              {"name": "z", "type": "label", "labels": ["a", "b"]}]}
    admin.create_dataset("pairs", settings)
    admin.import_records("pairs", [{"id": f"r{i}", "text": f"text {i}"} for i in range(2)])
    admin.add_suggestions("pairs", "m", [{"external_id": "r0", "question": "z", "value": "b"}])
    assert admin.add_suggestions("pairs", "m", [
        {"external_id": "r0", "question": "y", "value": "a"},
        {"external_id": "r1", "question": "z", "value": "a"}]) == 2
    got = {(r.external_id, s.question): s.value
           for r in admin.records("pairs") for s in r.suggestions}
    assert got == {("r0", "y"): "a", ("r0", "z"): "b", ("r1", "z"): "a"}


def test_vectors_endpoint_pages_by_record_id_and_exports_carry_them(live_server, tmp_path):
    admin = _dataset(live_server, "vec", n=5)
    engine = make_engine(live_server.db_url)
    try:
        from accord.store import write_scope
        from accord.store.datasets import get_dataset
        from accord.store.vectors import set_vectors
        with write_scope(engine) as s:
            ds = get_dataset(s, "vec")
            ids = sorted(r.id for r in admin.records("vec"))
            set_vectors(s, ds.id, "toy@v1", {rid: [float(i), 0.5] for i, rid in
                                             enumerate(ids) if i != 2})
    finally:
        engine.dispose()
    pages = list(admin.iter_vectors("vec", "toy@v1", page_size=2))
    assert [v["external_id"] for v in pages] == ["r0", "r1", "r3", "r4"]
    assert pages[2]["vector"] == [3.0, 0.5] and pages[2]["record_id"] == ids[3]
    info = admin.vector_names("vec")
    assert info == [{"name": "toy@v1", "records": 4, "dimension": 2}]
    with pytest.raises(NotFound, match=r"no vectors named 'nope'; the dataset has \['toy@v1'\]"):
        list(admin.iter_vectors("vec", "nope"))
    rows = [json.loads(line) for line in admin.export(
        "vec", "jsonl", tmp_path / "v.jsonl", with_vectors=True).read_text().splitlines()]
    assert [r["vectors"] for r in rows][1:3] == [{"toy@v1": [1.0, 0.5]}, {}]
    table = pq.read_table(admin.export("vec", "parquet", tmp_path / "v.parquet",
                                       with_vectors=True)).to_pylist()
    assert json.loads(table[3]["vectors"]) == {"toy@v1": [3.0, 0.5]}
    assert table[2]["vectors"] is None
    with pytest.raises(InputError, match="with_vectors applies to whole-record formats"):
        admin.export("vec", "sft-messages", tmp_path / "s.jsonl", with_vectors=True,
                     prompt_field="text", completion_field="text")
    token = live_server.make_user("vec-ann")
    admin.add_member("vec", "vec-ann")
    with pytest.raises(Forbidden):
        list(Client(live_server.url, token).iter_vectors("vec", "toy@v1"))


# -- PII review ------------------------------------------------------------------------

def _upload(server, name: str) -> Client:
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(name, PII_SETTINGS)
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
