"""Label Studio: export then import gives back the same records and annotations."""

from __future__ import annotations

import json

import pytest

from accord.errors import InputError
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from accord.io.importers.label_studio import PREFIX
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.export import iter_export_records
from accord.store.imported_responses import ImportedSuggestion, write_suggestions
from accord.store.models import utcnow
from tests.io.export_data import export, setup, submit

ALL_TYPES = {
    "fields": [{"name": "text", "type": "text"}, {"name": "a", "type": "text"},
               {"name": "b", "type": "text"}, {"name": "cands", "type": "json"}],
    "questions": [
        {"name": "intent", "type": "label", "labels": ["bug", "billing", "other"]},
        {"name": "topics", "type": "multi_label", "labels": ["login", "refund"]},
        {"name": "ents", "type": "span", "field": "text", "labels": ["PER", "ORG"]},
        {"name": "stars", "type": "rating", "min": 1, "max": 5},
        {"name": "order", "type": "ranking", "field": "cands", "allow_ties": True},
        {"name": "pref", "type": "pairwise", "fields": ["a", "b"]},
        {"name": "fix", "type": "text", "field": "a"},
        {"name": "safety", "type": "flags", "labels": ["pii", "violence"]},
    ],
}
VALUES = {
    "u1": {"intent": "bug", "topics": ["login", "refund"],
           "ents": [{"start": 0, "end": 3, "label": "PER"}, {"start": 10, "end": 14,
                                                            "label": "ORG"}],
           "stars": 4, "order": [["c2", "c1"], "c3"], "pref": {"choice": "b", "strength": 2},
           "fix": "two\nlines", "safety": [{"label": "pii", "severity": "high"}]},
    "u2": {"intent": "other", "topics": [], "ents": [], "stars": 1, "order": ["c3", "c2", "c1"],
           "pref": {"choice": "tie"}, "safety": []},
}


def _dataset(engine):
    cands = [{"id": "c1", "text": "x"}, {"id": "c2", "text": "y"}, {"id": "c3", "text": "z"}]
    setup(engine, "src", ALL_TYPES, [
        {"id": "t1", "text": "Ann works at ACME", "a": "A1", "b": "B1", "cands": cands,
         "meta": {"lang": "en"}},
        {"id": "t2", "text": "nothing here", "a": "A2", "b": "B2", "cands": cands}])
    for user, values in VALUES.items():
        submit(engine, "src", "t1", user, values)
    submit(engine, "src", "t2", "u1", {"intent": "billing"}, status="discarded")
    with write_scope(engine) as s:
        rec = next(iter_export_records(s, get_dataset(s, "src").id))
        write_suggestions(s, [ImportedSuggestion(rec.id, "intent", "bug", 0.9, "clf-v2")],
                          stamp=utcnow())


def _values(values):
    # Label Studio has one result per span, so "no spans" is no result: [] comes back absent
    return json.dumps({k: v for k, v in values.items() if v != [] or k != "ents"},
                      sort_keys=True)


def _snapshot(engine, name, strip=""):
    with session_scope(engine) as s:
        recs = list(iter_export_records(s, get_dataset(s, name).id, full=True,
                                        response_statuses=None, suggestions=True))
    return [(r.external_id, r.fields, r.metadata,
             sorted((x.user.removeprefix(strip), x.status, _values(x.values))
                    for x in r.responses),
             [(x.question, x.value, x.score, x.agent) for x in r.suggestions]) for r in recs]


def test_export_then_import_gives_the_same_records_and_annotations(engine, tmp_path):
    _dataset(engine)
    export(engine, "src", tmp_path / "ls.json", "label-studio")
    tasks = json.loads((tmp_path / "ls.json").read_text())
    result = tasks[0]["annotations"][0]["result"]
    assert {r["type"] for r in result} == {"choices", "labels", "rating", "ranker", "pairwise",
                                           "textarea", "taxonomy"}
    span = next(r for r in result if r["type"] == "labels")
    assert (span["from_name"], span["to_name"], span["value"]) == (
        "ents", "text", {"start": 0, "end": 3, "text": "Ann", "labels": ["PER"]})
    with write_scope(engine) as s:
        create_dataset(s, "copy", parse_settings(ALL_TYPES))
    summary = import_migration(engine, "copy", tmp_path / "ls.json",
                               open_source("label-studio", tmp_path / "ls.json"))
    assert (summary.inserted, summary.responses, summary.suggestions) == (2, 3, 1)
    assert _snapshot(engine, "copy", strip=PREFIX) == _snapshot(engine, "src")
    assert _statuses(engine, "copy") == _statuses(engine, "src") == ["completed", "pending"]
    # re-importing is idempotent (same records, responses updated in place)
    again = import_migration(engine, "copy", tmp_path / "ls.json",
                             open_source("label-studio", tmp_path / "ls.json"))
    assert (again.inserted, again.updated) == (0, 2)
    assert _snapshot(engine, "copy", strip=PREFIX) == _snapshot(engine, "src")


def _statuses(engine, name):
    """Distribution state kept by the workflow (source) and by the import (copy)."""
    from sqlalchemy import select

    from accord.store.models import Record

    with session_scope(engine) as s:
        rows = s.execute(select(Record.status, Record.submitted, Record.claims, Record.queue_state)
                         .where(Record.dataset_id == get_dataset(s, name).id)
                         .order_by(Record.external_id)).all()
    assert [tuple(r)[1:] for r in rows] == [(2, 2, 2), (0, 0, 0)]
    return [r[0] for r in rows]


def test_settings_are_inferred_from_the_results(engine, tmp_path):
    _dataset(engine)
    export(engine, "src", tmp_path / "ls.json", "label-studio")
    import_migration(engine, "inferred", tmp_path / "ls.json",
                     open_source("label-studio", tmp_path / "ls.json"), ImportOptions(create=True))
    with session_scope(engine) as s:
        settings = settings_of(get_dataset(s, "inferred"))
    types = {q.name: q.type for q in settings.questions}
    assert types == {q["name"]: q["type"] for q in ALL_TYPES["questions"]}
    assert settings.question("ents").field == "text"
    assert settings.question("pref").fields == ["a", "b"]
    assert {f.name: f.type for f in settings.fields} == {"text": "text", "a": "text",
                                                          "b": "text", "cands": "json"}


def test_unknown_question_fails_the_whole_import(engine, tmp_path):
    _dataset(engine)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([
        {"data": {"text": "ok", "a": "x", "b": "y", "cands": [], "external_id": "n1"},
         "annotations": []},
        {"data": {"text": "bad", "a": "x", "b": "y", "cands": [], "external_id": "n2"},
         "annotations": [
            {"completed_by": 3, "result": [{"from_name": "mood", "to_name": "text",
                                            "type": "choices", "value": {"choices": ["x"]}}]}]}]))
    with pytest.raises(InputError) as err:
        import_migration(engine, "src", path, open_source("label-studio", path))
    assert str(err.value).startswith(f"{path}:2: field 'mood': no question named 'mood'")
    assert [r[0] for r in _snapshot(engine, "src")] == ["t1", "t2"]  # nothing written
    skipped = import_migration(engine, "src", path, open_source("label-studio", path),
                               ImportOptions(on_error="skip"))
    assert (skipped.inserted, skipped.rejected) == (1, 1)


@pytest.mark.parametrize("score", [85, -0.5, 1.0001, True])
def test_a_prediction_score_outside_0_1_fails_naming_the_line_and_question(engine, tmp_path,
                                                                            score):
    """A score is a probability: 85 was stored as is and `assist route` accepted it over any
    threshold (priority 1 - 85), margin and entropy turned negative."""
    _dataset(engine)
    path = tmp_path / "scores.json"
    pred = {"model_version": "m1", "score": score,
            "result": [{"from_name": "intent", "to_name": "text", "type": "choices",
                        "value": {"choices": ["bug"]}}]}
    path.write_text(json.dumps([
        {"data": {"text": "ok", "a": "x", "b": "y", "cands": [], "external_id": "n1"},
         "predictions": [{**pred, "score": 0.7}]},
        {"data": {"text": "bad", "a": "x", "b": "y", "cands": [], "external_id": "n2"},
         "predictions": [pred]}]))
    with pytest.raises(InputError) as err:
        import_migration(engine, "src", path, open_source("label-studio", path))
    assert str(err.value).startswith(
        f"{path}:2: field 'intent': score of 'm1''s suggestion: expected a probability from "
        f"0 to 1 (or no score), got {score!r}")
    assert [r[0] for r in _snapshot(engine, "src")] == ["t1", "t2"]  # nothing written
    skipped = import_migration(engine, "src", path, open_source("label-studio", path),
                               ImportOptions(on_error="skip"))
    assert (skipped.inserted, skipped.rejected) == (1, 1)
