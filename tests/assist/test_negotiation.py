"""Structured-output negotiation, no retry of rejected requests, and confidence under a
grammar, against fakes that behave like llama-cpp-python's server and like strict servers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accord.assist import LLMError, PrelabelOptions, prelabel
from accord.assist.prelabel import suggest_one
from accord.assist.prompts import TEMPLATES
from accord.schema import parse_settings
from accord.store import make_engine, session_scope
from accord.store.models import Record, Suggestion
from tests.assist.conftest import LABEL_SETTINGS, make_dataset
from tests.assist.fake_llm import LLAMA_CPP, FakeRequest, probability_oracle
from tests.dbs import migrated

SETTINGS = parse_settings(LABEL_SETTINGS)
SCHEMA = {"type": "object", "properties": {"label": {"type": "string", "enum": ["pos", "neg"]}},
          "required": ["label"], "additionalProperties": False}
WORDS = {**LABEL_SETTINGS, "questions": [{"name": "y", "type": "label",
                                          "labels": ["positive", "negative"]}]}
MESSAGES = [{"role": "system", "content": "Label it."}, {"role": "user", "content": "p=0.70"}]


@pytest.fixture
def sqlite_engine(sqlite_url):
    engine = make_engine(migrated(sqlite_url))
    yield engine
    engine.dispose()


def _suggest(client, p, settings=SETTINGS, **options):
    return suggest_one(client, settings, settings.question("y"), {"text": f"a review p={p}"},
                       PrelabelOptions("y", **options), TEMPLATES["prelabel"], [])


def words_oracle(request: FakeRequest):
    """"positive" with the probability written in the text: a label of three sub-word tokens
    ("pos", "iti", "ve"), of which the grammar forces the last two."""
    p = float(re.findall(r"p=(\d\.\d+)", request.user_text)[-1])
    return {"label": "positive"}, {"label": {'"positive"': p, '"negative"': round(1 - p, 10)}}


def _mode(call):
    return (call.body.get("response_format") or {}).get("type", "prompt")


def test_llama_cpp_prelabel_negotiates_once_and_scores_under_the_grammar(
        sqlite_engine, fake_llm, make_client):
    """json_schema is refused once (HTTP 500 + pydantic's message, as llama-cpp-python does),
    never retried; every other request, even concurrent first ones, uses json_object with the
    schema; the unconstrained logprobs still give each record its true probability."""
    ps = [0.55, 0.6, 0.7, 0.8, 0.83, 0.9, 0.95, 0.97]
    make_dataset(sqlite_engine, "d", WORDS,
                 [{"id": f"r{i}", "text": f"review {i} p={p}"} for i, p in enumerate(ps)])
    fake = fake_llm(words_oracle, **LLAMA_CPP)
    client = make_client(fake, cache=False, concurrency=4)
    summary = prelabel(sqlite_engine, "d", client, PrelabelOptions("y"))
    assert (summary.written, summary.failed, summary.retries) == (len(ps), 0, 0)
    assert [(_mode(c), c.status) for c in fake.calls].count(("json_schema", 500)) == 1
    assert sorted(_mode(c) for c in fake.ok_calls) == ["json_object"] * len(ps)
    for c in fake.ok_calls:
        assert set(c.body["response_format"]["schema"]["properties"]["label"]["enum"]) == \
            {"positive", "negative"}
    with session_scope(sqlite_engine) as s:
        rows = {s.get(Record, g.record_id).external_id: g for g in s.scalars(select(Suggestion))}
    for i, p in enumerate(ps):
        g = rows[f"r{i}"]
        assert g.value == "positive" and g.score == pytest.approx(p, abs=1e-6)
        assert g.meta["method"] == "logprobs" and g.meta["structured"] == "json_object"
        assert g.meta["distribution"] == pytest.approx({"positive": p, "negative": 1 - p},
                                                       abs=1e-6)
    # the same process remembers the mode: a second client does not ask json_schema again
    fake.reset()
    _suggest(make_client(fake, cache=False), 0.61, parse_settings(WORDS))
    assert [_mode(c) for c in fake.calls] == ["json_object"]


def test_chosen_token_below_the_listed_cut_off_falls_back_to_self_consistency(
        fake_llm, make_client):
    """Asked for the top 1, llama.cpp lists prose ("I") above the chosen label (and the chosen
    after it): the other label's mass is unknown, so k samples decide and the method says so."""
    fake = fake_llm(probability_oracle, **LLAMA_CPP)
    value, score, meta = _suggest(make_client(fake, cache=False), 0.8, top_logprobs=1,
                                  fallback_k=5)
    assert meta["method"] == "self-consistency" and meta["k"] == 5
    assert score == meta["distribution"][value] and score * 5 == round(score * 5)
    assert len(fake.ok_calls) == 5  # no n on llama.cpp: one request per sample


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_rejected_request_is_never_retried(fake_llm, make_client, status):
    fake = fake_llm(fail_first=100, fail_status=status)
    client = make_client(fake, cache=False)
    with pytest.raises(LLMError, match=f"HTTP {status}: fake failure 1") as info:
        client.complete(MESSAGES)
    assert info.value.rejected and info.value.status == status
    assert len(fake.calls) == 1 and client.retries == 0
    # a structured call tries each mode once (three different requests) when the refusal can
    # be about the body (400, 422), then gives up; 404 cannot: it stops at once
    fake.reset()
    with pytest.raises(LLMError, match="every structured-output mode" if status != 404 else
                       "HTTP 404"):
        client.complete(MESSAGES, schema=SCHEMA)
    assert [_mode(c) for c in fake.calls] == (["json_schema", "json_object", "prompt"]
                                              if status != 404 else ["json_schema"])
    assert client.retries == 0


def test_a_validation_500_is_not_retried_but_other_500s_are(fake_llm, make_client):
    strict = fake_llm(formats=(), reject_status=500)
    client = make_client(strict, cache=False, max_retries=3)
    with pytest.raises(LLMError, match="validation error") as info:
        client.complete(MESSAGES, response_format={"type": "json_schema", "json_schema": {}})
    assert info.value.rejected and len(strict.calls) == 1
    flaky = fake_llm(fail_first=2, fail_status=500)
    client = make_client(flaky, cache=False, max_retries=3)
    client._sleep = lambda seconds: None
    assert client.complete(MESSAGES).choices and client.retries == 2


def test_a_server_without_response_format_gets_the_schema_in_the_prompt(fake_llm, make_client):
    fake = fake_llm(probability_oracle, formats=(), logprobs=False)
    value, score, meta = _suggest(make_client(fake, cache=False), 0.9, fallback_k=0)
    assert value == "pos" and meta["structured"] == "prompt"
    assert [(_mode(c), c.status) for c in fake.calls] == \
        [("json_schema", 400), ("json_object", 400), ("prompt", 200)]
    system = fake.calls[-1].body["messages"][0]["content"]
    assert system.startswith("You are a careful data annotator")
    assert '"enum": ["pos", "neg"]' in system and "response_format" not in fake.calls[-1].body


def test_a_strict_server_keeps_json_schema(fake_llm, make_client):
    fake = fake_llm(probability_oracle)
    _, score, meta = _suggest(make_client(fake, cache=False), 0.7)
    assert meta["structured"] == "json_schema" and score == pytest.approx(0.7, abs=1e-6)
    assert [(_mode(c), c.status) for c in fake.calls] == [("json_schema", 200)]


def test_a_dead_endpoint_stops_the_run_at_once(sqlite_engine, fake_llm, make_client):
    """401 is not about the request's body: no other mode is tried, and the records not yet
    started are skipped instead of each failing on its own."""
    make_dataset(sqlite_engine, "d", LABEL_SETTINGS,
                 [{"id": f"r{i}", "text": f"review {i} p=0.7"} for i in range(20)])
    fake = fake_llm(probability_oracle, fail_first=1000, fail_status=401)
    client = make_client(fake, cache=False, concurrency=2)
    with pytest.raises(LLMError, match="HTTP 401: fake failure"):
        prelabel(sqlite_engine, "d", client, PrelabelOptions("y"))
    assert len(fake.calls) <= 2 and client.retries == 0
    assert {_mode(c) for c in fake.calls} == {"json_schema"}
