"""CoNLL round trip on WNUT-17: import as spans, export as CoNLL, get the original bytes back."""

from __future__ import annotations

from accord.io.exporters.conll import bio_tags, tokenize
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from tests.io.export_data import export, setup, submit


def _round_trip(engine, tmp_path, shared_data, source):
    path = shared_data / "ner_wnut17" / source
    summary = import_migration(engine, "ner", path, open_source("conll", path),
                               ImportOptions(create=True))
    assert (summary.inserted, summary.responses) == (1287, 1287)
    result = export(engine, "ner", tmp_path / "out.conll", "conll")
    assert result.rows_written == 1287
    original = (shared_data / "ner_wnut17" / "test.conll").read_bytes()
    assert (tmp_path / "out.conll").read_bytes() == original


def test_wnut17_conll_round_trip_is_byte_exact(engine, tmp_path, shared_data):
    _round_trip(engine, tmp_path, shared_data, "test.conll")


def test_wnut17_jsonl_tokens_tags_export_the_conll_file(sqlite_url, tmp_path, shared_data):
    from accord.store import make_engine, upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    _round_trip(engine, tmp_path, shared_data, "test.jsonl")
    engine.dispose()


def test_bio_from_unaligned_and_adjacent_spans():
    tokens = tokenize("Hi  New York,   NY")
    assert [t for t, _, _ in tokens] == ["Hi", "New", "York,", "NY"]
    assert bio_tags(tokens, [{"start": 4, "end": 12, "label": "LOC"},
                             {"start": 16, "end": 18, "label": "LOC"}]) == [
        "O", "B-LOC", "I-LOC", "B-LOC"]
    assert bio_tags(tokens, [{"start": 5, "end": 7, "label": "X"}]) == ["O", "B-X", "O", "O"]


def test_conll_from_three_annotators_uses_the_span_vote(engine, tmp_path):
    settings = {"fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "ner", "type": "span", "field": "text",
                               "labels": ["PER", "LOC"]}]}
    setup(engine, "v", settings, [{"id": "1", "text": "Ada Lovelace visited Paris"}])
    per = {"start": 0, "end": 12, "label": "PER"}
    loc = {"start": 21, "end": 26, "label": "LOC"}
    submit(engine, "v", "1", "a", {"ner": [per, loc]})
    submit(engine, "v", "1", "b", {"ner": [per]})
    submit(engine, "v", "1", "c", {"ner": [{"start": 0, "end": 3, "label": "PER"}]})
    export(engine, "v", tmp_path / "v.conll", "conll")
    assert (tmp_path / "v.conll").read_text() == (
        "Ada\tB-PER\nLovelace\tI-PER\nvisited\tO\nParis\tO\n\n")
