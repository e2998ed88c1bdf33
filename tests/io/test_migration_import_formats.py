"""Migrations from Argilla v2, OpenAI chat JSONL and TRL DPO JSONL (with their answers)."""

from __future__ import annotations

import json

import pytest

from accord.errors import InputError, NotFound
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from accord.store import session_scope
from accord.store.audit import list_events
from accord.store.datasets import get_dataset, settings_of
from accord.store.export import iter_export_records
from tests.conftest import run_cli
from tests.io.export_data import export, read_jsonl


def _records(engine, name):
    with session_scope(engine) as s:
        return list(iter_export_records(s, get_dataset(s, name).id, full=True,
                                        response_statuses=None, suggestions=True))


def _argilla_dir(tmp_path):
    """The layout of Argilla v2's Dataset.to_disk: records.json and .argilla/settings.json."""
    root = tmp_path / "argilla"
    (root / ".argilla").mkdir(parents=True)
    (root / ".argilla" / "settings.json").write_text(json.dumps({
        "guidelines": "Rate the answer.",
        "fields": [{"name": "prompt", "title": "Prompt", "required": True,
                    "settings": {"type": "text", "use_markdown": False}},
                   {"name": "answer", "required": True,
                    "settings": {"type": "text", "use_markdown": True}}],
        "questions": [
            {"name": "label", "required": True, "settings": {
                "type": "label_selection", "options": [{"value": "good", "text": "Good"},
                                                       {"value": "bad", "text": "Bad"}]}},
            {"name": "stars", "settings": {"type": "rating",
                                           "options": [{"value": v} for v in range(1, 6)]}},
            {"name": "order", "settings": {"type": "ranking", "options": [
                {"value": "x", "text": "X"}, {"value": "y", "text": "Y"}]}},
            {"name": "spans", "settings": {"type": "span", "field": "prompt", "options": [
                {"value": "PER", "text": "Person"}], "allow_overlapping": False}}],
        "metadata": [], "vectors": [], "allow_extra_metadata": True}))
    (root / "records.json").write_text(json.dumps([
        {"id": "rec-1", "fields": {"prompt": "Ada wrote", "answer": "**yes**"},
         "metadata": {"split": "dev"}, "vectors": {},
         "suggestions": {"label": {"value": "good", "score": 0.7, "agent": "gpt"}},
         "responses": {
             "label": [{"value": "good", "user_id": "aaaa", "status": "submitted"},
                       {"value": "bad", "user_id": "bbbb", "status": "draft"}],
             "stars": [{"value": 4, "user_id": "aaaa", "status": "submitted"}],
             "order": [{"value": [{"value": "y", "rank": 1}, {"value": "x", "rank": 2}],
                        "user_id": "aaaa", "status": "submitted"}],
             "spans": [{"value": [{"start": 0, "end": 3, "label": "PER"}], "user_id": "aaaa",
                        "status": "submitted"}]},
         "_server_id": "0d1c"},
        {"id": "rec-2", "fields": {"prompt": "hello", "answer": "hi"}, "metadata": {},
         "suggestions": {}, "responses": {}}]))
    return root


def test_argilla_dataset_with_settings_responses_and_suggestions(engine, tmp_path):
    root = _argilla_dir(tmp_path)
    summary = import_migration(engine, "arg", root, open_source("argilla", root),
                               ImportOptions(create=True))
    assert (summary.inserted, summary.responses, summary.suggestions) == (2, 2, 1)
    with session_scope(engine) as s:
        settings = settings_of(get_dataset(s, "arg"))
    assert {f.name: f.type for f in settings.fields} == {
        "prompt": "text", "answer": "markdown", "order_candidates": "json"}
    assert [(q.name, q.type) for q in settings.questions] == [
        ("label", "label"), ("stars", "rating"), ("order", "ranking"), ("spans", "span")]
    assert settings.question("label").labels == {"good": "Good", "bad": "Bad"}
    assert (settings.question("stars").min, settings.question("stars").max) == (1, 5)
    rec = _records(engine, "arg")[0]
    assert (rec.external_id, rec.metadata) == ("rec-1", {"split": "dev"})
    by_user = {r.user: r for r in rec.responses}
    assert by_user["imported:argilla:aaaa"].values == {
        "label": "good", "stars": 4, "order": ["y", "x"],
        "spans": [{"start": 0, "end": 3, "label": "PER"}]}
    assert (by_user["imported:argilla:bbbb"].status,
            by_user["imported:argilla:bbbb"].values) == ("draft", {"label": "bad"})
    assert [(s.question, s.value, s.score, s.agent) for s in rec.suggestions] == [
        ("label", "good", 0.7, "gpt")]
    assert rec.fields["order_candidates"] == [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}]
    with session_scope(engine) as s:
        (event, _), = list_events(s, dataset_id=get_dataset(s, "arg").id,
                                  action="dataset.import")
        assert event.details["format"] == "argilla" and event.details["records"] == 2


def test_openai_chat_import_then_export_round_trip(engine, tmp_path):
    lines = [{"messages": [{"role": "system", "content": "Be brief."},
                           {"role": "user", "content": f"q{i}"},
                           {"role": "assistant", "content": f"a{i}", "weight": 1}],
              "tools": []} for i in range(3)]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    summary = import_migration(engine, "oc", path, open_source("openai-chat", path),
                               ImportOptions(create=True))
    assert summary.inserted == 3
    assert _records(engine, "oc")[0].metadata == {"tools": []}
    export(engine, "oc", tmp_path / "out.jsonl", "openai-chat")
    assert read_jsonl(tmp_path / "out.jsonl") == [
        {"messages": [{k: v for k, v in m.items() if k != "weight"} for m in x["messages"]]}
        for x in lines]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(lines[0]) + "\n" + json.dumps({"prompt": "x"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'messages': expected a "
                                         r"'messages' list"):
        import_migration(engine, "oc2", bad, open_source("openai-chat", bad),
                         ImportOptions(create=True))
    with pytest.raises(NotFound):  # rolled back: the dataset created by the import is gone too
        _records(engine, "oc2")


def test_trl_dpo_formats_become_pairwise_records(engine, tmp_path):
    path = tmp_path / "prefs.jsonl"
    rows = [
        {"prompt": "2+2?", "chosen": "4", "rejected": "5", "score": 0.9},
        {"chosen": "The sky is blue.", "rejected": "The sky is green."},
        {"input": {"messages": [{"role": "user", "content": "Hi"}]},
         "preferred_output": [{"role": "assistant", "content": "Hello!"}],
         "non_preferred_output": [{"role": "assistant", "content": "Go away."}]},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = import_migration(engine, "trl", path, open_source("trl-dpo", path),
                               ImportOptions(create=True, on_error="skip"))
    assert (summary.inserted, summary.rejected, summary.responses) == (2, 1, 2)
    assert "field 'prompt': expected text, got list" in summary.rejects[0][1]
    recs = _records(engine, "trl")
    assert recs[0].metadata == {"score": 0.9}
    assert recs[1].fields["prompt"] == "The sky is "
    for rec in recs:
        (resp,) = rec.responses
        side = "response_a" if resp.values["preference"]["choice"] == "a" else "response_b"
        assert resp.user == "imported:trl"
        assert rec.fields[side] in ("4", "blue.")
    export(engine, "trl", tmp_path / "back.jsonl", "dpo", margin=False)
    assert read_jsonl(tmp_path / "back.jsonl") == [
        {"prompt": "2+2?", "chosen": "4", "rejected": "5"},
        {"prompt": "The sky is ", "chosen": "blue.", "rejected": "green."}]


def test_cli_import_hh_rlhf_as_pairwise(sqlite_url, tmp_path, shared_data):
    hh = shared_data / "hh_rlhf" / "harmless_base_test.jsonl"
    res = run_cli("import", "hh", str(hh), "--format", "trl-dpo", "--create",
                  "--db", sqlite_url)
    assert res.returncode == 0, res.stderr
    assert "(trl-dpo) -> hh: 1,000 inserted" in res.stdout and "1,000 responses" in res.stdout
    from accord.store import make_engine

    engine = make_engine(sqlite_url)
    export(engine, "hh", tmp_path / "hh.jsonl", "dpo")
    engine.dispose()
    originals = [json.loads(line) for line in hh.read_text().splitlines()]
    out = read_jsonl(tmp_path / "hh.jsonl")
    assert [(o["prompt"] + o["chosen"], o["prompt"] + o["rejected"]) for o in out] == \
        [(x["chosen"], x["rejected"]) for x in originals]
    assert all(o["prompt"].endswith("\n\nAssistant:") for o in out)
