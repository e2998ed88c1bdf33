"""Structured output per question type, parsed back and validated against the question."""

from __future__ import annotations

import json

import pytest

from accord.assist import PrelabelOptions, parse_output, repair_spans, response_format
from accord.assist.prelabel import suggest_one
from accord.assist.prompts import TEMPLATES
from accord.errors import InputError
from accord.schema import parse_settings, validate_value
from tests.assist.fake_llm import FakeRequest

SETTINGS = parse_settings({
    "guidelines": "Be careful.",
    "fields": [{"name": "prompt", "type": "text"}, {"name": "candidates", "type": "json"},
               {"name": "response_a", "type": "text"}, {"name": "response_b", "type": "text"}],
    "questions": [
        {"name": "intent", "type": "label", "labels": {"billing": "Billing", "bug": "Bug"}},
        {"name": "topics", "type": "multi_label", "labels": ["refund", "login", "shipping"]},
        {"name": "entities", "type": "span", "field": "prompt", "labels": ["PER", "LOC"]},
        {"name": "helpfulness", "type": "rating", "min": 1, "max": 5},
        {"name": "order", "type": "ranking", "field": "candidates"},
        {"name": "preference", "type": "pairwise", "fields": ["response_a", "response_b"],
         "allow_tie": False, "max_strength": 2},
        {"name": "rewrite", "type": "text", "field": "response_a"},
        {"name": "safety", "type": "flags", "labels": ["pii", "violence"],
         "severities": ["low", "high"]},
    ]})
FIELDS = {"prompt": "Ann flew from Paris to Oslo, then Ann went home.",
          "candidates": [{"id": "c1", "text": "one"}, {"id": "c2", "text": "two"},
                         {"id": "c3", "text": "three"}],
          "response_a": "first answer", "response_b": "second answer"}

EXPECTED_KEYS = {"intent": "label", "topics": "labels", "entities": "spans",
                 "helpfulness": "rating", "order": "ranking", "preference": "choice",
                 "safety": "flags"}


@pytest.mark.parametrize("question", [q.name for q in SETTINGS.questions])
def test_every_question_type_round_trips_through_the_server(fake_llm, make_client, question):
    """The fake answers from the requested JSON schema; the parsed answer is a valid value."""
    q = SETTINGS.question(question)
    fake = fake_llm()
    client = make_client(fake, cache=False)
    options = PrelabelOptions(question=question, fallback_k=1)
    template = TEMPLATES["draft" if q.type == "text" else "prelabel"]
    value, _, _ = suggest_one(client, SETTINGS, q, FIELDS, options, template, [])
    assert validate_value(q, value, FIELDS) == value
    body = fake.calls[0].body
    if q.type == "text":
        assert "response_format" not in body and value.startswith("A draft answer")
        return
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == schema["required"]
    assert EXPECTED_KEYS[question] in schema["properties"]


def test_schemas_carry_the_question_constraints():
    def props(name):
        return response_format(SETTINGS.question(name), FIELDS)["json_schema"]["schema"][
            "properties"]
    assert props("intent")["label"]["enum"] == ["billing", "bug"]
    assert props("topics")["labels"]["items"]["enum"] == ["refund", "login", "shipping"]
    assert props("helpfulness")["rating"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    ranking = props("order")["ranking"]
    assert ranking["items"]["enum"] == ["c1", "c2", "c3"]
    assert ranking["minItems"] == ranking["maxItems"] == 3
    assert props("preference")["choice"]["enum"] == ["a", "b"]
    assert props("preference")["strength"]["enum"] == [1, 2]
    span_item = props("entities")["spans"]["items"]
    assert set(span_item["properties"]) == {"text", "label", "start", "end"}
    judge = response_format(SETTINGS.question("helpfulness"), FIELDS, rationale=True)
    assert list(judge["json_schema"]["schema"]["properties"]) == ["rationale", "rating"]


def test_span_offsets_are_repaired_by_searching_the_text(fake_llm, make_client):
    """The model copies span texts right but miscounts offsets."""
    def oracle(request: FakeRequest):
        return {"spans": [{"text": "Paris", "label": "LOC", "start": 3, "end": 8},
                          {"text": "Oslo", "label": "LOC", "start": 23, "end": 27},
                          {"text": "Ann", "label": "PER", "start": 30, "end": 33},
                          {"text": "Berlin", "label": "LOC", "start": 0, "end": 6}]}

    q = SETTINGS.question("entities")
    client = make_client(fake_llm(oracle), cache=False)
    value, _, meta = suggest_one(client, SETTINGS, q, FIELDS, PrelabelOptions("entities"),
                                 TEMPLATES["prelabel"], [])
    text = FIELDS["prompt"]
    assert [(text[s["start"]:s["end"]], s["label"]) for s in value] == \
        [("Paris", "LOC"), ("Oslo", "LOC"), ("Ann", "PER")]
    # "Ann" occurs at 0 and 34: the one nearest the model's offset 30 is taken
    assert value[2]["start"] == 34
    assert any("Berlin" in r and "not found" in r for r in meta["repairs"])
    assert validate_value(q, value, FIELDS) == value


def test_span_repair_rules():
    text = "the cat and the Cat"
    spans, repairs = repair_spans(text, [{"text": "the", "label": "X", "start": 0, "end": 3},
                                         {"text": "the", "label": "X", "start": 0, "end": 3}])
    assert [s["start"] for s in spans] == [0, 12]  # the second takes the other occurrence
    spans, _ = repair_spans(text, [{"text": "CAT", "label": "X", "start": 1, "end": 2}])
    assert spans == [{"start": 4, "end": 7, "label": "X"}]  # case-insensitive fallback
    spans, repairs = repair_spans(text, [{"text": "the cat", "label": "X", "start": 0, "end": 7},
                                         {"text": "cat", "label": "Y", "start": 4, "end": 7}])
    assert len(spans) == 1 and "overlaps" in repairs[0]
    spans, _ = repair_spans(text, [{"text": "the cat", "label": "X", "start": 0, "end": 7},
                                   {"text": "cat", "label": "Y", "start": 4, "end": 7}],
                            allow_overlap=True)
    assert len(spans) == 2


def test_parse_repairs_and_rejects():
    intent = SETTINGS.question("intent")
    assert parse_output(intent, '```json\n{"label": "Bug"}\n```').value == "bug"
    order = SETTINGS.question("order")
    parsed = parse_output(order, json.dumps({"ranking": ["c2", "c2", "c1"]}), FIELDS)
    assert parsed.value == ["c2", "c1", "c3"] and parsed.repairs
    with pytest.raises(InputError, match="not a label of this question"):
        parse_output(intent, '{"label": "sales"}')
    with pytest.raises(InputError, match="not a JSON object"):
        parse_output(intent, "billing, I think")
    with pytest.raises(InputError, match="outside the scale"):
        parse_output(SETTINGS.question("helpfulness"), '{"rating": 9}')
    with pytest.raises(InputError, match="has no 'label'"):
        parse_output(intent, '{"answer": "bug"}')


def test_prompt_renders_record_question_and_examples():
    q = SETTINGS.question("intent")
    examples = [({"prompt": "refund please"}, "billing")]
    messages = TEMPLATES["prelabel"].messages(SETTINGS, q, FIELDS, examples=examples)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "Be careful." in messages[0]["content"]
    assert json.loads(messages[2]["content"]) == {"label": "billing"}
    assert "[c2] two" in messages[3]["content"] and "- bug: Bug" in messages[3]["content"]
    assert TEMPLATES["prelabel"].version() != TEMPLATES["prelabel"].version(few_shot=1)
