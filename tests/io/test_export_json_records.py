"""Whole records as JSON text: the database's text is the Python writer's, byte for byte.

``iter_json_records`` has the database build each record's JSON (SQLite and
PostgreSQL, from the spec in accord/store/export/spec.py); filters on single
responses write it in Python from the generic read (``to_json_record``). On
both backends the two must be the same bytes, on awkward data: user names and
texts with quotes, control characters and non-BMP characters, times that need
17 digits, drafts without ``submitted_at``, responses whose id order is not
their user order, fix and reject reviews, suggestions and a gold answer. The
pages' statements walk indexes without sorting.
"""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select, text, update

from accord.io.exporters.base import FULL_LOAD
from accord.io.exporters.record_rows import to_json_record
from accord.store import make_engine, session_scope, upgrade, write_scope
from accord.store.datasets import get_dataset
from accord.store.export import (
    iter_export_records,
    iter_json_records,
    json_records_supported,
    line_page_sql,
    user_names,
)
from accord.store.export.compose import user_params
from accord.store.imported_responses import ImportedSuggestion, write_suggestions
from accord.store.models import Response, User, utcnow
from accord.store.records import get_record_by_external_id, records_page_statement
from tests.io.export_data import export, gold, pairwise_dataset, read_jsonl, review, submit

AWKWARD = 'say "hi" \\ back\n\ttab \x01 é 😀 </script>'


def _awkward_dataset(engine) -> None:
    pairwise_dataset(engine, n=4)
    # late2 is created after late1 (a higher user id) but answers r0 first
    with write_scope(engine) as s:
        from accord.store.users import create_user

        create_user(s, "late1", "annotator")
        create_user(s, 'late2 "q" ü', "annotator")
    first = submit(engine, "pw", "r0", 'late2 "q" ü', {
        "preference": {"choice": "a", "strength": 1}, "quality": 3, "rewrite": AWKWARD})
    second = submit(engine, "pw", "r0", "late1", {"preference": {"choice": "b"}},
                    status="draft")
    assert first < second
    with write_scope(engine) as s:
        ds = get_dataset(s, "pw")
        r0 = get_record_by_external_id(s, ds.id, "r0")
        u3 = s.scalar(select(Response.id).join(User, User.id == Response.user_id).where(
            Response.record_id == r0.id, User.name == "u3"))
        for rid, spent in ((first, 0.1 + 0.2), (second, 1e-05), (u3, 123456789.123456789)):
            s.execute(update(Response).where(Response.id == rid).values(time_spent=spent))
        # three different times (PostgreSQL writes a response's equal times once)
        r3 = get_record_by_external_id(s, ds.id, "r3")
        edited, created = s.execute(select(Response.id, Response.created_at).where(
            Response.record_id == r3.id).order_by(Response.id).limit(1)).one()
        s.execute(update(Response).where(Response.id == edited).values(
            updated_at=created + timedelta(seconds=1, microseconds=5),
            submitted_at=created + timedelta(seconds=2)))
        rec = get_record_by_external_id(s, ds.id, "r1")
        write_suggestions(s, [ImportedSuggestion(rec.id, "preference", {"choice": "a"},
                                                 0.30000000000000004, "model \"v1\""),
                              ImportedSuggestion(rec.id, "quality", 4, None, "m2"),
                              ImportedSuggestion(rec.id, "rewrite", AWKWARD, 1.0, "m2")],
                          stamp=utcnow())
    review(engine, "pw", first, "fix", values={"preference": {"choice": "b"}, "quality": 1,
                                               "rewrite": "fixed " + AWKWARD})
    review(engine, "pw", u3, "reject", reason='not "ok"\n' + AWKWARD)
    gold(engine, "pw", "r2", {"preference": {"choice": "a", "strength": 2}, "quality": 4,
                              "rewrite": "gold"})


def _texts(rec) -> dict:
    return {"id": rec.id, "external_id": rec.external_id, "status": rec.status,
            "is_gold": rec.is_gold, "fields": rec.fields_json, "metadata": rec.metadata_json,
            "responses": rec.responses, "suggestions": rec.suggestions,
            "reviews": rec.reviews, "gold": rec.gold}


def _decoded(rec) -> dict:
    return {k: orjson.loads(v) if k in ("fields", "metadata", "responses", "suggestions",
                                        "reviews", "gold") else v
            for k, v in _texts(rec).items()}


def test_json_records_are_the_python_writers_bytes(engine):
    """On both backends (``db_url``): the database's JSON text is what the Python writer
    gives for the generic read, byte for byte."""
    _awkward_dataset(engine)
    with session_scope(engine) as s:
        ds_id = get_dataset(s, "pw").id
        assert json_records_supported(s)
        fast = [_texts(r) for r in iter_json_records(s, ds_id, batch_size=3)]
        generic = [_texts(to_json_record(r)) for r in iter_export_records(s, ds_id,
                                                                          **FULL_LOAD)]
        without_gold = [r.external_id for r in iter_json_records(s, ds_id,
                                                                 exclude_gold=True)]
        unthreaded = [_texts(r) for r in iter_json_records(s, ds_id, prefetch=False)]
    assert fast == generic == unthreaded
    assert without_gold == ["r0", "r1", "r3"]
    r0, r1, r2 = (_decoded(_Texts(r)) for r in fast[:3])
    # id order, not user order; the draft has no submitted_at; times read back exactly
    assert [r["user"] for r in r0["responses"]] == ["u1", "u2", "u3", 'late2 "q" ü', "late1"]
    assert [r["id"] for r in r0["responses"]] == sorted(r["id"] for r in r0["responses"])
    late2, late1 = r0["responses"][3], r0["responses"][4]
    assert late2["values"]["rewrite"] == AWKWARD and late2["review_state"] == "fix"
    assert late2["time_spent"] == 0.1 + 0.2 and late1["time_spent"] == 1e-05
    assert late1["status"] == "draft" and late1["submitted_at"] is None
    assert r0["responses"][2]["time_spent"] == 123456789.123456789
    assert late2["created_at"].endswith("+00:00") and "T" in late2["created_at"]
    edited, kept = _decoded(_Texts(fast[3]))["responses"][:2]
    assert edited["created_at"] < edited["updated_at"] < edited["submitted_at"]
    assert kept["created_at"] == kept["updated_at"] == kept["submitted_at"]
    assert {v["verdict"] for v in r0["reviews"]} == {"fix", "reject"}
    assert {v["annotator"] for v in r0["reviews"]} == {'late2 "q" ü', "u3"}
    assert [s["question"] for s in r1["suggestions"]] == ["preference", "quality", "rewrite"]
    assert r1["suggestions"][0]["score"] == 0.30000000000000004
    assert r1["suggestions"][1]["value"] == 4 and r1["suggestions"][1]["score"] is None
    assert r2["gold"]["rewrite"] == "gold" and r2["is_gold"] and r0["gold"] is None


class _Texts:
    """A dict of texts (``_texts``) seen as a record again, for ``_decoded``."""

    def __init__(self, texts: dict) -> None:
        self.id, self.external_id = texts["id"], texts["external_id"]
        self.status, self.is_gold = texts["status"], texts["is_gold"]
        self.fields_json, self.metadata_json = texts["fields"], texts["metadata"]
        self.responses, self.suggestions = texts["responses"], texts["suggestions"]
        self.reviews, self.gold = texts["reviews"], texts["gold"]


def test_fast_and_filtered_paths_write_the_same_files(db_url, engine, tmp_path):
    """``--min-responses 1`` (every record has responses) goes through the generic read:
    the JSONL and Parquet files must hold the same records."""
    import pyarrow.parquet as pq

    _awkward_dataset(engine)
    export(engine, "pw", tmp_path / "a.jsonl", "jsonl")
    export(engine, "pw", tmp_path / "b.jsonl", "jsonl", min_responses=1)
    assert read_jsonl(tmp_path / "a.jsonl") == read_jsonl(tmp_path / "b.jsonl")
    export(engine, "pw", tmp_path / "a.parquet", "parquet", aggregate="mv")
    export(engine, "pw", tmp_path / "b.parquet", "parquet", aggregate="mv", min_responses=1)
    a, b = pq.read_table(tmp_path / "a.parquet"), pq.read_table(tmp_path / "b.parquet")
    assert a.schema == b.schema and a.num_rows == b.num_rows == 4
    for name in a.column_names:
        left, right = a.column(name).to_pylist(), b.column(name).to_pylist()
        if name in ("metadata", "responses", "suggestions", "reviews", "gold"):
            left, right = [orjson.loads(x) for x in left], [orjson.loads(x) for x in right]
        assert left == right, name
    row = read_jsonl(tmp_path / "a.jsonl")[0]
    assert row["responses"][3]["values"]["rewrite"] == AWKWARD


def _sqlite_plan(engine, sql: str, params) -> list[str]:
    with engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        return [row[3] for row in cur.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_pages_walk_indexes_without_sorting(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    pairwise_dataset(engine, n=3)
    with session_scope(engine) as s:
        sql = line_page_sql(s, get_dataset(s, "pw").id)
        params = {"ds": 1, "lo": 0, "hi": 2, **user_params(user_names(s))}
    responses = _sqlite_plan(engine, sql, params)
    assert any("sqlite_autoindex_responses_1" in p for p in responses), responses
    assert not any("TEMP B-TREE" in p for p in responses), responses
    stmt = records_page_statement("sqlite", 1, 0, 100).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    records = _sqlite_plan(engine, str(stmt), ())
    assert any("INTEGER PRIMARY KEY" in p for p in records), records
    assert not any("TEMP B-TREE" in p for p in records), records
    engine.dispose()


@pytest.mark.postgres
def test_iter_records_page_has_no_sort_on_postgres(pg_server):
    """With sequential and bitmap scans off (what a big table gets), the page is a walk of
    the primary key in id order, not a sort."""
    url = pg_server.create_database("iter_records_plan")
    engine = make_engine(url)
    upgrade(engine)
    pairwise_dataset(engine, n=3)
    stmt = records_page_statement("postgresql", 1, 0, 100).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = [row[0] for row in conn.execute(text(f"EXPLAIN {stmt}"))]
    engine.dispose()
    assert any("Index Scan using pk_records" in line for line in plan), plan
    assert not any("Sort" in line for line in plan), plan
