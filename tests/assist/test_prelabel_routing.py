"""Pre-labelling into the store, calibration, routing and priorities (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accord.assist import (
    PrelabelOptions,
    calibrate,
    prelabel,
    prioritize,
    route,
)
from accord.errors import InputError, NotFound
from accord.store import session_scope, write_scope
from accord.store.audit import list_events
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Record, Response, Suggestion, User
from accord.store.users import create_user, get_user
from accord.workflow import mark_gold, next_record, save_response
from tests.assist.conftest import LABEL_SETTINGS, make_dataset
from tests.assist.fake_llm import probability_oracle

P = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]


def _records():
    return [{"id": f"r{i}", "text": f"review {i} p={p:.2f}"} for i, p in enumerate(P)]


def _suggestions(engine):
    with session_scope(engine) as s:
        return {s.get(Record, g.record_id).external_id: g
                for g in s.scalars(select(Suggestion).order_by(Suggestion.id))}


def _submit(engine, user, external_id, value, dataset="d"):
    with write_scope(engine) as s:
        ds = get_dataset(s, dataset)
        try:
            u = get_user(s, user)
        except NotFound:
            u = create_user(s, user, "annotator")
        rec = s.scalar(select(Record).where(Record.dataset_id == ds.id,
                                            Record.external_id == external_id))
        save_response(s, ds, settings_of(ds), rec, u, {"y": value}, status="submitted")


def _handed_out(engine, user, n, dataset="d", answer="neg"):
    out = []
    with write_scope(engine) as s:
        ds = get_dataset(s, dataset)
        u = create_user(s, user, "annotator")
        for _ in range(n):
            rec = next_record(s, ds, settings_of(ds), u)
            if rec is None:
                break
            out.append(rec.external_id)
            save_response(s, ds, settings_of(ds), rec, u, {"y": answer}, status="submitted")
    return out


def test_prelabel_stores_scored_suggestions_and_reruns_from_cache(engine, fake_llm,
                                                                  make_client):
    make_dataset(engine, "d", LABEL_SETTINGS, _records())
    fake = fake_llm(probability_oracle)
    summary = prelabel(engine, "d", make_client(fake), PrelabelOptions("y"))
    assert (summary.records, summary.written, summary.failed) == (10, 10, 0)
    assert summary.methods == {"logprobs": 10} and len(fake.calls) == 10
    suggestions = _suggestions(engine)
    version = suggestions["r0"].meta["prompt"]
    assert summary.agent == f"fake-1@p:{version}" and len(version) == 6
    for i, p in enumerate(P):
        s = suggestions[f"r{i}"]
        assert s.value == "pos" and s.score == pytest.approx(p, abs=1e-6)
        assert s.agent == summary.agent and s.meta["method"] == "logprobs"
    assert "10 cache hits" not in summary.line() and "10 written" in summary.line()
    again = prelabel(engine, "d", make_client(fake), PrelabelOptions("y"))
    assert len(fake.calls) == 10  # every answer came from the cache
    assert again.meter.cached_calls == 10 and "10 cache hits" in again.line()
    assert again.meter.tokens == 0
    with session_scope(engine) as s:
        events = list_events(s, action="assist.prelabel")
        assert len(events) == 2
        template = events[0][0].details["template"]
        assert template["name"] == "prelabel" and "$record" in template["user"]
        assert len(s.scalars(select(Suggestion)).all()) == 10  # replaced, not duplicated


def test_few_shot_examples_come_from_submitted_responses(engine, fake_llm, make_client):
    make_dataset(engine, "d", LABEL_SETTINGS, _records())
    _submit(engine, "ann", "r0", "neg")
    _submit(engine, "ann", "r1", "pos")
    fake = fake_llm(probability_oracle)
    summary = prelabel(engine, "d", make_client(fake), PrelabelOptions("y", few_shot=2))
    assert summary.records == 8 and summary.skipped == 2  # the examples are not labelled
    messages = fake.calls[0].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant",
                                             "user"]
    assert {m["content"] for m in messages if m["role"] == "assistant"} == \
        {'{"label": "neg"}', '{"label": "pos"}'}
    plain = prelabel(engine, "d", make_client(fake), PrelabelOptions("y", limit=1))
    assert plain.agent != summary.agent  # another prompt, another agent


def test_route_accepts_confident_suggestions_as_model_responses(engine, fake_llm, make_client):
    settings = {**LABEL_SETTINGS, "assist": {"auto_accept": "response",
                                             "thresholds": {"y": 0.85}}}
    make_dataset(engine, "d", settings, _records())
    prelabel(engine, "d", make_client(fake_llm(probability_oracle)), PrelabelOptions("y"))
    summary = route(engine, "d", "y")
    assert (summary.accepted, summary.queued, summary.mode) == (3, 7, "response")
    with session_scope(engine) as s:
        model = s.scalar(select(User).where(User.name == "model:fake-1"))
        assert model is not None and model.role == "annotator"
        responses = s.scalars(select(Response).where(Response.user_id == model.id)).all()
        done = {s.get(Record, r.record_id).external_id for r in responses}
        assert done == {"r7", "r8", "r9"}
        assert all(r.status == "submitted" and r.values == {"y": "pos"} for r in responses)
        statuses = {r.external_id: r.status for r in s.scalars(select(Record))}
        assert [statuses[f"r{i}"] for i in range(10)] == ["pending"] * 7 + ["completed"] * 3
    assert route(engine, "d", "y").accepted == 3  # idempotent
    with session_scope(engine) as s:
        assert len(s.scalars(select(Response)).all()) == 3
    # people get the remaining records, the least certain first
    assert _handed_out(engine, "ann", 10) == [f"r{i}" for i in range(7)]


def test_route_prefill_only_marks_suggestions(engine, fake_llm, make_client):
    make_dataset(engine, "d", LABEL_SETTINGS, _records())
    prelabel(engine, "d", make_client(fake_llm(probability_oracle)), PrelabelOptions("y"))
    summary = route(engine, "d", "y", mode="prefill", threshold=0.9)
    assert (summary.accepted, summary.prefilled, summary.queued) == (0, 2, 10)
    suggestions = _suggestions(engine)
    assert [suggestions[f"r{i}"].meta["prefill"] for i in range(10)] == [False] * 8 + [True] * 2
    with session_scope(engine) as s:
        assert s.scalars(select(Response)).all() == []
        assert s.scalar(select(User).where(User.name.startswith("model:"))) is None
    assert route(engine, "d", "y").accepted == 0  # no assist settings: nothing accepted


def test_calibrate_and_route_by_target_precision(engine, fake_llm, make_client):
    make_dataset(engine, "d", LABEL_SETTINGS, _records())
    prelabel(engine, "d", make_client(fake_llm(probability_oracle)), PrelabelOptions("y"))
    # people say "neg" for r0..r3 and r5: the model ("pos") is right on r4, r6..r9
    for i in range(10):
        _submit(engine, "ann", f"r{i}", "neg" if i in (0, 1, 2, 3, 5) else "pos")
    report, _ = calibrate(engine, "d", "y", against="responses", target_precision=1.0,
                               min_accepted=2)
    assert report.n == 10 and report.accuracy == pytest.approx(0.5)
    assert report.threshold.threshold == pytest.approx(0.8)  # 0.8..0.95 all right, 0.75 wrong
    summary = route(engine, "d", "y", target_precision=1.0, mode="prefill", min_accepted=2,
                    save=True)
    assert summary.threshold == pytest.approx(0.8) and summary.prefilled == 4
    with session_scope(engine) as s:
        saved = settings_of(get_dataset(s, "d")).assist
        assert saved.thresholds == {"y": pytest.approx(0.8)} and saved.auto_accept == "prefill"
    with pytest.raises(InputError, match="no threshold reaches precision 1.0"):
        route(engine, "d", "y", target_precision=1.0, min_accepted=6)
    with pytest.raises(InputError, match="gold answers"):
        calibrate(engine, "d", "y", against="gold")


def test_calibrate_against_gold(engine, fake_llm, make_client):
    make_dataset(engine, "d", LABEL_SETTINGS, _records())
    prelabel(engine, "d", make_client(fake_llm(probability_oracle)), PrelabelOptions("y"))
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        for rec in s.scalars(select(Record).where(Record.external_id.in_(["r0", "r9"]))):
            mark_gold(s, settings_of(ds), rec, {"y": "neg" if rec.external_id == "r0" else "pos"})
    report, _ = calibrate(engine, "d", "y", against="gold", n_bins=10)
    # r0: confidence 0.5, wrong; r9: 0.95, right -> ECE = (0.5 + 0.05) / 2
    assert report.n == 2 and report.ece == pytest.approx(0.275)


def three_way_oracle(request):
    import re

    a, b = (float(x) for x in re.findall(r"dist=(\d\.\d+),(\d\.\d+)", request.user_text)[-1])
    return {"label": "x"}, {"label": {'"x"': a, '"y"': b, '"z"': round(1 - a - b, 10)}}


def test_prioritize_strategies_order_next_record(engine, fake_llm, make_client):
    settings = {"fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "y", "type": "label", "labels": ["x", "y", "z"]}]}
    # least confidence: r1 (0.4) before r0 (0.5); margin: r0 (0.5 vs 0.45) before r1 (0.4/0.3)
    make_dataset(engine, "d", settings, [
        {"id": "r0", "text": "dist=0.50,0.45"}, {"id": "r1", "text": "dist=0.40,0.30"},
        {"id": "r2", "text": "dist=0.90,0.05"}])
    prelabel(engine, "d", make_client(fake_llm(three_way_oracle)), PrelabelOptions("y"))
    summary = prioritize(engine, "d", "y", strategy="least-confidence")
    assert summary.records == 3
    with session_scope(engine) as s:
        pr = {r.external_id: r.priority for r in s.scalars(select(Record))}
    assert pr["r1"] > pr["r0"] > pr["r2"] and pr["r1"] == pytest.approx(0.6)
    prioritize(engine, "d", "y", strategy="margin")
    assert _handed_out(engine, "ann", 1, answer="x") == ["r0"]
    prioritize(engine, "d", "y", strategy="entropy")
    assert _handed_out(engine, "bob", 1, answer="x") == ["r1"]  # the flattest distribution
    with pytest.raises(InputError, match="least-confidence, margin, entropy"):
        prioritize(engine, "d", "y", strategy="random")
    with pytest.raises(InputError, match="accord assist embed"):
        prioritize(engine, "d", "y", diversity=2)
