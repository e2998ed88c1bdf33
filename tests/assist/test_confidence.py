"""Confidence from logprobs and from self-consistency, against the fake server."""

from __future__ import annotations

import math

import pytest

from accord.assist import PrelabelOptions, logprob_confidence, self_consistency
from accord.assist.client import TokenLogprob
from accord.assist.confidence import locate_value
from accord.assist.prelabel import suggest_one
from accord.assist.prompts import TEMPLATES
from accord.schema import parse_settings
from tests.assist.fake_llm import FakeRequest

SETTINGS = parse_settings({
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "sentiment", "type": "label", "labels": ["positive", "negative", "neutral"]},
        {"name": "stars", "type": "rating", "min": 1, "max": 5}]})
FIELDS = {"text": "fine, I guess"}


def label_oracle(request: FakeRequest):
    if "rating" in request.schema["properties"]:
        return {"rating": 4}, {"rating": {"3": 0.25, "4": 0.6, "5": 0.15}}
    return ({"label": "positive"},
            {"label": {'"positive"': 0.8, '"negative"': 0.15, '"neutral"': 0.05}})


def _suggest(client, question, **options):
    return suggest_one(client, SETTINGS, SETTINGS.question(question), FIELDS,
                       PrelabelOptions(question, **options), TEMPLATES["prelabel"], [])


def test_logprob_confidence_renormalizes_over_labels(fake_llm, make_client):
    fake = fake_llm(label_oracle)
    value, score, meta = _suggest(make_client(fake), "sentiment")
    assert value == "positive"
    assert score == pytest.approx(0.8, abs=1e-6)
    assert meta["method"] == "logprobs"
    assert meta["distribution"] == pytest.approx({"positive": 0.8, "negative": 0.15,
                                                  "neutral": 0.05}, abs=1e-6)
    body = fake.calls[0].body
    assert body["logprobs"] is True and body["top_logprobs"] == 5 and "n" not in body


def test_logprob_confidence_for_ratings(fake_llm, make_client):
    value, score, meta = _suggest(make_client(fake_llm(label_oracle)), "stars")
    assert value == 4 and score == pytest.approx(0.6, abs=1e-6)
    assert meta["distribution"]["3"] == pytest.approx(0.25, abs=1e-6)


def test_top_logprobs_cut_off_renormalizes_over_what_is_seen(fake_llm, make_client):
    _, score, _ = _suggest(make_client(fake_llm(label_oracle)), "sentiment", top_logprobs=2)
    # only "positive" (0.8) and "negative" (0.15) are in the top 2
    assert score == pytest.approx(0.8 / 0.95, abs=1e-6)


def test_self_consistency_over_k_samples(fake_llm, make_client):
    fake = fake_llm(label_oracle)
    value, score, meta = _suggest(make_client(fake), "sentiment", k=20)
    assert (
        len(fake.calls) == 1
        and fake.calls[0].body["n"] == 20
        and fake.calls[0].body["temperature"] == 1.0
    )
    assert "logprobs" not in fake.calls[0].body
    assert meta["method"] == "self-consistency" and meta["k"] == 20
    assert value == max(meta["distribution"], key=meta["distribution"].get)
    assert score == meta["distribution"][value]
    assert 0.5 <= score <= 1.0 and score * 20 == round(score * 20)
    assert sum(meta["distribution"].values()) == pytest.approx(1.0)


def test_without_logprobs_falls_back_to_sampling(fake_llm, make_client):
    fake = fake_llm(label_oracle, logprobs=False)
    _, score, meta = _suggest(make_client(fake), "sentiment", fallback_k=5)
    assert meta["method"] == "self-consistency" and meta["k"] == 5
    assert len(fake.calls) == 2 and fake.calls[1].body["n"] == 4
    _, score, meta = _suggest(make_client(fake, cache=False), "sentiment", fallback_k=0)
    assert score is None and meta["method"] is None


def _tokens(pieces):
    return [TokenLogprob(t, lp, top) for t, lp, top in pieces]


def test_logprob_rules_on_hand_made_tokens():
    p = math.log
    # '{"label": "' then 'pos' 'itive' '"}' : the chosen label spans two tokens
    tokens = _tokens([('{"label": "', 0.0, []),
                      ("pos", p(0.6), [("pos", p(0.6)), ("neg", p(0.3)), ("ne", p(0.05)),
                                       (" ", p(0.05))]),
                      ("itive", p(0.9), []), ('"}', 0.0, [])])
    conf = logprob_confidence(tokens, "label", ["positive", "negative", "neutral"])
    # "neg" can only start "negative"; "ne" could be negative or neutral: shared; " " fits
    # no label: dropped; "itive" is forced once "pos" is chosen: its 0.9 does not count
    z = 0.6 + 0.3 + 0.05
    assert conf.score == pytest.approx(0.6 / z)
    assert conf.distribution == pytest.approx({"positive": 0.6 / z, "negative": 0.325 / z,
                                               "neutral": 0.025 / z})
    # the chosen token ranks below the 3 listed alternatives asked for: not identifiable
    cut = _tokens([('{"label": "', 0.0, []),
                   ("pos", p(0.01), [("I", p(0.5)), ("The", p(0.3)), ("neg", p(0.1))]),
                   ("itive", 0.0, []), ('"}', 0.0, [])])
    assert logprob_confidence(cut, "label", ["positive", "negative"], top_n=3) is None
    assert logprob_confidence(cut, "label", ["positive", "negative"], top_n=5).score == \
        pytest.approx(0.01 / 0.11)
    assert logprob_confidence(None, "label", ["a"]) is None
    assert logprob_confidence(tokens, "missing", ["a"]) is None
    joint = logprob_confidence(_tokens([('{"labels": ["a", "b"]}', p(0.5), [])]), "labels")
    assert joint.score == pytest.approx(0.5)


def test_locate_value_skips_earlier_keys():
    text = '{"rationale": "has \\"quotes\\" and {braces}", "rating": 3}'
    start, end = locate_value(text, "rating")
    assert text[start:end] == "3"
    assert locate_value("not json", "rating") is None


def test_self_consistency_rules():
    value, conf = self_consistency([["b", "a"], ["a", "b"], ["c"]], "multi_label")
    assert conf.score == pytest.approx(2 / 3)
    value, conf = self_consistency([{"choice": "a", "strength": 1},
                                    {"choice": "a", "strength": 3},
                                    {"choice": "b", "strength": 2}], "pairwise")
    assert value["choice"] == "a" and conf.score == pytest.approx(2 / 3)
    value, conf = self_consistency([["c1", "c2"], ["c2", "c1"]], "ranking")  # order matters
    assert conf.score == 0.5 and value == ["c1", "c2"]
    with pytest.raises(ValueError):
        self_consistency([])
