"""The daily review workflow over the REST API and the client (issue 20 items 1-2): the
filtered review queue's cursor, comments on verdicts, a response's review history, an
annotator's progress and rejected responses, and who may read which."""

from __future__ import annotations

import httpx
import orjson
import pytest

from accord import Client
from accord.errors import AccordError

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "sentiment", "type": "label",
                           "labels": ["positive", "negative"], "required": True}],
            "distribution": {"overlap": 3}}


_clients: list[Client] = []


@pytest.fixture
def live_server(module_server):
    """One server for this module: every test uses its own dataset and user names."""
    yield module_server
    while _clients:
        _clients.pop().close()


def _client(server, token: str) -> Client:
    _clients.append(Client(server.url, token))
    return _clients[-1]


def _team(server, ds: str, n: int = 6, annotators=("alice", "carol", "bob")):
    admin = _client(server, server.admin_token)
    admin.create_dataset(ds, SETTINGS)
    admin.import_records(ds, [{"id": f"{ds}-{i}", "text": f"review {i}"} for i in range(n)])
    people = {}
    for name in annotators:
        people[name] = _client(server, server.make_user(f"{ds}-{name}"))
        admin.add_member(ds, f"{ds}-{name}")
    rev = _client(server, server.make_user(f"{ds}-rev", "reviewer"))
    admin.add_member(ds, f"{ds}-rev")
    return admin, people, rev


def _answer_all(client: Client, ds: str, value: str = "positive") -> list:
    out = []
    while (rec := client.next_record(ds)) is not None:
        out.append(client.submit(ds, rec.id, {"sentiment": value}))
    return out


def test_a_filtered_queue_walks_every_record_with_the_annotators_unreviewed_responses(
        live_server):
    ds = "rq1"
    _, people, rev = _team(live_server, ds)
    _answer_all(people["alice"], ds)  # alice answers first: her responses have the low ids
    _answer_all(people["carol"], ds)
    bobs = _answer_all(people["bob"], ds, "negative")
    assert len(bobs) == 6
    # judge bob's first response, then pass over each record: "Next record" continues after
    # the record shown, so every record with an unreviewed response of bob's comes up once
    first = rev.next_for_review(ds, annotator=f"{ds}-bob")
    mine = next(r for r in first.responses if r.user == f"{ds}-bob")
    rev.review(ds, mine.id, "accept", version=mine.version)
    seen, after = [], 0
    while (rec := rev.next_for_review(ds, annotator=f"{ds}-bob", after=after)) is not None:
        assert rec.id not in seen, "the queue handed out the same record twice"
        seen.append(rec.id)
        after = rec.id
        assert len(seen) <= 6
    assert seen == sorted(b.record_id for b in bobs)[1:]  # 5 of bob's responses left
    # unfiltered, without bob's: the queue still has alice's and carol's on every record
    assert rev.next_for_review(ds, after=max(seen)) is None
    assert rev.next_for_review(ds).id == first.id


def test_comments_history_rejected_list_and_resubmission(live_server, tmp_path):
    ds = "rq2"
    admin, people, rev = _team(live_server, ds, n=2, annotators=("bob", "alice"))
    bob, alice = people["bob"], people["alice"]
    r1 = bob.next_record(ds)
    v1 = bob.submit(ds, r1.id, {"sentiment": "negative"})
    accepted = rev.review(ds, v1.id, "accept", version=v1.version, comment="  ")
    assert accepted.comment is None  # blank comments are not stored
    rejected = rev.review(ds, v1.id, "reject", version=v1.version, reason="it is praise",
                          comment="read the last sentence <b>again</b>")
    assert (rejected.reason, rejected.comment) == ("it is praise",
                                                   "read the last sentence <b>again</b>")
    history = rev.reviews(ds, v1.id)
    assert [(h.verdict, h.reviewer, h.response_version, h.in_force, h.comment)
            for h in history] == [
        ("accept", f"{ds}-rev", v1.version, False, None),
        ("reject", f"{ds}-rev", v1.version, True, "read the last sentence <b>again</b>")]
    assert all(h.created_at for h in history)
    # bob sees his rejection with the reason and the comment; alice sees nothing of it
    mine = bob.my_rejected(ds)
    assert [(m["record_id"], m["reason"], m["comment"], m["reviewer"], m["version"])
            for m in mine] == [(r1.id, "it is praise", "read the last sentence <b>again</b>",
                                f"{ds}-rev", v1.version)]
    assert mine[0]["values"] == {"sentiment": "negative"}
    assert alice.my_rejected(ds) == []
    assert [h.verdict for h in bob.reviews(ds, v1.id)] == ["accept", "reject"]  # his own
    # bob fixes and resubmits: a new version, back in the queue, the rejection is history
    v2 = bob.submit(ds, r1.id, {"sentiment": "positive"}, version=v1.version)
    assert v2.version == v1.version + 1 and v2.review_state is None
    assert bob.my_rejected(ds) == []
    assert [h.in_force for h in rev.reviews(ds, v1.id)] == [False, False]
    assert rev.next_for_review(ds, annotator=f"{ds}-bob").id == r1.id
    # the export carries the comment with its verdict
    out = admin.export(ds, "jsonl", tmp_path / f"{ds}.jsonl")
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    comments = [v["comment"] for row in rows for v in row["reviews"]]
    assert comments == [None, "read the last sentence <b>again</b>"]


def test_cross_role_requests_by_id_are_refused(live_server):
    ds = "rq3"
    _, people, rev = _team(live_server, ds, n=1, annotators=("bob", "alice"))
    r1 = people["bob"].next_record(ds)
    v1 = people["bob"].submit(ds, r1.id, {"sentiment": "negative"})
    rev.review(ds, v1.id, "reject", version=v1.version, reason="no")
    url = f"{live_server.url}/api/v1/datasets/{ds}/responses/{v1.id}/reviews"
    # another annotator of the same dataset: as if bob's response did not exist
    res = httpx.get(url, headers=people["alice"]._http.headers)
    assert res.status_code == 404 and res.json()["error"]["message"].startswith("response")
    # a reviewer of another dataset: not a member here
    outsider = _client(live_server, live_server.make_user(f"{ds}-rev2", "reviewer"))
    with pytest.raises(AccordError) as err:
        outsider.reviews(ds, v1.id)
    assert "not a member" in str(err.value)
    with pytest.raises(AccordError):
        outsider.my_rejected(ds)
    # an annotator cannot judge, and the queue never hands a reviewer their own response
    res = httpx.post(f"{live_server.url}/api/v1/datasets/{ds}/responses/{v1.id}/review",
                     headers=people["alice"]._http.headers,
                     json={"verdict": "accept", "version": v1.version})
    assert res.status_code == 403


def test_progress_uses_the_statistics_counting(live_server):
    ds = "rq4"
    admin, people, _ = _team(live_server, ds, n=5, annotators=("bob", "alice"))
    bob = people["bob"]
    assert bob.my_progress(ds) == {
        "user": f"{ds}-bob", "done": 0, "records": 5, "completed_records": 0, "left": 5,
        "drafts": 0, "skipped": 0, "gold_answered": 0, "quota": None}
    bob.submit(ds, bob.next_record(ds).id, {"sentiment": "positive"})
    bob.discard(ds, bob.next_record(ds).id)
    r3 = bob.next_record(ds)
    bob.save_draft(ds, r3.id, {"sentiment": "negative"})
    got = bob.my_progress(ds)
    stats = admin.stats(ds)
    mine = next(a for a in stats["annotators"] if a["user"] == f"{ds}-bob")
    assert got["done"] == mine["submitted"] - mine["gold_answered"] == 1
    assert got["records"] == stats["records"] - stats["gold"] == 5
    assert (got["drafts"], got["skipped"]) == (mine["drafts"], mine["discarded"]) == (1, 1)
    assert got["left"] == 3  # 5 less the one submitted and the one skipped (the draft is his)
