"""The admin record browser's API: filters, sorting, similar records, bulk actions, and the
settings version on each response (SQLite and PostgreSQL, one server per backend)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import numpy as np
import pytest

from accord import Client
from accord.errors import Conflict, Forbidden, InputError, NotFound
from accord.store import make_engine, write_scope
from accord.store.datasets import get_dataset
from accord.store.vectors import set_vectors

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "intent", "type": "label", "labels": ["a", "b", "c"]}],
            "distribution": {"overlap": 2}}


@pytest.fixture
def live_server(module_server):
    """One server for this module: every test here uses its own dataset and user names."""
    return module_server


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(server, name: str, n: int = 6):  # type: ignore[no-untyped-def]
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(name, SETTINGS)
    admin.import_records(name, [{"id": f"r{i}", "text": f"record number {i}", "src": "web"
                                 if i % 2 else "mail"} for i in range(n)])
    ids = [r.id for r in admin.records(name)]
    people = {}
    for user in (f"{name}-ann1", f"{name}-ann2"):
        people[user] = Client(server.url, server.make_user(user))
        admin.add_member(name, user)
    return admin, ids, people


def _vectors(server, name: str, vectors: dict[int, list[float]]) -> None:
    engine = make_engine(server.db_url)
    try:
        with write_scope(engine) as s:
            set_vectors(s, get_dataset(s, name).id, "all-MiniLM-L6-v2", vectors)
    finally:
        engine.dispose()


def test_filters_annotator_agreement_score_and_newest_first(live_server):
    admin, ids, people = _setup(live_server, "rb-filter")
    c1, c2 = people.values()
    # ann1 answers the first three records, ann2 agrees on r0 and disagrees on r1
    for who, values in ((c1, "aac"), (c2, "ab")):
        for v in values:
            rec = who.next_record("rb-filter")
            who.submit("rb-filter", rec.id, {"intent": v})
    admin.add_suggestions("rb-filter", "model", [
        {"record_id": ids[3], "question": "intent", "value": "a", "score": 0.2},
        {"record_id": ids[4], "question": "intent", "value": "b", "score": 0.9}])
    r = httpx.post(f"{live_server.url}/api/v1/datasets/rb-filter/quality/aggregate", json={},
                   headers=_h(live_server.admin_token))
    assert r.status_code == 200, r.text

    def got(**filters):  # type: ignore[no-untyped-def]
        return [r.external_id for r in admin.records("rb-filter", page_size=2, **filters)]

    assert got(annotator="rb-filter-ann1") == ["r0", "r1", "r2"]
    assert got(annotator="rb-filter-ann2") == ["r0", "r1"]
    assert got(min_agreement=0.99) == ["r0"]  # both said "a"
    assert got(max_agreement=0.6) == ["r1"]  # a vs b: half agree
    assert got(max_agreement=0.6, agreement_question="intent") == ["r1"]
    assert got(max_score=0.5) == ["r3"]
    assert got(min_score=0.5, score_question="intent") == ["r4"]
    assert got(sort="-id") == ["r5", "r4", "r3", "r2", "r1", "r0"]
    assert got(sort="-id", **{"metadata.src": "web"}) == ["r5", "r3", "r1"]
    assert got(q="NUMBER 4") == ["r4"]
    assert got(q='"number" (4*') == ["r4"]  # query syntax is plain words
    assert got(q="numb") == []  # whole words
    wordless = httpx.get(f"{live_server.url}/api/v1/datasets/rb-filter/records",
                         params={"q": '" * -'}, headers=_h(live_server.admin_token))
    assert wordless.status_code == 422 and wordless.json()["error"]["field"] == "q"
    bad = httpx.get(f"{live_server.url}/api/v1/datasets/rb-filter/records",
                    params={"score_question": "nope"}, headers=_h(live_server.admin_token))
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "score_question"


def test_similar_records_exact_and_invalidated_when_vectors_change(live_server):
    admin, ids, _ = _setup(live_server, "rb-sim")
    r = httpx.get(f"{live_server.url}/api/v1/datasets/rb-sim/records/similar",
                  params={"record": ids[0]}, headers=_h(live_server.admin_token))
    assert r.status_code == 409, r.text
    with pytest.raises(Conflict, match="accord assist embed"):
        admin.similar_records("rb-sim", text="cats")
    err = r.json()["error"]
    assert err["type"] == "conflict" and "accord assist embed" in err["message"]
    # unit vectors at angles 0, 10, 20, ... degrees in a plane of 384 dimensions
    vecs = {}
    for k, rid in enumerate(ids):
        v = np.zeros(384)
        v[0], v[1] = np.cos(np.radians(10 * k)), np.sin(np.radians(10 * k))
        vecs[rid] = v.tolist()
    _vectors(live_server, "rb-sim", vecs)
    hits = admin.similar_records("rb-sim", record=ids[2], k=3)
    assert [rec.external_id for rec, _ in hits] == ["r1", "r3", "r0"]  # r1/r3 tie: smaller id
    assert hits[0][1] == pytest.approx(np.cos(np.radians(10)), abs=1e-5)
    # the vectors change: the cached index must not answer with the old ones
    _vectors(live_server, "rb-sim", {ids[5]: vecs[ids[2]]})
    hits = admin.similar_records("rb-sim", record=ids[2], k=1)
    assert hits[0][0].external_id == "r5" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert admin.bulk_records("rb-sim", "delete", [ids[5]]) == 1
    assert admin.similar_records("rb-sim", record=ids[2], k=1)[0][0].external_id == "r1"
    with pytest.raises(InputError):
        admin.similar_records("rb-sim", k=3)  # neither record nor text
    reviewer = Client(live_server.url, live_server.make_user("rb-sim-rev", "reviewer"))
    with pytest.raises((Forbidden, NotFound)):  # not a member of the dataset
        reviewer.similar_records("rb-sim", record=ids[0])


def test_bulk_actions_priority_gold_delete_and_who_may(live_server):
    admin, ids, people = _setup(live_server, "rb-bulk")
    c1, c2 = people.values()
    assert admin.bulk_records("rb-bulk", "priority", ids[:2], priority=5) == 2
    assert [r.priority for r in admin.records("rb-bulk")][:3] == [5.0, 5.0, 0.0]
    # the next record handed out is a high-priority one
    assert c1.next_record("rb-bulk").id == ids[0]
    with pytest.raises(InputError, match="consensus"):
        admin.bulk_records("rb-bulk", "gold", [ids[0]])  # no consensus stored yet
    c1.submit("rb-bulk", ids[0], {"intent": "b"})
    assert c2.next_record("rb-bulk").id == ids[0]
    c2.submit("rb-bulk", ids[0], {"intent": "b"})
    httpx.post(f"{live_server.url}/api/v1/datasets/rb-bulk/quality/aggregate", json={},
               headers=_h(live_server.admin_token)).raise_for_status()
    assert admin.bulk_records("rb-bulk", "gold", [ids[0]]) == 1
    assert [r.external_id for r in admin.records("rb-bulk", gold=True)] == ["r0"]
    with pytest.raises(InputError):  # ids of another dataset are refused, nothing done
        admin.bulk_records("rb-bulk", "delete", [ids[1], 10**9])
    reviewer = Client(live_server.url, live_server.make_user("rb-bulk-rev", "reviewer"))
    admin.add_member("rb-bulk", "rb-bulk-rev")
    for who in (reviewer, c1):
        with pytest.raises(Forbidden):
            who.bulk_records("rb-bulk", "delete", ids)
    assert admin.bulk_records("rb-bulk", "delete", ids[1:3]) == 2
    assert [r.external_id for r in admin.records("rb-bulk")] == ["r0", "r3", "r4", "r5"]


def test_bulk_send_to_review_reopens_judged_responses(live_server):
    name = "rb-requeue"
    admin, ids, people = _setup(live_server, name, n=3)
    c1, c2 = people.values()
    reviewer = Client(live_server.url, live_server.make_user(f"{name}-rev", "reviewer"))
    admin.add_member(name, f"{name}-rev")
    for who, value in ((c1, "a"), (c2, "b")):  # both answer r0: they disagree
        who.submit(name, who.next_record(name).id, {"intent": value})
    responses = {r.user: r for r in admin.record(name, ids[0]).responses}
    bad, good = responses[f"{name}-ann2"], responses[f"{name}-ann1"]
    reviewer.review(name, bad.id, "reject", version=bad.version, reason="not b")
    reviewer.review(name, good.id, "accept", version=good.version)
    assert reviewer.next_for_review(name) is None

    def intent_answers() -> int:  # how many answers agreement counted (a rejection: out)
        r = httpx.get(f"{live_server.url}/api/v1/datasets/{name}/quality",
                      headers=_h(live_server.admin_token))
        r.raise_for_status()
        return r.json()["agreement"]["intent"]["annotations"]

    counted_before = intent_answers()
    # annotators and reviewers may not; unknown ids are refused with nothing done
    for who in (reviewer, c1):
        with pytest.raises(Forbidden):
            who.bulk_records(name, "review", ids[:1])
    with pytest.raises(InputError, match="not in dataset"):
        admin.bulk_records(name, "review", [ids[0], 10**9])
    assert reviewer.next_for_review(name) is None
    r = httpx.post(f"{live_server.url}/api/v1/datasets/{name}/records/bulk",
                   json={"action": "review", "ids": ids, "comment": "  recheck the labels "},
                   headers=_h(live_server.admin_token))
    assert r.status_code == 200, r.text
    assert r.json() == {"action": "review", "records": 3, "responses": 2}
    # both responses are unreviewed again: back in the queue, the rejection no longer counts
    assert reviewer.next_for_review(name).id == ids[0]
    assert {r.review_state for r in admin.record(name, ids[0]).responses} == {None}
    assert (counted_before, intent_answers()) == (1, 2)
    history = admin.reviews(name, bad.id)
    assert [(h.verdict, h.in_force) for h in history] == [("reject", False),
                                                           ("requeue", False)]
    assert (history[-1].reviewer, history[-1].comment) == ("admin", "recheck the labels")
    assert c2.reviews(name, bad.id)[-1].verdict == "requeue"  # the annotator sees it too
    # idempotent: nothing judged is left, so nothing changes
    assert admin.bulk_records(name, "review", ids) == 3
    assert len(admin.reviews(name, bad.id)) == 2
    # the next verdict is in force again
    reviewer.review(name, bad.id, "accept", version=bad.version)
    assert admin.reviews(name, bad.id)[-1].in_force
    assert {r.user: r.review_state for r in admin.record(name, ids[0]).responses}[
        f"{name}-ann2"] == "accept"


def test_each_response_carries_its_settings_version(live_server):
    admin, ids, people = _setup(live_server, "rb-version", n=2)
    c1 = people["rb-version-ann1"]
    c1.submit("rb-version", c1.next_record("rb-version").id, {"intent": "a"})
    admin.update_settings("rb-version", {**SETTINGS, "guidelines": "pick the intent"})
    c1.submit("rb-version", c1.next_record("rb-version").id, {"intent": "b"})
    got = {r.external_id: r.responses[0].settings_version for r in admin.records("rb-version")}
    assert got == {"r0": 1, "r1": 2}


def test_dashboard_changes_since_yesterday_and_label_distributions(live_server):
    admin, ids, people = _setup(live_server, "rb-dash", n=4)
    c1, c2 = people.values()
    submitted = {}
    for who, values in ((c1, "abca"), (c2, "ab")):
        for v in values:
            rec = who.next_record("rb-dash")
            submitted[(who, rec.id)] = who.submit("rb-dash", rec.id, {"intent": v})
    # r0 and r1 completed (2 of 2); c1's r2 answer is rejected, c1's r3 answer fixed to "b"
    admin.review("rb-dash", submitted[(c1, ids[2])].id, "reject", version=1, reason="no")
    admin.review("rb-dash", submitted[(c1, ids[3])].id, "fix", version=1,
                 values={"intent": "b"})
    # r0's two responses and one verdict happened yesterday
    from sqlalchemy import select

    from accord.store.models import Response, Review
    engine = make_engine(live_server.db_url)
    try:
        with write_scope(engine) as s:
            for resp in s.scalars(select(Response).where(Response.record_id == ids[0])):
                resp.submitted_at -= timedelta(hours=30)
            for rv in s.scalars(select(Review).where(
                    Review.response_id == submitted[(c1, ids[2])].id)):
                rv.created_at -= timedelta(hours=30)
    finally:
        engine.dispose()
    out = admin.dashboard("rb-dash")
    rows = {r["metric"]: (r["last"], r["previous"], r["change"]) for r in out["changes"]["rows"]}
    assert rows == {"responses submitted": (4, 2, 2), "review verdicts": (1, 1, 0),
                    "records completed": (1, 1, 0)}
    # counted answers: r0 a,a; r1 b,b; r2 rejected; r3 fixed a -> b
    assert out["distributions"] == {"intent": {"type": "label", "answers": 5,
                                               "counts": [["a", 2], ["b", 3], ["c", 0]]}}


def test_rename_labels_rewrites_every_stored_answer_and_retired_labels_stay_valid(
        live_server, tmp_path):
    admin, ids, people = _setup(live_server, "rb-rename", n=3)
    c1, c2 = people.values()
    r1 = c1.submit("rb-rename", c1.next_record("rb-rename").id, {"intent": "a"})
    r2 = c2.submit("rb-rename", c2.next_record("rb-rename").id, {"intent": "c"})
    admin.review("rb-rename", r2.id, "fix", version=1, values={"intent": "a"})
    admin.add_suggestions("rb-rename", "model", [
        {"record_id": ids[1], "question": "intent", "value": "c", "score": 0.5}])
    with pytest.raises(InputError, match="'zz' is not a label"):
        admin.rename_labels("rb-rename", "intent", {"zz": "x"})
    out = admin.rename_labels("rb-rename", "intent", {"a": "alpha", "c": "b"})  # c merges
    assert out["settings_version"] == 2
    assert out["rewritten"] == {"responses": 2, "fixes": 1, "suggestions": 1, "gold": 0,
                                "consensus": 0}
    ds = admin.dataset("rb-rename")
    assert ds.settings_version == 2
    assert sorted(ds.settings["questions"][0]["labels"]) == ["alpha", "b"]
    recs = {r.external_id: r for r in admin.records("rb-rename")}
    assert recs["r0"].responses[0].values == {"intent": "alpha"}
    assert recs["r0"].responses[1].values == {"intent": "b"}
    assert recs["r1"].suggestions[0].value == "b"
    fix = admin.reviews("rb-rename", r2.id)[0]
    assert fix.values == {"intent": "alpha"}
    # retire "b": hidden from annotators, but an answer with it stays valid and exported
    settings = {**ds.settings}
    settings["questions"] = [{**settings["questions"][0], "labels": ["alpha", "b", "new"],
                              "retired": ["b"]}]
    assert admin.update_settings("rb-rename", settings).settings_version == 3
    c1.submit("rb-rename", r1.record_id, {"intent": "b"}, version=r1.version)
    exported = admin.export("rb-rename", "jsonl", tmp_path / "out.jsonl")
    lines = [json.loads(x) for x in exported.read_text().splitlines()]
    answers = sorted(r["values"]["intent"] for line in lines
                     for r in line.get("responses", []))
    assert answers == ["b", "b"]
    versions = sorted(r["settings_version"] for line in lines for r in line.get("responses", []))
    assert versions == [1, 3]  # c2's answer was saved under version 1, c1's new one under 3


def test_removing_a_label_that_answers_use_is_refused(live_server):
    """A settings update that drops a label still used by a stored answer (or suggestion)
    is a 409 naming retire and rename; an unused label can be dropped."""
    admin, ids, people = _setup(live_server, "rb-drop", n=3)
    c1 = next(iter(people.values()))
    c1.submit("rb-drop", c1.next_record("rb-drop").id, {"intent": "a"})
    admin.add_suggestions("rb-drop", "model", [
        {"record_id": ids[2], "question": "intent", "value": "b", "score": 0.5}])
    ds = admin.dataset("rb-drop")
    question = ds.settings["questions"][0]
    for dropped, kept in (("a", ["b", "c"]), ("b", ["a", "c"])):
        with pytest.raises(Conflict, match=rf"\['{dropped}'\] are used by stored answers.*retire"):
            admin.update_settings("rb-drop", {**ds.settings, "questions": [
                {**question, "labels": kept}]})
    assert admin.dataset("rb-drop").settings_version == 1  # nothing saved
    out = admin.update_settings("rb-drop", {**ds.settings, "questions": [
        {**question, "labels": ["a", "b"]}]})                 # "c" is unused
    assert out.settings_version == 2
    assert list(out.settings["questions"][0]["labels"]) == ["a", "b"]


def test_text_search_right_after_an_import_and_after_the_background_fill(live_server):
    """The import does not write the text index; the server fills it in the background.
    A word in one of 40 records is found at once (the scan of the unindexed records) and
    after the fill (the index), and an edit after the fill is searched by its new text."""
    import time

    from sqlalchemy import text

    from accord.store import session_scope
    from accord.store.text_index import unindexed_tail

    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset("rb-text", SETTINGS)
    admin.import_records("rb-text", [{"id": f"t{i}", "text": f"line {i} of the log" + (
        " kilimanjaro" if i == 17 else "")} for i in range(40)])

    def got(q: str) -> list[str]:
        return [r.external_id for r in admin.records("rb-text", q=q)]

    assert got("Kilimanjaro") == ["t17"]
    assert got('kilimanjaro" OR line*') == []  # every word, none of them syntax
    engine = make_engine(live_server.db_url)
    try:
        deadline = time.monotonic() + 20
        while True:
            with session_scope(engine) as s:
                if unindexed_tail(s) == 0:
                    break
            assert time.monotonic() < deadline, "the server did not fill the text index"
            time.sleep(0.05)
        with session_scope(engine) as s:
            table = "records_fts_docsize" if engine.dialect.name == "sqlite" else "records_tsv"
            assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() >= 40
    finally:
        engine.dispose()
    assert got("kilimanjaro") == ["t17"]
    admin.import_records("rb-text", [{"id": "t17", "text": "line 17 moved to serengeti"}])
    assert got("kilimanjaro") == [] and got("serengeti") == ["t17"]
