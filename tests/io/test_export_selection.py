"""Selection: agreement, response counts, contradictions, gold, aggregation methods, roles."""

from __future__ import annotations

import pytest

from accord.errors import InputError
from accord.schema.questions import question_type
from tests.conftest import run_cli
from tests.io.export_data import (
    PAIRWISE,
    export,
    gold,
    pairwise_dataset,
    read_jsonl,
    setup,
    submit,
)


def _prompts(path):
    return [r["prompt"] for r in read_jsonl(path)]


def test_min_agreement_min_responses_and_contradictions(engine, tmp_path):
    pairwise_dataset(engine, n=4)  # even records: a, a, b (2/3); odd: b, b, b (1.0)
    setup(engine, "pw2", PAIRWISE, [{"id": "x", "prompt": "Tie?", "response_a": "A",
                                     "response_b": "B"}])
    s = export(engine, "pw", tmp_path / "agree.jsonl", "dpo", min_agreement=0.9)
    assert _prompts(tmp_path / "agree.jsonl") == ["Question 1?", "Question 3?"]
    assert s.dropped == {"min_agreement": 2}
    assert s.records_read == 4 and s.records_exported == 2
    submit(engine, "pw2", "x", "u1", {"preference": {"choice": "a"}})
    submit(engine, "pw2", "x", "u2", {"preference": {"choice": "b"}})
    export(engine, "pw2", tmp_path / "all.jsonl", "jsonl", aggregate="mv")
    (row,) = read_jsonl(tmp_path / "all.jsonl")
    assert row["aggregates"]["preference"]["contradictory"] is True
    s = export(engine, "pw2", tmp_path / "c.jsonl", "dpo", drop_contradictory=True)
    assert _prompts(tmp_path / "c.jsonl") == [] and s.dropped == {"contradictory": 1}
    s = export(engine, "pw2", tmp_path / "n.jsonl", "dpo", min_responses=3)
    assert s.dropped == {"min_responses": 1}


def test_gold_records_are_exported_with_answers_or_excluded(engine, tmp_path):
    pairwise_dataset(engine, n=3)
    gold(engine, "pw", "r1", {"preference": {"choice": "b"}})
    export(engine, "pw", tmp_path / "all.jsonl", "jsonl")
    rows = {r["external_id"]: r for r in read_jsonl(tmp_path / "all.jsonl")}
    assert rows["r1"]["is_gold"] is True and rows["r1"]["gold"] == {"preference": {"choice": "b"}}
    assert rows["r0"]["gold"] is None
    export(engine, "pw", tmp_path / "nogold.jsonl", "dpo", exclude_gold=True)
    assert _prompts(tmp_path / "nogold.jsonl") == ["Question 0?", "Question 2?"]


def test_aggregation_methods_reach_the_rows(engine, tmp_path):
    pairwise_dataset(engine, n=4)
    export(engine, "pw", tmp_path / "ds.jsonl", "jsonl", aggregate="ds")
    rows = read_jsonl(tmp_path / "ds.jsonl")
    pref = [r["aggregates"]["preference"] for r in rows]
    assert [p["value"] for p in pref] == ["a", "b", "a", "b"]
    assert {p["method"] for p in pref} == {"ds"}
    assert all(0.5 <= p["confidence"] <= 1 for p in pref)
    quality = [r["aggregates"]["quality"] for r in rows]  # ratings as classes: 5, 5, 2 -> 5
    assert {q["method"] for q in quality} == {"ds"} and quality[0]["value"] == 5
    # median does not apply to pairwise questions: they fall back to their type's default
    export(engine, "pw", tmp_path / "med.jsonl", "jsonl", aggregate="median")
    first = read_jsonl(tmp_path / "med.jsonl")[0]["aggregates"]
    default = question_type("pairwise").default_consensus
    assert (first["preference"]["method"], first["quality"]["method"]) == (default, "median")
    assert first["quality"]["value"] == 5.0 and first["quality"]["agreement"] == pytest.approx(
        2 / 3
    )
    with pytest.raises(InputError, match="does not apply to pairwise questions"):
        export(engine, "pw", tmp_path / "x.jsonl", "dpo", aggregate="mean")


def test_roles_are_detected_or_the_candidates_listed(engine, tmp_path):
    pairwise_dataset(engine, n=1)
    with pytest.raises(InputError) as err:
        export(engine, "pw", tmp_path / "x.jsonl", "kto", question="quality", kto_threshold=3)
    assert err.value.field == "--completion-field"
    assert "['response_a', 'response_b']" in str(err.value)
    with pytest.raises(InputError, match=r"unknown question 'nope'; questions are \['preference',"
                                         r" 'quality', 'rewrite'\]"):
        export(engine, "pw", tmp_path / "x.jsonl", "dpo", question="nope")
    with pytest.raises(InputError, match="needs --kto-threshold"):
        export(engine, "pw", tmp_path / "x.jsonl", "kto", question="quality",
               completion_field="response_a")
    with pytest.raises(InputError, match="can be written to jsonl, not 'parquet'"):
        export(engine, "pw", tmp_path / "x.parquet", "openai-dpo", to="parquet")
    two = {"fields": [{"name": "a", "type": "text"}, {"name": "b", "type": "text"},
                      {"name": "c", "type": "text"}],
           "questions": [{"name": "p", "type": "pairwise", "fields": ["b", "c"]},
                         {"name": "q", "type": "pairwise", "fields": ["a", "c"]}]}
    setup(engine, "two", two, [{"id": "1", "a": "x", "b": "y", "c": "z"}])
    with pytest.raises(InputError, match=r"2 questions can make preference pairs: \['p', 'q'\]; "
                                         "pick one with --question"):
        export(engine, "two", tmp_path / "x.jsonl", "dpo")
    export(engine, "two", tmp_path / "ok.jsonl", "dpo", question="p")  # prompt: a
    assert not (tmp_path / "x.jsonl").exists()


def test_cli_export_options_and_errors(sqlite_url, tmp_path):
    from accord.store import make_engine, upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    pairwise_dataset(engine, n=2)
    engine.dispose()
    res = run_cli("export", "pw", "--format", "dpo", "-o", str(tmp_path / "o.jsonl"),
                  "--status", "maybe", "--db", sqlite_url)
    assert res.returncode == 2
    assert "field '--status': expected one of submitted, reviewed, got 'maybe'" in res.stderr
    res = run_cli("export", "pw", "--format", "dpo", "-o", str(tmp_path / "o.jsonl"),
                  "--split", "train=0.5,test=0.5", "--min-agreement", "0.9", "--db", sqlite_url)
    assert res.returncode == 0, res.stderr
    assert "pw -> " in res.stdout and "1 dpo rows (train 1, test 0) from 1 of 2 records" in \
        res.stdout
    assert [r["prompt"] for r in read_jsonl(tmp_path / "o.train.jsonl")] == ["Question 1?"]
    assert (tmp_path / "o.test.jsonl").read_text() == ""
