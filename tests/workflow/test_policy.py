"""The write policy as a library (accord/workflow/policy.py), on SQLite and PostgreSQL:
roles, the order of reasons, and in-process owners versus remote callers."""

from __future__ import annotations

import pytest

from accord.errors import Conflict, Forbidden
from accord.io import import_rows
from accord.schema import parse_settings
from accord.store import write_scope
from accord.store.datasets import add_member, create_dataset, get_dataset, settings_of
from accord.store.detached import load_record
from accord.store.users import create_user, get_user
from accord.workflow import save_response
from accord.workflow.policy import REASONS, record_refusal, review_refusal
from accord.workflow.workforce import hand_out

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"],
                           "required": True}],
            "assignment": {"quota": 1,
                           "match": [{"metadata": "lang", "attribute": "languages"}]},
            "distribution": {"overlap": 2}}


@pytest.fixture
def world(engine):
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", parse_settings(SETTINGS))
        for name, role in (("ann", "annotator"), ("other", "annotator"), ("rev", "reviewer")):
            u = create_user(s, name, role)
            u.attributes = {"languages": ["fr"]}
            add_member(s, ds, u)
    import_rows(engine, "d", [(1, {"id": "fr1", "text": "a", "lang": "fr"}),
                              (2, {"id": "en1", "text": "b", "lang": "en"}),
                              (3, {"id": "fr2", "text": "c", "lang": "fr"})])
    return engine


def _ctx(s):
    ds = get_dataset(s, "d")
    return ds, settings_of(ds)


def test_reasons_come_most_specific_first(world):
    with write_scope(world) as s:
        ds, st = _ctx(s)
        ann = get_user(s, "ann")
        rec = hand_out(s, ds, st, ann).record
        assert rec.external_id == "fr1"
        save_response(s, ds, st, load_record(s, rec.id), ann, {"y": "a"}, status="submitted",
                      remote=True)
    with write_scope(world) as s:
        ds, st = _ctx(s)
        ann, rev = get_user(s, "ann"), get_user(s, "rev")
        records = {r.external_id: r for r in (load_record(s, i) for i in (1, 2, 3))}
        # quota used up: the quota is the reason, before the match rules
        refusal = record_refusal(s, ds, st, ann, records["en1"], "submitted")
        assert refusal.reason == "quota_reached" and refusal.status == 403
        # their own submitted response may still be edited
        assert record_refusal(s, ds, st, ann, records["fr1"], "submitted") is None
        assert record_refusal(s, ds, st, ann, records["fr1"], "read") is None
        assert record_refusal(s, ds, st, ann, records["fr2"], "read").reason == "not_handed_out"
        # reviewers and admins are not limited by leases, quotas or rules
        assert record_refusal(s, ds, st, rev, records["en1"], "submitted") is None
    with write_scope(world) as s:
        ds, st = _ctx(s)
        other = get_user(s, "other")
        en1 = load_record(s, 2)
        assert record_refusal(s, ds, st, other, en1, "draft").reason == "outside_assignment"
        with pytest.raises(Forbidden) as err:
            save_response(s, ds, st, en1, other, {"y": "a"}, status="draft", remote=True)
        assert err.value.reason == "outside_assignment"
        # the database's owner (no remote) writes as before
        save_response(s, ds, st, en1, other, {"y": "a"}, status="submitted")


def test_review_refusals(world):
    with write_scope(world) as s:
        ds, st = _ctx(s)
        ann, rev = get_user(s, "ann"), get_user(s, "rev")
        rec = hand_out(s, ds, st, ann).record
        resp = save_response(s, ds, st, load_record(s, rec.id), ann, {"y": "a"},
                             status="submitted", remote=True)
        assert review_refusal(rev, resp, resp.version) is None
        assert review_refusal(rev, resp, resp.version - 1).reason == "stale_version"
        assert review_refusal(ann, resp, resp.version).reason == "role"
        assert review_refusal(ann, resp, resp.version, remote=False) is None  # the owner
        mine = review_refusal(rev, type(resp)(user_id=rev.id, status="submitted", version=1),
                              1)
        assert mine.reason == "own_response"
        err = review_refusal(rev, resp, 99).error()
        assert isinstance(err, Conflict) and err.reason == "stale_version"


def test_every_reason_has_a_status():
    assert set(REASONS.values()) == {403, 409}
