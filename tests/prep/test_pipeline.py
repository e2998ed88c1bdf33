"""The library API: results, rejects, report and what nothing loses."""

from __future__ import annotations

import pytest

from accord.errors import InputError
from accord.prep import PrepConfig, RecordReader, run_prep
from accord.prep.report import render_markdown, summary_line

RECORDS = [
    {"id": "a", "text": "The first record, perfectly fine."},
    {"id": "b", "text": "the FIRST record,   perfectly fine."},
    {"id": "c", "text": "x"},
    {"id": "d", "prompt": "Caf\u0065\u0301 au lait?", "response": "Yes."},
    {"id": "e", "text": "Write to jo@example.com please, it is urgent."},
]


def test_result_keeps_order_and_every_record_is_accounted_for() -> None:
    res = run_prep(RECORDS, PrepConfig(min_chars=3, pii="redact", workers=1))
    assert [r["id"] for r in res.records] == ["a", "d", "e"]
    assert res.records[1]["prompt"] == "Café au lait?"
    assert res.records[2]["text"] == "Write to <EMAIL_ADDRESS> please, it is urgent."
    assert [(r.index, r.line, r.step) for r in res.rejects] == [
        (1, None, "dedupe_exact"),
        (2, None, "length"),
    ]
    assert res.rejects[1].record == {"id": "c", "text": "x"}
    report = res.report
    assert report["records_in"] == len(res.records) + len(res.rejects) == 5
    steps = {s["name"]: s for s in report["steps"]}
    assert list(steps) == ["fix", "length", "pii", "dedupe_exact"]
    assert steps["fix"]["in"] == 5 and steps["fix"]["changed"] == 1
    assert steps["length"]["in"] == 5 and steps["length"]["dropped"] == 1
    assert steps["pii"]["in"] == 4 and steps["pii"]["changed"] == 1
    assert steps["dedupe_exact"]["in"] == 4 and steps["dedupe_exact"]["dropped"] == 1
    assert all(s["seconds"] >= 0 for s in report["steps"])
    assert steps["fix"]["examples"][0]["after"] == "Café au lait?"
    assert steps["length"]["examples"][0]["reason"].startswith("text has 1 characters")


def test_markdown_and_summary() -> None:
    res = run_prep(RECORDS, PrepConfig(min_chars=3, workers=1))
    md = render_markdown(res.report)
    assert "| length | 5 | 0 | 1 | 0 |" in md
    assert "- record 2: exact duplicate of record 1" in md
    assert summary_line(res.report).startswith(
        "prep: 5 records in, 3 out, 2 dropped (length 1, dedupe_exact 1)"
    )


def test_reader_gives_line_numbers_to_rejects(tmp_path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "same"}\n\n{"text": "same"}\n', encoding="utf-8")
    res = run_prep(RecordReader(path), source=str(path))
    assert res.rejects[0].line == 3 and res.rejects[0].reason == "exact duplicate of line 1"
    assert res.report["source"] == str(path) and res.report["blank_lines"] == 1


def test_non_object_records_and_bad_fields_raise_input_errors() -> None:
    with pytest.raises(InputError, match="record 2: expected a JSON object, got list"):
        run_prep([{"text": "a"}, ["b"]])
    with pytest.raises(InputError) as info:
        run_prep([{"text": "a"}, {"text": 3}], PrepConfig(text_fields=("text",), workers=1))
    assert info.value.field == "text" and "record 2" in str(info.value)


def test_empty_input_gives_an_empty_result() -> None:
    res = run_prep([], PrepConfig(dedupe_near=True))
    assert res.records == [] and res.rejects == [] and res.report["records_in"] == 0


def test_everything_off_is_a_pass_through() -> None:
    config = PrepConfig(fix=False, dedupe_exact=False)
    res = run_prep(RECORDS, config)
    assert res.records == RECORDS and res.report["steps"] == []
