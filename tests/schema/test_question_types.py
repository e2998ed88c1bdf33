"""Every registered question type declares everything and validates like it says."""

from __future__ import annotations

import pytest

from accord.errors import InputError
from accord.quality.aggregation.catalog import aggregation_methods
from accord.quality.agreement import METRICS
from accord.schema import parse_settings, validate_values
from accord.schema.questions import (
    AGREEMENT_METRICS,
    BUILTINS,
    EXPORT_ROLES,
    all_question_types,
    question_type,
)

TYPES = [t.name for t in all_question_types()]
BAD_VALUES = [12.5, {"nope": 1}, True]


def _settings_for(qtype, **extra):
    question = {"name": "q", "type": qtype.name, **qtype.settings_example, **extra}
    refs = qtype.example_question("q").referenced_fields()
    kind = qtype.field_types[0] if qtype.field_types else "text"
    fields = [{"name": n, "type": kind} for n in refs] or [{"name": "shown", "type": "text"}]
    return parse_settings({"fields": fields, "questions": [question]})


def test_the_builtins_are_registered_in_order():
    assert TYPES[:len(BUILTINS)] == list(BUILTINS)
    assert BUILTINS == ("label", "multi_label", "span", "rating", "ranking", "pairwise", "text",
                        "flags", "bbox", "polygon", "keypoints", "segment", "transcript",
                        "cuboid", "video_segment", "video_frame_label", "video_track")


@pytest.mark.parametrize("name", TYPES)
def test_type_declares_everything(name):
    t = question_type(name)
    assert t.title and t.description and t.widget
    assert t.model.model_fields["type"].annotation.__args__ == (name,)
    if t.agreement_metric is not None:
        assert t.agreement_metric in t.applicable_metrics
        assert t.agreement_metric in AGREEMENT_METRICS
    assert set(t.applicable_metrics) <= set(AGREEMENT_METRICS)
    label_metrics = set(t.applicable_metrics) & set(METRICS)
    if label_metrics:  # metrics of agreement_score need a level
        assert t.agreement_level in ("nominal", "ordinal", "interval", "ratio")
    methods = aggregation_methods()
    for m in t.consensus_methods:
        assert m in methods, f"{name}: consensus method {m!r} is not in the catalogue"
    assert (t.default_consensus is None) == (not t.consensus_methods)
    assert t.export_roles <= set(EXPORT_ROLES)
    described = t.describe()
    assert described["settings_schema"]["properties"]["type"]["const"] == name
    for f in described["form"]:
        assert f["key"] in t.model.model_fields, f"{name}: form field {f['key']!r} is no option"


@pytest.mark.parametrize("name", TYPES)
def test_every_metric_applies_or_is_refused_with_a_reason(name):
    t = question_type(name)
    for metric in AGREEMENT_METRICS:
        reason = t.metric_refusal(metric)
        if metric in t.applicable_metrics:
            assert reason is None
        else:
            assert reason and metric in reason and name in reason


def test_the_declared_metrics_and_levels():
    """One metric and level per type, used everywhere (docs/settings.md lists them)."""
    got = {t: (question_type(t).agreement_metric, question_type(t).agreement_level)
           for t in BUILTINS}
    assert got == {
        "label": ("alpha", "nominal"), "multi_label": ("alpha", "nominal"),
        "span": ("span_f1", None), "rating": ("alpha", "ordinal"),
        "ranking": ("kendall_w", None), "pairwise": ("alpha", "nominal"),
        "text": (None, None), "flags": (None, None),
        "bbox": ("region_f1", None), "polygon": ("region_f1", None),
        "keypoints": ("region_f1", None), "segment": ("region_f1", None),
        "transcript": (None, None), "cuboid": ("region_f1", None),
        "video_segment": ("region_f1", None), "video_frame_label": ("region_f1", None),
        "video_track": ("track_mot", None)}
    assert question_type("rating").metric_refusal("fleiss").endswith(
        "it is a nominal metric and ratings are ordinal; use alpha, cohen, scott or gwet")


@pytest.mark.parametrize("name", TYPES)
def test_validate_accepts_the_documented_example(name):
    t = question_type(name)
    settings = _settings_for(t)
    assert validate_values(settings, {"q": t.value_example}) == {"q": t.value_example}


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_validate_rejects_a_bad_value_naming_the_question(name, bad):
    settings = _settings_for(question_type(name))
    with pytest.raises(InputError) as exc:
        validate_values(settings, {"q": bad})
    assert exc.value.field == "q"
    assert str(exc.value).startswith("field 'q': ")
    assert "expected" in exc.value.message or "must" in exc.value.message


def test_unknown_type_lists_the_registered_ones():
    with pytest.raises(InputError, match="unknown question type 'emoji'; expected one of label"):
        question_type("emoji")
    with pytest.raises(Exception, match=r"questions\[0\].type: unknown type 'emoji'; expected "
                                        r"one of label, multi_label"):
        parse_settings({"fields": [{"name": "t", "type": "text"}],
                        "questions": [{"name": "q", "type": "emoji"}]})


def test_a_type_whose_example_does_not_validate_is_refused():
    t = question_type("label")
    from dataclasses import replace

    with pytest.raises(ValueError, match="value_example does not validate"):
        replace(t, value_example="not-a-label")
    with pytest.raises(ValueError, match="default_consensus 'x' is not in consensus_methods"):
        replace(t, default_consensus="x")
    with pytest.raises(ValueError, match="unknown export roles"):
        replace(t, export_roles=frozenset({"poster"}))
