"""Onboarding, monitoring, quotas, assignment rules and the time report, on the library
(real SQLite file and real PostgreSQL through the ``engine`` fixture)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import SettingsError
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import (
    add_member,
    create_dataset,
    get_dataset,
    settings_of,
    update_settings,
)
from accord.store.models import Aggregate, Record, Response, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user, get_user, set_user_attributes
from accord.store.workforce import membership
from accord.workflow import mark_gold, save_response
from accord.workflow.monitoring import check_member, consensus_agreement, unpause
from accord.workflow.onboarding import acknowledge_guidelines
from accord.workflow.timesheet import timesheet, timesheet_csv
from accord.workflow.workforce import after_submit, hand_out, onboarding_status

BASE = {"guidelines": "Pick a if the text says a.",
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}],
        "distribution": {"overlap": 1, "lease_seconds": 600}}


def _setup(engine, extra, *, n=10, gold=0, attention=0, users=("ann",), meta=None):
    settings = {**BASE, **extra}
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", parse_settings(settings))
        rows = [RecordRow(f"r{i}", {"text": f"t{i}"}, (meta or (lambda i: {}))(i))
                for i in range(n)]
        rows += [RecordRow(f"g{i}", {"text": f"gold {i}"}, {}) for i in range(gold)]
        rows += [RecordRow(f"att{i}", {"text": "please pick a"}, {}) for i in range(attention)]
        upsert_records(s, ds.id, rows, stamp=utcnow())
        parsed = settings_of(ds)
        for rec in s.query(Record).filter(Record.dataset_id == ds.id):
            if rec.external_id.startswith("g"):
                mark_gold(s, parsed, rec, {"y": "a"}, explanation=f"because {rec.external_id}")
            elif rec.external_id.startswith("att"):
                mark_gold(s, parsed, rec, {"y": "a"}, attention=True)
        for u in users:
            add_member(s, ds, create_user(s, u, "annotator"))


def _next(engine, user, now=None, rng=None):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        out = hand_out(s, ds, settings_of(ds), get_user(s, user), now=now, rng=rng)
        rec = out.record
        return (None if rec is None else (rec.id, rec.external_id, rec.is_gold)), out


def _submit(engine, user, record_id, value="a", now=None, time_spent=0.0):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        rec = s.get(Record, record_id)
        u = get_user(s, user)
        resp = save_response(s, ds, settings_of(ds), rec, u, {"y": value}, status="submitted",
                             now=now, time_spent=time_spent)
        return after_submit(s, ds, settings_of(ds), rec, u, resp, now=now)


def _ack(engine, user):
    with write_scope(engine) as s:
        assert acknowledge_guidelines(s, get_dataset(s, "d"), get_user(s, user))


def _status(engine, user, now=None):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        return onboarding_status(s, ds, settings_of(ds), get_user(s, user), now=now)


ONBOARDING = {"onboarding": {"require_guidelines_ack": True, "training": {"count": 2},
                             "qualification": {"count": 3, "pass_mark": 0.8,
                                               "retry_after_seconds": 3600}}}


def test_failed_qualification_never_gets_real_records_and_may_retry_later(engine):
    _setup(engine, ONBOARDING, gold=6)
    got, out = _next(engine, "ann")
    assert got is None and out.reason == "needs_guidelines_ack"
    _ack(engine, "ann")
    # training: the expected answer and its explanation after each answer
    seen = []
    for _ in range(2):
        got, out = _next(engine, "ann")
        assert out.phase == "training" and got[2], got
        feedback = _submit(engine, "ann", got[0], value="b")
        assert feedback == {"phase": "training", "correct": False, "score": 0.0,
                            "answer": {"y": "a"}, "explanation": f"because {got[1]}"}
        seen.append(got[1])
    assert seen == ["g0", "g1"]  # (priority DESC, id) order
    # qualification: scored silently, all wrong
    for _ in range(3):
        got, out = _next(engine, "ann")
        assert out.phase == "qualification" and got[1] in ("g2", "g3", "g4")
        assert _submit(engine, "ann", got[0], value="b") is None
    t0 = utcnow()
    for i in range(50):
        got, out = _next(engine, "ann", now=t0 + timedelta(seconds=i))
        assert got is None and out.reason == "qualification_failed"
        assert out.retry_at is not None and out.retry_at > t0
    status = _status(engine, "ann")
    assert status["state"] == "qualification_failed" and status["last_score"] == 0.0
    assert "try again" in status["message"]
    with session_scope(engine) as s:
        mine = s.query(Response).filter(Response.user_id == get_user(s, "ann").id).all()
        assert all(s.get(Record, r.record_id).is_gold for r in mine)  # never a real record
    # after the delay: the same qualification records again, answered well this time
    later = out.retry_at + timedelta(seconds=1)
    for _ in range(3):
        got, out = _next(engine, "ann", now=later)
        assert out.phase == "qualification" and got[1] in ("g2", "g3", "g4")
        _submit(engine, "ann", got[0], value="a", now=later)
    got, out = _next(engine, "ann", now=later)
    assert out.phase is None and got is not None and got[1].startswith("r") and not got[2]
    with session_scope(engine) as s:
        m = membership(s, get_dataset(s, "d").id, get_user(s, "ann").id)
        assert m.phase == "qualified" and m.attempts == 2 and m.last_score == 1.0


def test_guideline_change_forces_reacknowledgement(engine):
    _setup(engine, {"onboarding": {"require_guidelines_ack": True}})
    assert _next(engine, "ann")[1].reason == "needs_guidelines_ack"
    _ack(engine, "ann")
    first, _ = _next(engine, "ann")
    assert first is not None
    with write_scope(engine) as s:  # a settings change that keeps the guidelines
        ds = get_dataset(s, "d")
        data = {**ds.settings, "distribution": {"overlap": 2, "lease_seconds": 600}}
        update_settings(s, ds, parse_settings(data))
    assert _next(engine, "ann")[0] == first  # no new acknowledgement needed
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        update_settings(s, ds, parse_settings({**ds.settings, "guidelines": "New rules."}))
    got, out = _next(engine, "ann")
    assert got is None and out.reason == "needs_guidelines_ack"
    assert _status(engine, "ann")["guidelines_version"] == 3
    _ack(engine, "ann")
    assert _next(engine, "ann")[0] == first


MONITOR = {"monitoring": {"attention_rate": 1.0, "max_attention_failures": 1,
                          "gold_window": 5, "min_gold_answers": 3, "min_gold_accuracy": 0.6}}


def test_failed_attention_check_pauses_until_unpaused(engine):
    _setup(engine, MONITOR, attention=2)
    got, out = _next(engine, "ann")
    assert out.phase == "attention" and got[1] == "att0"
    _submit(engine, "ann", got[0], value="a")  # passed
    got, out = _next(engine, "ann")
    assert got[1] == "att1"
    _submit(engine, "ann", got[0], value="b")  # failed: an obvious answer missed
    got, out = _next(engine, "ann")
    assert got is None and out.reason == "paused"
    status = _status(engine, "ann")
    assert status["state"] == "paused" and "attention check" in status["pause_reason"]
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        unpause(s, ds, membership(s, ds.id, get_user(s, "ann").id))
    got, out = _next(engine, "ann")  # attention checks are used up: a real record
    assert got is not None and got[1].startswith("r") and out.reason is None


def test_low_rolling_gold_accuracy_pauses(engine):
    _setup(engine, {"monitoring": {"gold_window": 4, "min_gold_answers": 3,
                                   "min_gold_accuracy": 0.6},
                    "distribution": {"overlap": 1, "gold_rate": 1.0}}, gold=5)
    for value in ("a", "b", "b"):
        got, _ = _next(engine, "ann", rng=random.Random(1))
        assert got[2]
        _submit(engine, "ann", got[0], value=value)
    assert _next(engine, "ann")[1].reason == "paused"
    assert "gold accuracy 0.33" in _status(engine, "ann")["pause_reason"]


def test_consensus_agreement_check(engine):
    assert consensus_agreement([({"y": "a"}, {"y": "a"}), ({"y": "a"}, {"y": "b"}),
                                ({"y": "b"}, {})]) == (0.5, 2)
    assert consensus_agreement([]) == (None, 0)
    _setup(engine, {"monitoring": {"consensus_window": 4, "min_consensus_answers": 4,
                                   "min_consensus_agreement": 0.5}}, n=4)
    ids = []
    for _ in range(4):
        got, _ = _next(engine, "ann")
        _submit(engine, "ann", got[0], value="b")
        ids.append(got[0])
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        for rid in ids:
            s.add(Aggregate(dataset_id=ds.id, record_id=rid, question="y",
                            value="a" if rid != ids[0] else "b", confidence=1.0,
                            n_responses=3, method="mv"))
        s.flush()
        m = membership(s, ds.id, get_user(s, "ann").id)
        reason = check_member(s, ds, settings_of(ds), m)
        assert reason is not None and "agreement with the consensus 0.25" in reason
        assert m.paused


def test_assignment_rule_by_language(engine):
    langs = ["en", "fr", "de", ["en", "de"], None]

    def meta(i):
        lang = langs[i % len(langs)]
        return {} if lang is None else {"language": lang}

    _setup(engine, {"assignment": {"match": [{"metadata": "language", "attribute": "languages"}]}},
           n=10, users=("fr_only", "en_de", "nobody"), meta=meta)
    with write_scope(engine) as s:
        set_user_attributes(s, get_user(s, "fr_only"), {"languages": "fr"})
        set_user_attributes(s, get_user(s, "en_de"), {"languages": ["en", "de"]})

    def drain(user):
        got = []
        while True:
            rec, _ = _next(engine, user)
            if rec is None:
                return got
            _submit(engine, user, rec[0])
            got.append(int(rec[1][1:]))

    with write_scope(engine) as s:  # overlap 3 so that every annotator can see every record
        ds = get_dataset(s, "d")
        update_settings(s, ds, parse_settings({**ds.settings, "distribution": {"overlap": 3}}))
    assert drain("fr_only") == [1, 4, 6, 9]  # fr and no language
    assert drain("en_de") == [0, 2, 3, 4, 5, 7, 8, 9]
    assert drain("nobody") == [4, 9]  # only records without a language


def test_quota_with_recount_of_skipped_records(engine):
    _setup(engine, {"assignment": {"quota": 3}}, n=10)
    got = [_next(engine, "ann")[0] for _ in range(1)][0]
    with write_scope(engine) as s:  # skip it: the unit comes back at the recount
        ds = get_dataset(s, "d")
        save_response(s, ds, settings_of(ds), s.get(Record, got[0]), get_user(s, "ann"), None,
                      status="discarded")
    done = 0
    while True:
        rec, out = _next(engine, "ann")
        if rec is None:
            break
        _submit(engine, "ann", rec[0])
        done += 1
    assert done == 3 and out.reason == "quota_reached"
    status = _status(engine, "ann")
    assert status["quota"] == 3 and status["used"] == 3
    assert status["state"] == "quota_reached" and "quota" in status["message"]
    with write_scope(engine) as s:  # a per-member override wins over the default
        ds = get_dataset(s, "d")
        membership(s, ds.id, get_user(s, "ann").id).quota = 5
    extra = 0
    while (rec := _next(engine, "ann")[0]) is not None:
        _submit(engine, "ann", rec[0])
        extra += 1
    assert extra == 2


def test_time_report_numbers(engine):
    _setup(engine, {}, n=6, users=("ann", "bob"))
    day1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    day2 = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
    plan = [("ann", day1, 10.0), ("ann", day1, 30.0), ("ann", day1, 20.0),
            ("bob", day1, 5.0), ("ann", day2, 7.5), ("bob", day2, 1.0)]
    for user, at, spent in plan:
        rec, _ = _next(engine, user, now=at)
        _submit(engine, user, rec[0], now=at, time_spent=spent)
    with session_scope(engine) as s:
        rows = timesheet(s, get_dataset(s, "d"))
        assert rows == [
            {"date": "2026-03-01", "user": "ann", "records": 3, "active_seconds": 60.0,
             "median_seconds": 20.0},
            {"date": "2026-03-01", "user": "bob", "records": 1, "active_seconds": 5.0,
             "median_seconds": 5.0},
            {"date": "2026-03-02", "user": "ann", "records": 1, "active_seconds": 7.5,
             "median_seconds": 7.5},
            {"date": "2026-03-02", "user": "bob", "records": 1, "active_seconds": 1.0,
             "median_seconds": 1.0}]
        only2 = timesheet(s, get_dataset(s, "d"), since=datetime(2026, 3, 2, tzinfo=UTC))
        assert [r["user"] for r in only2] == ["ann", "bob"]
    assert timesheet_csv(rows).splitlines()[1] == "2026-03-01,ann,3,60.0,20.0"


@pytest.mark.parametrize("extra,path,message", [
    ({"onboarding": {"training": {"count": 0}}}, "onboarding.training.count", "greater than"),
    ({"onboarding": {"qualification": {"count": 5, "pass_mark": 1.5}}},
     "onboarding.qualification.pass_mark", "less than"),
    ({"onboarding": {"qualify": {}}}, "onboarding.qualify", "unknown key"),
    ({"monitoring": {"gold_window": 5, "min_gold_answers": 9}}, "monitoring",
     "cannot exceed gold_window"),
    ({"assignment": {"quota": 0}}, "assignment.quota", "greater than"),
    ({"assignment": {"match": [{"metadata": "lang"}]}}, "assignment.match[0].attribute",
     "missing"),
])
def test_workforce_settings_errors_name_the_path(extra, path, message):
    with pytest.raises(SettingsError) as info:
        parse_settings({**BASE, **extra})
    problems = dict(info.value.problems)
    assert path in problems, problems
    assert message in problems[path]
