"""Candidate generation, SFT drafts with edit distance, LLM-as-judge vs people."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from accord.assist import (
    GenerateOptions,
    PrelabelOptions,
    edit_stats,
    generate_candidates,
    judge,
    judge_agreement,
    levenshtein,
    normalized_edit_distance,
    prelabel,
)
from accord.errors import InputError, NotFound
from accord.store import session_scope, write_scope
from accord.store.assist_queries import question_suggestions
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Record, Suggestion
from accord.store.users import create_user, get_user
from accord.workflow import save_response
from tests.assist.conftest import make_dataset
from tests.assist.fake_llm import FakeRequest


def writer_oracle(request: FakeRequest):
    body = request.body
    return f"{body['model']} t={body['temperature']} #{request.sample}: answer to " \
           f"{request.user_text}"


def _records(engine, dataset):
    with session_scope(engine) as s:
        ds = get_dataset(s, dataset)
        return {r.external_id: r for r in s.scalars(select(Record).where(
            Record.dataset_id == ds.id).order_by(Record.id))}, settings_of(ds)


def _submit(engine, dataset, user, external_id, values):
    with write_scope(engine) as s:
        ds = get_dataset(s, dataset)
        try:
            u = get_user(s, user)
        except NotFound:
            u = create_user(s, user, "annotator")
        rec = s.scalar(select(Record).where(Record.dataset_id == ds.id,
                                            Record.external_id == external_id))
        save_response(s, ds, settings_of(ds), rec, u, values, status="submitted")


def test_generate_candidates_into_ranking_and_pairwise(engine, fake_llm, make_client):
    make_dataset(engine, "prompts", {"fields": [{"name": "prompt", "type": "text"}]},
                 [{"id": f"p{i}", "prompt": f"question {i}?"} for i in range(3)])
    client = make_client(fake_llm(writer_oracle))
    summary = generate_candidates(engine, "prompts", client, GenerateOptions(
        prompt_field="prompt", into="ranked", k=4, models=["m1", "m2"],
        temperatures=[0.2, 1.0]))
    assert (summary.records, summary.written) == (3, 3)
    records, settings = _records(engine, "ranked")
    assert [q.type for q in settings.questions] == ["ranking"]
    assert list(records) == ["p0", "p1", "p2"]
    cands = records["p1"].fields["candidates"]
    assert [c["id"] for c in cands] == ["c1", "c2", "c3", "c4"]
    assert {(c["model"], c["temperature"]) for c in cands} == \
        {("m1", 0.2), ("m1", 1.0), ("m2", 0.2), ("m2", 1.0)}
    assert all(c["text"].startswith(f"{c['model']} t={c['temperature']}") and
               "question 1?" in c["text"] for c in cands)
    assert records["p1"].fields["prompt"] == "question 1?"
    assert records["p1"].meta == {"source_dataset": "prompts", "source_id": "p1"}
    _submit(engine, "ranked", "ann", "p1", {"ranking": ["c3", "c1", "c4", "c2"]})  # valid ids

    make_dataset(engine, "pairs", {
        "fields": [{"name": "prompt", "type": "text"}, {"name": "left", "type": "text"},
                   {"name": "right", "type": "text"}],
        "questions": [{"name": "pref", "type": "pairwise", "fields": ["left", "right"]}]}, [])
    summary = generate_candidates(engine, "prompts", client, GenerateOptions(
        prompt_field="prompt", into="pairs", k=3, temperatures=[0.0, 0.5, 1.0], limit=2))
    records, _ = _records(engine, "pairs")
    assert list(records) == ["p0:1-2", "p0:1-3", "p0:2-3", "p1:1-2", "p1:1-3", "p1:2-3"]
    pair = records["p0:1-3"]
    assert pair.fields["left"].startswith("fake-1 t=0.0") and \
        pair.fields["right"].startswith("fake-1 t=1.0")
    assert pair.meta["candidate_a"] == "c1" and pair.meta["candidate_b"] == "c3"
    with pytest.raises(InputError, match="pairwise candidates need k >= 2"):
        generate_candidates(engine, "prompts", client,
                            GenerateOptions(prompt_field="prompt", into="pairs", k=1))
    with pytest.raises(InputError, match="unknown field 'nope'"):
        generate_candidates(engine, "prompts", client,
                            GenerateOptions(prompt_field="nope", into="x"))


def test_drafts_and_how_much_people_edit_them(engine, fake_llm, make_client):
    settings = {"fields": [{"name": "instruction", "type": "text"}],
                "questions": [{"name": "answer", "type": "text", "required": True}]}
    make_dataset(engine, "sft", settings, [{"id": f"s{i}", "instruction": f"task {i}"}
                                           for i in range(3)])
    drafts = {"task 0": "Paris is the capital.", "task 1": "abcd", "task 2": "unused"}

    def oracle(request: FakeRequest):
        return drafts[re.findall(r"task \d", request.user_text)[-1]]

    summary = prelabel(engine, "sft", make_client(fake_llm(oracle)), PrelabelOptions("answer"))
    assert summary.written == 3 and summary.methods == {"none": 3}
    with session_scope(engine) as s:
        values = {s.get(Record, g.record_id).external_id: (g.value, g.score)
                  for g in s.scalars(select(Suggestion))}
    assert values["s0"] == ("Paris is the capital.", None)
    _submit(engine, "sft", "ann", "s0", {"answer": "Paris is the capital."})
    _submit(engine, "sft", "ann", "s1", {"answer": "abXd"})
    _submit(engine, "sft", "bob", "s1", {"answer": "wxyz"})
    stats = edit_stats(engine, "sft", "answer")
    data = stats.to_dict()
    assert data["pairs"] == 3 and data["unchanged_share"] == pytest.approx(1 / 3)
    assert data["mean_normalized"] == pytest.approx((0 + 0.25 + 1.0) / 3)
    assert "3 drafts answered" in stats.line()
    with pytest.raises(InputError, match="edit distance is for text questions"):
        make_dataset(engine, "lab", {"fields": [{"name": "t", "type": "text"}],
                                     "questions": [{"name": "y", "type": "label",
                                                    "labels": ["a", "b"]}]}, [])
        edit_stats(engine, "lab", "y")


def test_judge_ratings_with_rationale_against_human_consensus(engine, fake_llm, make_client):
    settings = {"fields": [{"name": "response", "type": "text"}],
                "questions": [{"name": "quality", "type": "rating", "min": 1, "max": 5,
                               "required": True}],
                "distribution": {"overlap": 2}}
    judged = {"e0": 1, "e1": 2, "e2": 3, "e3": 3}
    people = {"e0": (1, 1), "e1": (2, 2), "e2": (3, 3), "e3": (1, 3)}  # e3 median: 2
    make_dataset(engine, "eval", settings, [{"id": k, "response": f"answer {k}"}
                                            for k in judged])

    def oracle(request: FakeRequest):
        key = re.findall(r"answer (e\d)", request.user_text)[-1]
        assert list(request.schema["properties"]) == ["rationale", "rating"]
        return {"rationale": f"because {key}", "rating": judged[key]}

    fake = fake_llm(oracle)
    summary = judge(engine, "eval", make_client(fake), "quality")
    assert summary.written == 4 and summary.action == "judge"
    assert "impartial" in fake.calls[0].body["messages"][0]["content"]
    with session_scope(engine) as s:
        ds = get_dataset(s, "eval")
        rows = {s.get(Record, g.record_id).external_id: g
                for g in question_suggestions(s, ds.id, "quality", summary.agent)}
    assert rows["e3"].value == 3 and rows["e3"].meta["rationale"] == "because e3"
    with pytest.raises(InputError, match="only 0 record"):
        judge_agreement(engine, "eval", "quality")
    for key, (a, b) in people.items():
        _submit(engine, "eval", "ann", key, {"quality": a})
        _submit(engine, "eval", "bob", key, {"quality": b})
    agreement = judge_agreement(engine, "eval", "quality")
    # judge [1, 2, 3, 3] vs consensus [1, 2, 3, 2], worked out by hand:
    assert agreement.n == 4
    assert agreement.alpha_interval == pytest.approx(1 - 0.25 / (78 / 56))
    assert agreement.alpha_ordinal == pytest.approx(0.79)
    assert agreement.kappa_quadratic == pytest.approx(0.8)
    assert (agreement.exact, agreement.mean_abs_diff) == (0.75, 0.25)


@hsettings(max_examples=150, deadline=None)
@given(st.text(alphabet="abc\u00e9 ", max_size=40), st.text(alphabet="abc\u00e9 ", max_size=40))
def test_levenshtein_matches_dynamic_programming(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    assert levenshtein(a, b) == prev[-1] == levenshtein(b, a)
    assert 0.0 <= normalized_edit_distance(a, b) <= 1.0
    long = "x" * 100 + a + "y" * 70  # past one 64-bit word
    assert levenshtein(long, long[::-1]) == levenshtein(long[::-1], long)
