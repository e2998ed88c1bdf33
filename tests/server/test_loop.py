"""The annotator loop end to end against a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

import httpx
import pytest

from accord import Client
from accord.errors import Conflict, Forbidden, InputError, NotFound
from tests.server.conftest import start_server, stop_server

SETTINGS = {
    "fields": [{"name": "text", "type": "text"}, {"name": "candidates", "type": "json"}],
    "questions": [
        {"name": "label", "type": "label", "labels": ["pos", "neg"], "required": True},
        {"name": "spans", "type": "span", "field": "text", "labels": ["X"]},
        {"name": "order", "type": "ranking", "field": "candidates"},
    ],
    "distribution": {"overlap": 3, "lease_seconds": 600},
}
CANDIDATES = [{"id": "c1", "text": "a"}, {"id": "c2", "text": "b"}]


_names = itertools.count()


@pytest.fixture
def live_server(module_server):
    """One server per backend for this module: each test works on its own dataset ``d``
    with its own annotators (the :func:`_populate` names)."""
    return module_server


@pytest.fixture
def d() -> str:
    """This test's dataset name (the module's tests share one server)."""
    return f"d{next(_names)}"


def _populate(server, n, d, settings=SETTINGS, annotators=5):
    """Dataset ``d`` with ``n`` records and ``annotators`` members named ``{d}-ann{i}``."""
    admin = Client(server.url, server.admin_token)
    admin.create_dataset(d, settings)
    admin.import_records(d, [{"id": f"r{i}", "text": f"record number {i}",
                              "candidates": CANDIDATES} for i in range(n)])
    tokens = {}
    for i in range(annotators):
        name = f"{d}-ann{i}"
        tokens[name] = server.make_user(name)
        admin.add_member(d, name)
    return admin, tokens


def _annotate_all(server, tokens, dataset):
    errors: list[BaseException] = []
    done: Counter[str] = Counter()

    def work(name: str, token: str) -> None:
        try:
            with Client(server.url, token) as c:
                while (rec := c.next_record(dataset)) is not None:
                    c.submit(dataset, rec.id, {"label": "pos" if rec.id % 2 else "neg"})
                    done[name] += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=item) for item in tokens.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    return done


def _check_exact_overlap(admin, d, n, overlap=3):
    seen = 0
    for rec in admin.records(d, page_size=100):
        subs = [r for r in rec.responses if r.status == "submitted"]
        assert len(subs) == overlap, (rec.external_id, subs)
        assert len({r.user for r in subs}) == overlap
        assert rec.status == "completed"
        seen += 1
    assert seen == n


def test_overlap_three_with_five_concurrent_annotators(live_server, d):
    admin, tokens = _populate(live_server, 300, d)
    done = _annotate_all(live_server, tokens, d)
    assert sum(done.values()) == 900
    _check_exact_overlap(admin, d, 300)
    stats = admin.stats(d)
    assert stats["completed"] == 300 and stats["submitted_responses"] == 900
    assert sum(a["submitted"] for a in stats["annotators"]) == 900


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_workers_on_postgres_behave_like_one(db_url, d):
    server = start_server(db_url, workers=2)
    try:
        admin, tokens = _populate(server, 120, d)
        done = _annotate_all(server, tokens, d)
        assert sum(done.values()) == 360
        _check_exact_overlap(admin, d, 120)
    finally:
        stop_server(server)


def test_lease_expiry_returns_records(live_server, d):
    settings = {**SETTINGS, "distribution": {"overlap": 1, "lease_seconds": 1}}
    admin, tokens = _populate(live_server, 1, d, settings=settings, annotators=2)
    a, b = (Client(live_server.url, t) for t in tokens.values())
    rec = a.next_record(d)
    assert rec is not None
    assert b.next_record(d) is None  # leased to a
    time.sleep(1.5)
    again = b.next_record(d)
    assert again is not None and again.id == rec.id


def test_stale_write_gets_409(live_server, d):
    admin, tokens = _populate(live_server, 1, d, annotators=1)
    c = Client(live_server.url, next(iter(tokens.values())))
    rec = c.next_record(d)
    v1 = c.save_draft(d, rec.id, {"label": "pos"})
    c.save_draft(d, rec.id, {"label": "neg"}, version=v1.version)
    with pytest.raises(Conflict, match="stale"):
        c.submit(d, rec.id, {"label": "pos"}, version=v1.version)
    raw = httpx.put(f"{live_server.url}/api/v1/datasets/{d}/records/{rec.id}/response",
                    headers={"Authorization": f"Bearer {next(iter(tokens.values()))}"},
                    json={"values": {"label": "pos"}, "status": "submitted", "version": 1})
    assert raw.status_code == 409 and raw.json()["error"]["type"] == "conflict"
    assert c.record(d, rec.id).response.values == {"label": "neg"}


@pytest.mark.parametrize("values,question,fragment", [
    ({"label": "maybe"}, "label", "'maybe' is not a label"),
    ({"label": "pos", "spans": [{"start": 0, "end": 999, "label": "X"}]}, "spans",
     "outside the text"),
    ({"label": "pos", "order": ["c1", "c1"]}, "order", "not a permutation"),
    ({"spans": []}, "label", "required question is not answered"),
])
def test_invalid_values_get_422_and_store_nothing(live_server, values, question, fragment, d):
    admin, tokens = _populate(live_server, 1, d, annotators=1)
    token = next(iter(tokens.values()))
    c = Client(live_server.url, token)
    rec = c.next_record(d)
    res = httpx.put(f"{live_server.url}/api/v1/datasets/{d}/records/{rec.id}/response",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"values": values, "status": "submitted"})
    assert res.status_code == 422
    err = res.json()["error"]
    assert err["field"] == question and fragment in err["message"]
    with pytest.raises(InputError):
        c.submit(d, rec.id, values)
    assert c.record(d, rec.id).response is None
    assert admin.record(d, rec.id).responses == []


def test_blind_annotation_and_review_flow(live_server, d):
    admin, tokens = _populate(live_server, 2, d, annotators=3)
    reviewer_token = live_server.make_user(f"{d}-rev", "reviewer")
    admin.add_member(d, f"{d}-rev")
    clients = [Client(live_server.url, t) for t in tokens.values()]
    rec = clients[0].next_record(d)
    clients[0].submit(d, rec.id, {"label": "pos"})
    r2 = clients[1].next_record(d)
    assert r2.id == rec.id
    assert r2.responses is None  # annotators never see others' responses
    clients[1].submit(d, rec.id, {"label": "neg"})
    rev = Client(live_server.url, reviewer_token)
    item = rev.next_for_review(d, disagreement=True)
    assert item.id == rec.id and len(item.responses) == 2
    target = item.responses[0]
    rev.review(d, target.id, "fix", version=target.version, values={"label": "neg"})
    with pytest.raises(InputError, match="reason"):
        rev.review(d, item.responses[1].id, "reject", version=item.responses[1].version)
    rev.review(d, item.responses[1].id, "accept", version=item.responses[1].version)
    stats = rev.stats(d)
    rates = {a["user"]: a["correction_rate"] for a in stats["annotators"]}
    assert rates[target.user] == 1.0
    history = rev.response_history(d, target.id)
    assert history[0]["new_status"] == "submitted"
    assert any(e["action"] == "review.fix" for e in admin.audit(dataset=d))


def test_suggestions_and_gold(live_server, d):
    settings = {**SETTINGS, "distribution": {"overlap": 1, "gold_rate": 1.0}}
    admin, tokens = _populate(live_server, 3, d, settings=settings, annotators=2)
    admin.add_suggestions(d, "gpt-x@v1", [{"external_id": "r1", "question": "label",
                                           "value": "pos", "score": 0.83}])
    gold = next(r for r in admin.records(d) if r.external_id == "r0")
    admin.set_gold(d, gold.id, {"label": "neg"})
    a = Client(live_server.url, next(iter(tokens.values())))
    first = a.next_record(d)
    assert first.id == gold.id  # gold rate 1.0
    a.submit(d, first.id, {"label": "neg"})
    nxt = a.next_record(d)
    if nxt.external_id == "r1":
        assert nxt.suggestions[0].score == 0.83 and nxt.suggestions[0].agent == "gpt-x@v1"
    stats = admin.stats(d)
    assert stats["annotators"][0]["gold_accuracy"] == 1.0


def test_filters_and_text_search(live_server, d):
    admin, tokens = _populate(live_server, 30, d, annotators=1)
    admin.import_records(d, [{"id": "special", "text": "A Needle in 100% haystack",
                              "candidates": CANDIDATES, "source": "web"}])
    assert [r.external_id for r in admin.records(d, q="needle in 100%")] == ["special"]
    assert [r.external_id for r in admin.records(d, **{"metadata.source": "web"})] == \
        ["special"]
    c = Client(live_server.url, next(iter(tokens.values())))
    rec = c.next_record(d)
    c.submit(d, rec.id, {"label": "neg"})
    hits = list(admin.records(d, **{"response.label": "neg"}))
    assert [r.id for r in hits] == [rec.id]
    assert len(list(admin.records(d, page_size=7))) == 31


def test_upload_with_prep(live_server, d):
    admin = Client(live_server.url, live_server.admin_token)
    admin.create_dataset(d, {"fields": [{"name": "text", "type": "text"}]})
    body = b'{"id": 1, "text": "same text"}\n{"id": 2, "text": "Same  text"}\n' \
           b'{"id": 3, "text": "call 555-123-4567 now"}\n'
    res = httpx.post(f"{live_server.url}/api/v1/datasets/{d}/records/upload",
                     params={"on_error": "skip"},
                     headers={"Authorization": f"Bearer {live_server.admin_token}"},
                     files={"file": ("a.jsonl", body)},
                     data={"prep_options": '{"pii": "redact", "workers": 1}'}, timeout=120)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["inserted"] == 2 and out["rejected"] == 1
    assert out["rejects"][0]["line"] == 2 and "dedupe_exact" in out["rejects"][0]["reason"]
    texts = {r.external_id: r.fields["text"] for r in admin.records(d)}
    assert "555-123-4567" not in texts["3"]


def test_annotators_cannot_take_records_that_were_not_handed_to_them(live_server, d):
    """An annotator writes only records handed to them (or that they answered): a record
    another annotator holds is 409 leased_to_other, a record nobody handed them is 403
    not_handed_out, and nothing is stored."""
    settings = {**SETTINGS, "distribution": {"overlap": 1, "lease_seconds": 600}}
    admin, tokens = _populate(live_server, 2, d, settings=settings, annotators=3)
    ids = {r.external_id: r.id for r in admin.records(d)}
    with Client(live_server.url, tokens[f"{d}-ann0"]) as a0, \
            Client(live_server.url, tokens[f"{d}-ann1"]) as a1, \
            Client(live_server.url, tokens[f"{d}-ann2"]) as a2:
        held = a0.next_record(d)
        assert held.external_id == "r0"
        with pytest.raises(Conflict, match="reserved for another annotator") as err:
            a1.submit(d, held.id, {"label": "neg"})
        assert err.value.reason == "leased_to_other"
        assert admin.record(d, held.id).responses == []
        # a record nobody holds is not free for the taking either: ask for the next one
        with pytest.raises(Forbidden, match="not handed to you") as err:
            a1.submit(d, ids["r1"], {"label": "pos"})
        assert err.value.reason == "not_handed_out"
        assert a1.next_record(d).id == ids["r1"]
        a1.submit(d, ids["r1"], {"label": "pos"})
        a0.submit(d, held.id, {"label": "pos"})
        assert a2.next_record(d) is None
        with pytest.raises(Forbidden):  # completed, and never handed to a2
            a2.submit(d, ids["r1"], {"label": "neg"})
    stats = admin.stats(d)
    assert stats["completed"] == 2 and stats["remaining_responses"] == 0, stats
    answered = {r.external_id: [x.user for x in r.responses] for r in admin.records(d)}
    assert answered == {"r0": [f"{d}-ann0"], "r1": [f"{d}-ann1"]}


def test_integers_too_large_for_the_database_are_a_422(live_server, d):
    admin, _ = _populate(live_server, 1, d, annotators=1)
    headers = {"Authorization": f"Bearer {live_server.admin_token}"}
    huge = 2 ** 70
    for path in (f"/api/v1/datasets/{d}/records/{huge}",
                 f"/api/v1/datasets/{d}/report?min_records={huge}"):
        r = httpx.get(live_server.url + path, headers=headers, timeout=60)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.json()["error"]["type"] == "input_error"


def test_loop_bodies_are_the_response_models_serialization(live_server, d):
    """next and submit answer with pre-serialized bodies (accord/server/routers/annotate.py):
    byte for byte what FastAPI's response_model serialization gives, and the OpenAPI
    schema still documents the models."""
    from pydantic import TypeAdapter

    from accord.server.schemas import RecordPublic, ResponsePublic

    _, tokens = _populate(live_server, 2, d, annotators=1)
    headers = {"Authorization": f"Bearer {next(iter(tokens.values()))}"}
    with httpx.Client(base_url=live_server.url, headers=headers) as http:
        nxt = http.post(f"/api/v1/datasets/{d}/next")
        put = http.put(f"/api/v1/datasets/{d}/records/{nxt.json()['id']}/response",
                       json={"values": {"label": "pos"}, "status": "submitted",
                             "time_spent": 10_000})
        spec = http.get("/openapi.json").json()
    for resp, model in ((nxt, RecordPublic), (put, ResponsePublic)):
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "application/json"
        adapter = TypeAdapter(model)
        assert resp.content == adapter.dump_json(adapter.validate_json(resp.content),
                                                 by_alias=True)
    assert put.json()["time_spent_capped"] is not None  # set after the model was built
    paths = spec["paths"]
    for path, method, model in (("/api/v1/datasets/{name}/next", "post", "RecordPublic"),
                                ("/api/v1/datasets/{name}/records/{record_id}/response",
                                 "put", "ResponsePublic")):
        schema = paths[path][method]["responses"]["200"]["content"]["application/json"]
        assert schema["schema"]["$ref"].endswith(f"/{model}"), schema


def test_next_answers_with_the_suggestions_and_the_own_response_a_save_names_its_record(
        live_server, d):
    """``next`` answers with the record's suggestions (best score first within a question;
    on PostgreSQL read by the claim's own statement) and the caller's response only when
    they have one (a held record with a draft); a save of a record of another dataset is a
    404 (on PostgreSQL the record is read with the response and the lease)."""
    settings = {**SETTINGS, "distribution": {"overlap": 1, "lease_seconds": 600}}
    admin, tokens = _populate(live_server, 2, d, settings=settings, annotators=1)
    admin.add_suggestions(d, "m@1", [{"external_id": "r0", "question": "label", "value": "pos",
                                      "score": 0.4, "metadata": {"prompt": "p1"}}])
    admin.add_suggestions(d, "m@2", [
        {"external_id": "r0", "question": "label", "value": "neg", "score": 0.9},
        {"external_id": "r0", "question": "order", "value": ["c2", "c1"]}])
    other = f"{d}-other"
    admin.create_dataset(other, settings)
    admin.import_records(other, [{"id": "x0", "text": "elsewhere", "candidates": CANDIDATES}])
    admin.add_member(other, f"{d}-ann0")
    expected = [("label", "neg", 0.9, "m@2", None), ("label", "pos", 0.4, "m@1", {"prompt": "p1"}),
                ("order", ["c2", "c1"], None, "m@2", None)]

    def seen(rec):  # type: ignore[no-untyped-def]
        return [(s.question, s.value, s.score, s.agent, s.metadata) for s in rec.suggestions]

    with Client(live_server.url, tokens[f"{d}-ann0"]) as a:
        first = a.next_record(d)
        assert first.external_id == "r0" and first.response is None
        assert seen(first) == expected
        draft = a.save_draft(d, first.id, {"label": "pos"})
        again = a.next_record(d)  # the held record, with the caller's draft
        assert again.id == first.id and seen(again) == expected
        assert again.response is not None and again.response.status == "draft" \
            and again.response.version == draft.version
        elsewhere = a.next_record(other)
        with pytest.raises(NotFound, match="does not exist in dataset"):
            a.submit(d, elsewhere.id, {"label": "pos"})
        a.submit(other, elsewhere.id, {"label": "neg"})
        a.submit(d, first.id, {"label": "neg"}, version=draft.version)
        last = a.next_record(d)
        assert last.external_id == "r1" and last.suggestions == [] and last.response is None
    assert [x.user for x in admin.record(other, elsewhere.id).responses] == [f"{d}-ann0"]
