"""Whole-record exports (jsonl, csv, parquet, hf), atomic outputs and batched reads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from accord.errors import InputError
from accord.io import export_jsonl
from accord.store import make_engine, session_scope, write_scope
from accord.store.datasets import get_dataset
from accord.store.export import iter_export_records
from accord.store.imported_responses import ImportedSuggestion, write_suggestions
from accord.store.models import utcnow
from accord.store.records import get_record_by_external_id
from tests.io.export_data import export, pairwise_dataset, read_jsonl, review, submit

datasets = pytest.importorskip("datasets")


@pytest.fixture(autouse=True)
def _quiet():
    datasets.disable_progress_bars()
    yield
    datasets.enable_progress_bars()


def _suggest(engine, ext, value, score):
    with write_scope(engine) as s:
        rec = get_record_by_external_id(s, get_dataset(s, "pw").id, ext)
        write_suggestions(s, [ImportedSuggestion(rec.id, "preference", value, score, "model-v1")],
                          stamp=utcnow())


def test_jsonl_has_everything(engine, tmp_path):
    pairwise_dataset(engine, n=2)
    _suggest(engine, "r0", {"choice": "a"}, 0.8)
    rid = submit(engine, "pw", "r1", "u4", {"preference": {"choice": "a"}}, status="draft")
    with session_scope(engine) as s:
        first = next(iter_export_records(s, get_dataset(s, "pw").id, full=True))
    review(engine, "pw", first.responses[0].id, "fix",
           values={"preference": {"choice": "a"}, "quality": 4, "rewrite": "better"},
           comment='close call, "a" reads better')
    assert export_jsonl(engine, "pw", tmp_path / "a.jsonl") == 2  # the historical entry point
    r0, r1 = read_jsonl(tmp_path / "a.jsonl")
    assert (r0["external_id"], r0["status"], r0["metadata"]) == ("r0", "completed",
                                                                 {"source": "t.jsonl"})
    assert r0["fields"]["prompt"] == "Question 0?"
    assert [(r["user"], r["status"]) for r in r0["responses"]] == [
        ("u1", "submitted"), ("u2", "submitted"), ("u3", "submitted")]
    resp = r0["responses"][0]
    assert resp["values"]["preference"] == {"choice": "a", "strength": 3}
    assert resp["review_state"] == "fix" and resp["created_at"].endswith("+00:00")
    assert r0["reviews"] == [{"response_id": resp["id"], "annotator": "u1", "reviewer": "rev",
                              "verdict": "fix", "reason": None,
                              "values": {"preference": {"choice": "a"}, "quality": 4,
                                         "rewrite": "better"},
                              "created_at": r0["reviews"][0]["created_at"],
                              "comment": 'close call, "a" reads better'}]
    assert r0["suggestions"][0]["agent"] == "model-v1" and r0["suggestions"][0]["score"] == 0.8
    assert [(r["user"], r["status"]) for r in r1["responses"]][-1] == ("u4", "draft")
    assert r1["responses"][-1]["id"] == rid and "aggregates" not in r1


def test_sent_to_review_is_exported_as_history_and_drops_the_fix(engine, tmp_path):
    """An admin's "send to review" (accord.workflow.review.send_to_review) ends the verdict in
    force: the fix no longer applies, review_state is null, the requeue row is in reviews[]."""
    from accord.store.answers import load_answers
    from accord.store.users import get_user
    from accord.workflow.review import send_to_review

    pairwise_dataset(engine, n=1)
    with session_scope(engine) as s:
        first = next(iter_export_records(s, get_dataset(s, "pw").id, full=True))
    rid = first.responses[0].id
    review(engine, "pw", rid, "fix", values={"preference": {"choice": "b"}, "quality": 1,
                                             "rewrite": "fixed"})

    def counted() -> tuple[int, int]:  # quality's (fixes applied, reviewed responses counted)
        with session_scope(engine) as s:
            ds_id = get_dataset(s, "pw").id
            return (load_answers(s, ds_id, ["preference"]).fixed,
                    len(load_answers(s, ds_id, ["preference"], reviewed_only=True).responses))

    assert counted() == (1, 1)
    with write_scope(engine) as s:
        ds = get_dataset(s, "pw")
        admin = get_user(s, "rev")  # in-process: the caller decides who may
        assert send_to_review(s, ds, [first.id], admin, comment="recheck") == 1
        assert send_to_review(s, ds, [first.id], admin) == 0  # idempotent
    assert counted() == (0, 0)
    export_jsonl(engine, "pw", tmp_path / "a.jsonl")
    (r0,) = read_jsonl(tmp_path / "a.jsonl")
    assert [r["review_state"] for r in r0["responses"]] == [None, None, None]
    assert [(v["verdict"], v["comment"]) for v in r0["reviews"]] == [("fix", None),
                                                                     ("requeue", "recheck")]


def test_csv_parquet_and_hf_tables(engine, tmp_path):
    pairwise_dataset(engine, n=3)
    export(engine, "pw", tmp_path / "t.csv", "csv")
    table = datasets.load_dataset("csv", data_files=str(tmp_path / "t.csv"), split="train",
                                  cache_dir=str(tmp_path / "c"))
    assert table.column_names == ["external_id", "status", "is_gold", "prompt", "response_a",
                                  "response_b", "metadata", "responses", "suggestions",
                                  "reviews", "gold"]
    assert json.loads(table[0]["responses"])[0]["user"] == "u1"
    export(engine, "pw", tmp_path / "t.parquet", "parquet", aggregate="mv")
    pq = datasets.load_dataset("parquet", data_files=str(tmp_path / "t.parquet"), split="train",
                               cache_dir=str(tmp_path / "c"))
    assert pq.features["consensus_quality"] == datasets.Value("float64")
    assert pq.features["agreement_preference"] == datasets.Value("float64")
    assert [r["consensus_preference"] for r in pq] == ["a", "b", "a"]
    export(engine, "pw", tmp_path / "hfds", "hf", split={"train": 0.5, "test": 0.5})
    saved = datasets.load_from_disk(str(tmp_path / "hfds"))
    assert set(saved) == {"train", "test"}
    assert saved["train"].features["is_gold"] == datasets.Value("bool")
    assert len(saved["train"]) + len(saved["test"]) == 3
    assert (tmp_path / "hfds" / "README.md").is_file()


def test_failed_export_leaves_nothing_behind(engine, tmp_path):
    pairwise_dataset(engine, n=2)
    out = tmp_path / "x.jsonl"
    out.write_text("previous\n")
    with pytest.raises(InputError):
        export(engine, "pw", out, "kto", question="quality", completion_field="response_a")
    assert out.read_text() == "previous\n"
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("important")
    with pytest.raises(InputError, match="not an earlier accord export"):
        export(engine, "pw", tmp_path / "mine", "dpo", to="hub")
    assert (tmp_path / "mine" / "keep.txt").read_text() == "important"
    export(engine, "pw", tmp_path / "hub", "dpo")
    export(engine, "pw", tmp_path / "hub", "dpo")  # an earlier export is replaced
    assert (tmp_path / "hub" / "README.md").is_file()


def test_children_are_read_per_page_not_per_record(db_url, engine, tmp_path):
    pairwise_dataset(engine, n=40)
    statements: list[str] = []
    counted = make_engine(db_url)
    if counted.dialect.name == "sqlite":
        event.listen(counted, "connect",
                     lambda conn, _rec: conn.set_trace_callback(statements.append))
    else:
        event.listen(counted, "before_cursor_execute",
                     lambda conn, cur, sql, *a: statements.append(sql))
    with session_scope(counted) as s:
        ds_id = get_dataset(s, "pw").id
        statements.clear()
        records = list(iter_export_records(s, ds_id, batch_size=10, full=True,
                                           suggestions=True, reviews=True, gold=True))
    counted.dispose()
    assert len(records) == 40 and sum(len(r.responses) for r in records) == 120
    selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    # users, has-reviews, then per page of 10: records, responses, suggestions, gold (+ end)
    assert len(selects) <= 2 + 5 * 4, selects
