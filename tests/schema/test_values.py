from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.schema import parse_settings, validate_values

SETTINGS = parse_settings({
    "fields": [{"name": "prompt", "type": "text"}, {"name": "candidates", "type": "json"},
               {"name": "a", "type": "text"}, {"name": "b", "type": "text"}],
    "questions": [
        {"name": "intent", "type": "label", "labels": ["billing", "bug", "other"],
         "required": True},
        {"name": "topics", "type": "multi_label", "labels": ["refund", "login"]},
        {"name": "entities", "type": "span", "field": "prompt", "labels": ["PER", "ORG"]},
        {"name": "overlapping", "type": "span", "field": "prompt", "labels": ["PER", "ORG"],
         "allow_overlap": True},
        {"name": "helpfulness", "type": "rating", "min": 1, "max": 5},
        {"name": "order", "type": "ranking", "field": "candidates"},
        {"name": "order_ties", "type": "ranking", "field": "candidates", "allow_ties": True},
        {"name": "preference", "type": "pairwise", "fields": ["a", "b"], "allow_tie": False},
        {"name": "rewrite", "type": "text", "field": "a"},
        {"name": "safety", "type": "flags", "labels": ["pii", "violence"]},
    ]})
FIELDS = {"prompt": "Alice works at ACME", "a": "x", "b": "y",
          "candidates": [{"id": "c1", "text": "one"}, {"id": "c2", "text": "two"},
                         {"id": "c3", "text": "three"}]}

GOOD = {
    "intent": "bug",
    "topics": ["refund", "login"],
    "entities": [{"start": 0, "end": 5, "label": "PER"}, {"start": 15, "end": 19, "label": "ORG"}],
    "overlapping": [{"start": 0, "end": 5, "label": "PER"}, {"start": 2, "end": 8, "label": "ORG"}],
    "helpfulness": 4,
    "order": ["c2", "c1", "c3"],
    "order_ties": [["c2", "c1"], "c3"],
    "preference": {"choice": "a", "strength": 2},
    "rewrite": "the rewritten response",
    "safety": [{"label": "pii", "severity": "high"}],
}


def test_all_documented_shapes_validate():
    assert validate_values(SETTINGS, GOOD, FIELDS) == GOOD


BAD = [
    ({"intent": "sales"}, "intent", "'sales' is not a label"),
    ({"intent": "bug", "topics": ["refund", "x"]}, "topics", "'x' is not a label"),
    ({"intent": "bug", "entities": [{"start": 10, "end": 40, "label": "PER"}]}, "entities",
     "outside the text"),
    ({"intent": "bug", "entities": [{"start": 0, "end": 5, "label": "PER"},
                                    {"start": 3, "end": 8, "label": "ORG"}]}, "entities",
     "overlap"),
    ({"intent": "bug", "entities": [{"start": 0, "end": 5, "label": "LOC"}]}, "entities",
     "'LOC' is not a label"),
    ({"intent": "bug", "helpfulness": 7}, "helpfulness", "outside the scale 1..5"),
    ({"intent": "bug", "helpfulness": "4"}, "helpfulness", "expected an integer"),
    ({"intent": "bug", "order": ["c1", "c2"]}, "order", "not a permutation"),
    ({"intent": "bug", "order": ["c1", "c1", "c2"]}, "order", "not a permutation"),
    ({"intent": "bug", "order": [["c1", "c2"], "c3"]}, "order", "ties"),
    ({"intent": "bug", "preference": {"choice": "tie"}}, "preference", "'tie' is not allowed"),
    ({"intent": "bug", "preference": {"choice": "a", "strength": 9}}, "preference", "strength"),
    ({"intent": "bug", "safety": [{"label": "pii", "severity": "medium"}]}, "safety",
     "severity 'medium'"),
    ({"intent": "bug", "nope": 1}, "nope", "unknown question"),
    ({"topics": ["refund"]}, "intent", "required question is not answered"),
]


@pytest.mark.parametrize("values,question,message", BAD, ids=[b[2] for b in BAD])
def test_bad_values_name_question_and_value(values, question, message):
    with pytest.raises(InputError) as info:
        validate_values(SETTINGS, values, FIELDS)
    assert info.value.field == question
    assert message in str(info.value)


def test_draft_may_be_incomplete():
    assert validate_values(SETTINGS, {"topics": []}, FIELDS, require_complete=False) == \
        {"topics": []}


@given(st.permutations(["c1", "c2", "c3"]))
def test_any_permutation_is_a_valid_ranking(order):
    assert validate_values(SETTINGS, {"intent": "bug", "order": list(order)}, FIELDS)["order"] \
        == list(order)


@given(st.integers(min_value=-50, max_value=50))
def test_rating_bounds(value):
    if 1 <= value <= 5:
        assert validate_values(SETTINGS, {"intent": "bug", "helpfulness": value})["helpfulness"] \
            == value
    else:
        with pytest.raises(InputError):
            validate_values(SETTINGS, {"intent": "bug", "helpfulness": value})
