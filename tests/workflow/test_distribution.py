from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from accord.errors import Conflict, InputError
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.models import Record, Response, ResponseHistory, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user, get_user
from accord.workflow import dataset_stats, mark_gold, next_record, review_response, save_response

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}],
            "distribution": {"overlap": 2, "lease_seconds": 60}}


def _setup(engine, n=5, settings=SETTINGS, users=("u1", "u2", "u3")):
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", parse_settings(settings))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"t{i}"}, {}) for i in range(n)],
                       stamp=utcnow())
        for u in users:
            create_user(s, u, "annotator")


def _next(engine, user, now=None):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        rec = next_record(s, ds, settings_of(ds), get_user(s, user), now=now)
        return None if rec is None else rec.id


def _submit(engine, user, record_id, value="a", status="submitted", version=None, now=None):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        rec = s.get(Record, record_id)
        return save_response(s, ds, settings_of(ds), rec, get_user(s, user), {"y": value},
                             status=status, version=version, now=now).version


def test_overlap_leases_and_completion(engine):
    _setup(engine, n=2)
    a1, b1 = _next(engine, "u1"), _next(engine, "u2")
    assert a1 == b1  # the first record needs 2 annotators
    assert _next(engine, "u1") == a1  # a reload resumes the held record
    c1 = _next(engine, "u3")
    assert c1 != a1  # a1 is full: both slots leased
    _submit(engine, "u1", a1)
    _submit(engine, "u2", a1)
    with session_scope(engine) as s:
        rec = s.get(Record, a1)
        assert rec.status == "completed" and rec.submitted == 2
    assert _next(engine, "u1") != a1  # never the same record twice


def test_expired_leases_return_to_the_pool(engine):
    _setup(engine, n=1)
    t0 = utcnow()
    assert _next(engine, "u1", now=t0) is not None
    assert _next(engine, "u2", now=t0) is not None
    assert _next(engine, "u3", now=t0) is None  # both slots held
    later = t0 + timedelta(seconds=61)
    assert _next(engine, "u3", now=later) is not None  # expired leases were reclaimed


def test_stale_version_conflicts_and_history(engine):
    _setup(engine, n=1)
    rid = _next(engine, "u1")
    v1 = _submit(engine, "u1", rid, status="draft", value="a")
    v2 = _submit(engine, "u1", rid, status="draft", value="b", version=v1)
    assert v2 == v1 + 1
    with pytest.raises(Conflict, match="stale"):
        _submit(engine, "u1", rid, status="submitted", value="a", version=v1)
    _submit(engine, "u1", rid, status="submitted", value="b", version=v2)
    with session_scope(engine) as s:
        resp = s.scalar(select(Response))
        assert resp.values == {"y": "b"} and resp.status == "submitted"
        hist = s.scalars(select(ResponseHistory).order_by(ResponseHistory.id)).all()
        assert [(h.old_status, h.new_status) for h in hist] == [
            (None, "draft"), ("draft", "draft"), ("draft", "submitted")]
        assert hist[1].old_values == {"y": "a"} and hist[1].new_values == {"y": "b"}


def test_invalid_values_store_nothing(engine):
    _setup(engine, n=1)
    rid = _next(engine, "u1")
    with pytest.raises(InputError, match="'c' is not a label"):
        _submit(engine, "u1", rid, value="c")
    with session_scope(engine) as s:
        assert s.scalar(select(Response)) is None


def test_discard_frees_the_slot(engine):
    _setup(engine, n=1, users=("u1", "u2", "u3"))
    rid = _next(engine, "u1")
    _next(engine, "u2")
    assert _next(engine, "u3") is None
    _submit(engine, "u1", rid, status="discarded")
    assert _next(engine, "u3") == rid
    assert _next(engine, "u1") is None  # u1 never gets it again


def test_gold_is_mixed_in_and_scored(engine):
    settings = {**SETTINGS, "distribution": {"overlap": 1, "gold_rate": 1.0}}
    _setup(engine, n=3, settings=settings)
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        gold = s.scalar(select(Record).where(Record.external_id == "r0"))
        mark_gold(s, settings_of(ds), gold, {"y": "b"})
        gold_id = gold.id
    assert _next(engine, "u1") == gold_id
    _submit(engine, "u1", gold_id, value="a")
    assert _next(engine, "u2") == gold_id
    _submit(engine, "u2", gold_id, value="b")
    with session_scope(engine) as s:
        scores = {r.user_id: r.gold_correct for r in s.scalars(select(Response))}
        assert sorted(scores.values()) == [0.0, 1.0]
        ds = get_dataset(s, "d")
        stats = dataset_stats(s, ds, settings_of(ds))
        assert stats["gold"] == 1 and stats["pending"] == 2
        accuracy = {a["user"]: a["gold_accuracy"] for a in stats["annotators"]}
        assert accuracy == {"u1": 0.0, "u2": 1.0}


def test_review_verdicts_and_correction_rate(engine):
    _setup(engine, n=1, users=("u1", "rev"))
    rid = _next(engine, "u1")
    _submit(engine, "u1", rid, value="a")
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        resp = s.scalar(select(Response))
        with pytest.raises(InputError, match="needs a reason"):
            review_response(s, ds, settings_of(ds), resp.id, get_user(s, "rev"), "reject")
        review_response(s, ds, settings_of(ds), resp.id, get_user(s, "rev"), "fix",
                        values={"y": "b"})
    with session_scope(engine) as s:
        ds = get_dataset(s, "d")
        stats = dataset_stats(s, ds, settings_of(ds))
        assert stats["annotators"][0]["correction_rate"] == 1.0
