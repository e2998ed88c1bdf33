"""export --redact-pii moves every offset into a redacted text with the redaction: span
answers (responses, fixes, suggestions, gold, the consensus CoNLL tags come from) and the
PII findings themselves still point at the same words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.store import write_scope
from accord.store.datasets import get_dataset
from accord.store.imported_responses import ImportedSuggestion, write_suggestions
from accord.store.models import utcnow
from accord.store.records import get_record_by_external_id
from tests.io.export_data import export, gold, read_jsonl, review, setup, submit

SETTINGS = {"fields": [{"name": "text", "type": "text"}, {"name": "note", "type": "text"}],
            "questions": [{"name": "ents", "type": "span", "field": "text",
                           "labels": ["PER", "TIME", "PHONE"]},
                          {"name": "ok", "type": "label", "labels": ["yes", "no"]}],
            "distribution": {"overlap": 1}}
TEXT = "Call 555-123-4567 and ask for Ann Lee tomorrow"
PHONE = (5, 17)


def _span(word: str, label: str) -> dict[str, Any]:
    start = TEXT.index(word)
    return {"start": start, "end": start + len(word), "label": label}


def _pii(state: str) -> dict[str, Any]:
    return {"text": [{"start": PHONE[0], "end": PHONE[1], "entity": "PHONE_NUMBER",
                      "score": 0.4, "review": {"state": state}}]}


def _texts(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(text[s["start"]:s["end"]], s["label"]) for s in spans]


def _dataset(engine: Any) -> None:
    setup(engine, "red", SETTINGS, [
        {"id": "r1", "text": TEXT, "note": "n", "meta": {"_pii": _pii("confirmed")}},
        {"id": "r2", "text": TEXT, "note": "n", "meta": {"_pii": _pii("dismissed")}}])
    for rid in ("r1", "r2"):
        values = {"ents": [_span("Ann Lee", "PER"), _span("tomorrow", "TIME")], "ok": "yes"}
        response = submit(engine, "red", rid, "u1", values)
        review(engine, "red", response, "fix", values={
            "ents": [_span("555-123-4567", "PHONE"), _span("Ann", "PER")], "ok": "yes"})
        gold(engine, "red", rid, {"ents": [_span("Lee tomorrow", "PER")], "ok": "no"})
    with write_scope(engine) as s:
        ds = get_dataset(s, "red")
        rec = get_record_by_external_id(s, ds.id, "r1")
        write_suggestions(s, [ImportedSuggestion(
            rec.id, "ents", [_span("ask for Ann", "PER")], 0.9, "m")], stamp=utcnow())


def test_span_answers_and_findings_point_at_the_same_words_after_redaction(engine,
                                                                           tmp_path: Path):
    _dataset(engine)
    export(engine, "red", tmp_path / "r.jsonl", "jsonl", redact_pii=True)
    rows = {r["external_id"]: r for r in read_jsonl(tmp_path / "r.jsonl")}
    red = rows["r1"]
    text = red["fields"]["text"]
    assert text == "Call [PHONE_NUMBER] and ask for Ann Lee tomorrow"
    (resp,) = red["responses"]
    assert _texts(text, resp["values"]["ents"]) == [("Ann Lee", "PER"), ("tomorrow", "TIME")]
    fixed = [r for r in red["reviews"] if r["verdict"] == "fix"][0]
    assert _texts(text, fixed["values"]["ents"]) == [("[PHONE_NUMBER]", "PHONE"),
                                                     ("Ann", "PER")]
    assert _texts(text, red["gold"]["ents"]) == [("Lee tomorrow", "PER")]
    (sug,) = red["suggestions"]
    assert _texts(text, sug["value"]) == [("ask for Ann", "PER")]
    (finding,) = red["metadata"]["_pii"]["text"]
    assert text[finding["start"]:finding["end"]] == "[PHONE_NUMBER]"
    # a dismissed finding redacts nothing and moves nothing
    kept = rows["r2"]
    assert kept["fields"]["text"] == TEXT
    assert kept["responses"][0]["values"]["ents"] == [_span("Ann Lee", "PER"),
                                                      _span("tomorrow", "TIME")]


def test_conll_tags_from_the_consensus_follow_the_redaction(engine, tmp_path: Path):
    _dataset(engine)
    export(engine, "red", tmp_path / "r.conll", "conll", redact_pii=True)
    first = (tmp_path / "r.conll").read_text(encoding="utf-8").split("\n\n")[0]
    tags = dict(line.split("\t") for line in first.splitlines())
    assert tags["[PHONE_NUMBER]"] == "B-PHONE"
    assert (tags["Ann"], tags["Lee"], tags["tomorrow"]) == ("B-PER", "O", "O")


def test_formats_that_do_not_export_metadata_still_redact_and_drop(engine, tmp_path: Path):
    """Training formats read records without their metadata, where the findings are:
    ``--format conll --redact-pii`` wrote the phone number as it was, and ``--drop-pii``
    kept the record."""
    _dataset(engine)
    export(engine, "red", tmp_path / "d.conll", "conll", drop_pii=True)
    sentences = (tmp_path / "d.conll").read_text(encoding="utf-8").strip().split("\n\n")
    assert len(sentences) == 1  # r1 (confirmed finding) left out, r2 kept
    assert "555-123-4567\tB-PHONE" in sentences[0]


def test_the_consensus_columns_of_aggregate_follow_the_redaction(engine, tmp_path: Path):
    _dataset(engine)
    export(engine, "red", tmp_path / "a.jsonl", "jsonl", redact_pii=True, aggregate="vote")
    rows = {r["external_id"]: r for r in read_jsonl(tmp_path / "a.jsonl")}
    text = rows["r1"]["fields"]["text"]
    assert _texts(text, rows["r1"]["aggregates"]["ents"]["value"]) == [
        ("[PHONE_NUMBER]", "PHONE"), ("Ann", "PER")]  # the fix is the answer in force
    assert _texts(TEXT, rows["r2"]["aggregates"]["ents"]["value"]) == [
        ("555-123-4567", "PHONE"), ("Ann", "PER")]
    export(engine, "red", tmp_path / "a.csv", "csv", redact_pii=True, aggregate="vote")
    import csv
    import json
    with open(tmp_path / "a.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["external_id"] == "r1")
    assert _texts(row["text"], json.loads(row["consensus_ents"])) == [
        ("[PHONE_NUMBER]", "PHONE"), ("Ann", "PER")]
