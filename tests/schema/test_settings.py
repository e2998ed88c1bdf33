from __future__ import annotations

import pytest

from accord.errors import SettingsError
from accord.schema import load_settings, parse_settings
from accord.schema.questions import question_type_names

DESIGN_EXAMPLE = """
guidelines: |
  Label the customer's intent. When unsure, pick "other".
fields:
  - {name: prompt, type: text}
  - {name: conversation, type: chat}
  - {name: candidates, type: json}
  - {name: response_a, type: text}
  - {name: response_b, type: text}
questions:
  - {name: intent, type: label, labels: [billing, bug, other], required: true}
  - {name: topics, type: multi_label, labels: [refund, login, shipping]}
  - {name: entities, type: span, field: prompt, labels: [PER, ORG, LOC], allow_overlap: false}
  - {name: helpfulness, type: rating, min: 1, max: 5}
  - {name: order, type: ranking, field: candidates, allow_ties: false}
  - {name: preference, type: pairwise, fields: [response_a, response_b], allow_tie: true}
  - {name: rewrite, type: text, field: response_a}
  - {name: safety, type: flags, labels: [violence, self_harm, pii], severities: [low, high]}
distribution: {overlap: 3, lease_seconds: 600, gold_rate: 0.05}
"""


def test_design_example_loads(tmp_path):
    p = tmp_path / "settings.yaml"
    p.write_text(DESIGN_EXAMPLE)
    s = load_settings(p)
    assert [q.type for q in s.questions] == ["label", "multi_label", "span", "rating", "ranking",
                                             "pairwise", "text", "flags"]
    assert s.distribution.overlap == 3 and s.distribution.gold_rate == 0.05
    assert s.guidelines.startswith("Label the customer's intent")
    # round trip through the stored form
    assert parse_settings(s.to_dict()) == s


def test_labels_as_mapping():
    s = parse_settings({"fields": [{"name": "t", "type": "text"}],
                        "questions": [{"name": "y", "type": "label",
                                       "labels": {"pos": "Positive", "neg": "Negative"}}]})
    assert s.questions[0].labels == {"pos": "Positive", "neg": "Negative"}


def test_json_settings(tmp_path):
    p = tmp_path / "s.json"
    p.write_text('{"fields": [{"name": "t", "type": "text"}]}')
    assert load_settings(p).fields[0].name == "t"


BASE = [{"name": "t", "type": "text"}, {"name": "c", "type": "json"}]

BAD = [
    ({"fields": BASE, "questions": [{"name": "a", "type": "label", "labels": ["x", "y"]},
                                    {"name": "b", "type": "rating"},
                                    {"name": "c", "type": "label", "labels": ["x"]}]},
     "questions[2].labels: needs at least 2 labels"),
    ({"fields": BASE, "questions": [{"name": "a", "type": "vote"}]},
     "questions[0].type: unknown type 'vote'; expected one of label, multi_label"),
    ({"fields": BASE, "questions": [{"name": "a", "type": "rating"},
                                    {"name": "a", "type": "rating"}]},
     "questions[1].name: duplicate question name 'a'"),
    ({"fields": BASE + [{"name": "t", "type": "text"}]}, "fields[2].name: duplicate field name"),
    ({"fields": BASE, "questions": [{"name": "s", "type": "span", "field": "zz",
                                     "labels": ["P"]}]},
     "questions[0].field: unknown field 'zz'"),
    ({"fields": BASE, "questions": [{"name": "s", "type": "span", "field": "c",
                                     "labels": ["P"]}]},
     "span needs a text or markdown field"),
    ({"fields": BASE, "questions": [{"name": "r", "type": "ranking", "field": "t"}]},
     "ranking needs a json field"),
    ({"fields": BASE, "questions": [{"name": "p", "type": "pairwise", "fields": ["t"]}]},
     "questions[0].fields: needs exactly 2 fields"),
    ({"fields": BASE, "questions": [{"name": "r", "type": "rating", "min": 5, "max": 1}]},
     "max (1) must be greater than min (5)"),
    ({"fields": BASE, "distribution": {"overlap": 0}}, "distribution.overlap"),
    ({"fields": BASE, "distribution": {"gold_rate": 1.5}}, "distribution.gold_rate"),
    ({"fields": [{"name": "t", "type": "hologram"}]}, "fields[0].type: unknown type 'hologram'"),
    ({"fields": []}, "fields"),
    ({"fields": BASE, "questions": [{"name": "bad name", "type": "rating"}]},
     "questions[0].name: 'bad name' is not a valid name"),
    ({"fields": BASE, "colour": "red"}, "colour: unknown key"),
    (["not", "a", "mapping"], "expected a mapping at the top level"),
]


@pytest.mark.parametrize("data,message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_settings_name_the_path(data, message):
    with pytest.raises(SettingsError) as info:
        parse_settings(data)
    assert message in str(info.value)


def test_bad_yaml_names_file_and_line(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("fields:\n  - {name: t, type: text\n")
    with pytest.raises(SettingsError) as info:
        load_settings(p)
    assert str(p) in str(info.value) and "line" in str(info.value)


def test_a_settings_file_that_is_not_utf8_names_the_byte_and_its_line(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_bytes(b"fields:\n  - {name: caf\xe9, type: text}\n")
    with pytest.raises(SettingsError) as info:
        load_settings(p)
    assert str(info.value) == f"{p}: invalid settings: line 2: not valid UTF-8 at byte 22"


def test_every_problem_of_a_settings_file_names_its_line(tmp_path):
    p = tmp_path / "intents.yaml"
    p.write_text("# intents\nfields:\n  - name: prompt\n    type: text\nquestions:\n"
                 "  - name: intent\n    type: label\n    labels: [billing]\n"
                 "  - {name: tone, type: vote}\n"
                 "distribution:\n  overlap: 0\n")
    with pytest.raises(SettingsError) as info:
        load_settings(p)
    assert info.value.lines == {"questions[0].labels": 8, "questions[1].type": 9,
                                "distribution.overlap": 11}
    assert str(info.value).splitlines()[1:] == [
        "  line 8: questions[0].labels: needs at least 2 labels",
        "  line 9: questions[1].type: unknown type 'vote'; expected one of "
        + ", ".join(question_type_names()),
        "  line 11: distribution.overlap: Input should be greater than or equal to 1"]
    # settings that came as a mapping, not as text, have no lines to name
    with pytest.raises(SettingsError) as info:
        parse_settings({"fields": [{"name": "t", "type": "text"}], "colour": "red"})
    assert info.value.lines == {} and "line" not in str(info.value)


def test_metadata_properties_are_optional_and_checked():
    from accord.errors import SettingsError
    from accord.schema import parse_settings

    base = {"fields": [{"name": "t", "type": "text"}]}
    assert "metadata" not in parse_settings(base).to_dict()  # older settings are unchanged
    got = parse_settings({**base, "metadata": [{"name": "lang", "title": "Language"},
                                               {"name": "source", "visible": False}]})
    assert [(m.name, m.title, m.visible) for m in got.metadata] == [
        ("lang", "Language", True), ("source", None, False)]
    with pytest.raises(SettingsError, match=r"metadata\[1\]\.name: duplicate metadata name"):
        parse_settings({**base, "metadata": [{"name": "a"}, {"name": "a"}]})
    with pytest.raises(SettingsError, match=r"metadata\[0\]\.shown"):
        parse_settings({**base, "metadata": [{"name": "a", "shown": True}]})
