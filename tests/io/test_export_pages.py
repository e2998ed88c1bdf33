"""Whole-record exports by the page: SQLite builds each page (JSONL lines or Arrow columns).

``jsonl`` and ``parquet`` without a split or a record filter skip the Python
row per record on SQLite (:meth:`accord.io.exporters.run._Run.page_mode`).
The files must be the ones the row path writes from the generic read
(``--min-responses 1``, which every record here passes, takes that path), byte for
byte for JSONL and ``Table.equals`` for Parquet, on awkward data: times that
SQLite cannot print exactly, a response whose id order is not its user
order, drafts, reviews, suggestions, gold, and ``--aggregate``. The extra
reading connections see the session's snapshot.
"""

from __future__ import annotations

import sqlite3

import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from accord.io.exporters.options import ExportOptions
from accord.io.exporters.run import _Run, prepare_export
from accord.store import make_engine, session_scope, upgrade, write_scope
from accord.store.datasets import get_dataset
from accord.store.export import (
    column_page_sql,
    iter_record_columns,
    iter_record_lines,
    line_page_sql,
    snapshot_readers,
    user_names,
)
from accord.store.export.compose import user_params
from accord.store.models import Record, Response, utcnow
from accord.store.records import RecordRow, upsert_records
from tests.io.export_data import export, pairwise_dataset, read_jsonl
from tests.io.test_export_json_records import _awkward_dataset

# 276577.48439839203: SQLite's 15 digits read back as the same double in SQLite, not in Python
TIMES = [0.1 + 0.2, 1e-05, 123456789.123456789, 276577.48439839203, -2.5, 1e18, 30.0, 0.0,
         999999999999999.0, 1e15]


def _times(engine) -> None:
    with write_scope(engine) as s:
        ids = s.scalars(select(Response.id).order_by(Response.id)).all()
        for rid, spent in zip(ids[5:], TIMES, strict=False):
            s.execute(update(Response).where(Response.id == rid).values(time_spent=spent))


@pytest.fixture
def awkward(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    _awkward_dataset(engine)
    _times(engine)
    yield engine
    engine.dispose()


def _row_path(engine, fmt: str, options: dict, name: str = "pw") -> tuple[bytes | None, object]:
    """What the row path (a Python row per record, from SQLite's JSON records) writes."""
    import pyarrow as pa

    from accord.io.exporters.encoders import make_encoder

    with session_scope(engine) as s:
        prep = prepare_export(s, name, ExportOptions(fmt=fmt, **options))
        run = _Run(s, prep)
        run.compute_consensus()
        rows = [row for _rec, _decision, rows in run.records() for row in rows]
    if fmt == "jsonl":
        encoder = make_encoder("jsonl", prep.builder.columns())
        return b"".join(encoder.encode(row) for row in rows), None
    schema = prep.builder.schema()
    return None, pa.Table.from_pylist(rows, schema=schema)


@pytest.mark.parametrize("options", [{}, {"aggregate": "mv"}, {"exclude_gold": True}])
def test_pages_write_what_the_rows_write(awkward, tmp_path, options):
    for fmt in ("jsonl", "parquet"):
        out = tmp_path / f"paged.{fmt}"
        paged = export(awkward, "pw", out, fmt, **options)
        generic = export(awkward, "pw", tmp_path / f"generic.{fmt}", fmt, min_responses=1,
                         **options)
        assert paged.records_read == generic.records_read == (3 if options.get("exclude_gold")
                                                              else 4)
        assert paged.rows_written == generic.rows_written == paged.records_read
        text, table = _row_path(awkward, fmt, options)
        if fmt == "jsonl":
            assert out.read_bytes() == text
            if not options:
                assert b'"time_spent":276577.48439839203' in text
                assert b'"time_spent":1e+18' in text
            # the generic read (orjson's number forms) means the same
            assert read_jsonl(out) == read_jsonl(tmp_path / "generic.jsonl")
        else:
            written = pq.read_table(out)
            assert written.schema == table.schema and written.equals(table)
            assert written.num_rows == pq.read_table(tmp_path / "generic.parquet").num_rows


@pytest.mark.parametrize("odd", ["a\x02b", "\x03", "\x01x\x01", ""])
def test_cells_like_separators_and_missing_fields(sqlite_url, tmp_path, odd):
    """A page travels from SQLite as joined cells; text holding the separator (or the null
    stand-in) sends its page through the row-per-record read, with the same result."""
    from tests.io.export_data import setup, submit

    engine = make_engine(sqlite_url)
    upgrade(engine)
    settings_ = {"fields": [{"name": "prompt", "type": "text"},
                            {"name": "extra", "type": "text", "required": False}],
                 "questions": [{"name": "ok", "type": "label", "labels": ["yes", "no"]}]}
    setup(engine, "odd", settings_, [
        {"id": "plain", "prompt": "p"}, {"id": f"id{odd}", "prompt": odd, "extra": odd},
        {"id": "none", "prompt": "q", "extra": None}])
    submit(engine, "odd", "plain", "ann", {"ok": "yes"})
    for fmt in ("parquet", "jsonl"):
        export(engine, "odd", tmp_path / f"paged.{fmt}", fmt)
        text, table = _row_path(engine, fmt, {}, name="odd")
        if fmt == "jsonl":
            assert (tmp_path / "paged.jsonl").read_bytes() == text
        else:
            written = pq.read_table(tmp_path / "paged.parquet")
            assert written.equals(table)
            assert written.column("extra").to_pylist() == [None, odd, None]
            assert written.column("external_id").to_pylist() == ["plain", f"id{odd}", "none"]
    engine.dispose()


def test_stored_text_with_a_raw_separator(awkward, tmp_path):
    """JSON stored against the rules (a raw control character in metadata) would shift
    the joined cells: the page is read a row per record, written as the row path writes."""
    with write_scope(awkward) as s:
        s.execute(text("UPDATE records SET metadata = '{\"note\":\"a' || char(2) || 'b\"}' "
                       "WHERE external_id = 'r1'"))
        assert "\x02" in s.scalar(text("SELECT metadata FROM records "
                                        "WHERE external_id = 'r1'"))
    export(awkward, "pw", tmp_path / "paged.parquet", "parquet")
    _text, table = _row_path(awkward, "parquet", {})
    written = pq.read_table(tmp_path / "paged.parquet")
    assert written.equals(table)
    assert written.column("metadata").to_pylist()[1] == '{"note":"a\x02b"}'


@pytest.mark.parametrize("score", [276577.48439839203, 718759.5308541791, 0.1 + 0.2, 0.87,
                                   1e-05, 123456789.123456789])
def test_suggestion_scores_read_back_exactly(awkward, tmp_path, score):
    """SQLite's own text to float check accepted "276577.484398392" for
    276577.48439839203; scores are now checked with integer arithmetic."""
    from accord.store.models import Suggestion

    with write_scope(awkward) as s:
        s.execute(update(Suggestion).where(Suggestion.question == "preference").values(
            score=score))
    export(awkward, "pw", tmp_path / "paged.jsonl", "jsonl")
    text_, _table = _row_path(awkward, "jsonl", {})
    assert (tmp_path / "paged.jsonl").read_bytes() == text_
    rows = read_jsonl(tmp_path / "paged.jsonl")
    assert [x["score"] for x in rows[1]["suggestions"]
            if x["question"] == "preference"] == [score]
    assert b'"score":276577.484398392,' not in text_  # the old, wrong text


def test_many_users_are_looked_up(awkward, tmp_path, monkeypatch):
    """Beyond a few users, names come from a join instead of constants: same text."""
    import accord.store.export.compose as compose

    export(awkward, "pw", tmp_path / "inline.jsonl", "jsonl")
    with session_scope(awkward) as s:
        inline = line_page_sql(s, get_dataset(s, "pw").id)
    monkeypatch.setattr(compose, "USERS_INLINE", 2)
    export(awkward, "pw", tmp_path / "joined.jsonl", "jsonl")
    with session_scope(awkward) as s:
        joined = line_page_sql(s, get_dataset(s, "pw").id)
    assert "FROM users u WHERE" in joined and "FROM users u WHERE" not in inline
    # names are bound values, never part of the statement
    assert "late2" not in inline and "late2" not in joined
    assert (tmp_path / "inline.jsonl").read_bytes() == (tmp_path / "joined.jsonl").read_bytes()


def test_hub_shards_split_pages(awkward, tmp_path):
    """Pages are cut at shard boundaries; the shards together are the single file."""
    import pyarrow as pa

    export(awkward, "pw", tmp_path / "hub", "parquet", to="hub", shard_rows=3)
    export(awkward, "pw", tmp_path / "one.parquet", "parquet")
    names = sorted(p.name for p in (tmp_path / "hub" / "data").iterdir())
    assert names == ["train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]
    shards = [pq.read_table(tmp_path / "hub" / "data" / name) for name in names]
    assert [t.num_rows for t in shards] == [3, 1]
    assert pa.concat_tables(shards).equals(pq.read_table(tmp_path / "one.parquet"))


def test_page_mode_only_without_split_and_filters(awkward, tmp_path):
    cases = [({"fmt": "jsonl"}, "jsonl", "text"), ({"fmt": "parquet"}, "parquet", "table"),
             ({"fmt": "parquet"}, "hub", "table"), ({"fmt": "jsonl", "aggregate": "mv"},
                                                    "jsonl", "text"),
             ({"fmt": "jsonl", "split": {"train": 0.5, "test": 0.5}}, "jsonl", None),
             ({"fmt": "parquet", "min_responses": 1}, "parquet", None),
             ({"fmt": "parquet", "aggregate": "mv", "min_agreement": 0.5,
               "question": "preference"}, "parquet", None),
             ({"fmt": "csv"}, "csv", None), ({"fmt": "dpo"}, "jsonl", None)]
    with session_scope(awkward) as s:
        for kwargs, container, mode in cases:
            prep = prepare_export(s, "pw", ExportOptions(**kwargs))
            assert _Run(s, prep).page_mode(container) == mode, kwargs


def test_chat_fields_take_the_row_path(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    from tests.io.export_data import setup

    setup(engine, "chat", {"fields": [{"name": "conversation", "type": "chat"}],
                           "questions": [{"name": "ok", "type": "label",
                                          "labels": ["yes", "no"]}]},
          [{"id": "c1", "conversation": [{"role": "user", "content": "hi"}]}])
    with session_scope(engine) as s:
        prep = prepare_export(s, "chat", ExportOptions(fmt="parquet"))
        assert _Run(s, prep).page_mode("parquet") is None
    export(engine, "chat", tmp_path / "c.parquet", "parquet")
    assert pq.read_table(tmp_path / "c.parquet").column("conversation").to_pylist() == [
        [{"role": "user", "content": "hi"}]]
    engine.dispose()


@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('times') / 't.db'}")
    upgrade(engine)
    pairwise_dataset(engine, n=8)
    yield engine
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                                 st.integers(-10**15, 10**15).map(lambda i: i / 1000),
                                 st.integers(-10**6, 10**6).map(lambda i: i / 100)),
                       min_size=24, max_size=24))
def test_times_are_pythons_repr(eight, values):
    """Any stored double is written as Python's repr of it, also where SQLite's own text
    would differ: SQLite prints whole numbers and milliseconds, Python the rest."""
    with write_scope(eight) as s:
        ids = s.scalars(select(Response.id).order_by(Response.id)).all()
        for rid, spent in zip(ids, values, strict=True):
            s.execute(update(Response).where(Response.id == rid).values(time_spent=spent))
        stored = dict(s.execute(select(Response.id, Response.time_spent)).all())
    with session_scope(eight) as s:
        ds = get_dataset(s, "pw").id
        text = b"".join(p.text for p in iter_record_lines(s, ds, batch_size=3))
        columns = [r for p in iter_record_columns(s, ds, [], batch_size=5)
                   for r in p.responses.to_pylist()]
    lines = [orjson.loads(line) for line in text.splitlines()]
    assert {r["id"]: r["time_spent"] for rec in lines for r in rec["responses"]} == stored
    assert [orjson.loads(r) for r in columns] == [rec["responses"] for rec in lines]
    for rid, spent in stored.items():
        assert f'{{"id":{rid},'.encode() in text
        assert f'"time_spent":{spent!r},'.encode() in text


def test_readers_share_the_sessions_snapshot(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    pairwise_dataset(engine, n=5)
    with session_scope(engine) as s, snapshot_readers(s, 2) as readers:
        assert len(readers) == 2
        ds = get_dataset(s, "pw").id
        # a commit after the snapshot: neither the session nor the readers see it
        with write_scope(engine) as w:
            upsert_records(w, ds, [RecordRow("late", {"prompt": "p", "response_a": "a",
                                                      "response_b": "b"}, {})],
                           stamp=utcnow())
        assert s.scalar(select(Record.id).where(Record.external_id == "late")) is None
        ids = [i for p in iter_record_lines(s, ds, batch_size=2, readers=readers)
               for i in p.ids]
        alone = [i for p in iter_record_lines(s, ds, batch_size=2) for i in p.ids]
        for conn in readers:
            assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 5
    assert len(ids) == len(alone) == 5 and ids == alone == sorted(ids)
    with session_scope(engine) as s:
        assert s.scalar(select(Record.id).where(Record.external_id == "late")) is not None
    engine.dispose()


def test_readers_give_way_to_a_long_write(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    pairwise_dataset(engine, n=2)
    writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    writer.execute("BEGIN IMMEDIATE")
    try:
        with session_scope(engine) as s, snapshot_readers(s, 2, wait_ms=50) as readers:
            assert readers == []
            ds = get_dataset(s, "pw").id
            assert sum(len(p.ids) for p in iter_record_lines(s, ds, readers=readers)) == 2
    finally:
        writer.rollback()
        writer.close()
    memory = make_engine("sqlite://")
    upgrade(memory)
    with session_scope(memory) as s, snapshot_readers(s, 2) as readers:
        assert readers == []
    memory.dispose()
    engine.dispose()


def _plan(engine, sql: str, params: dict) -> list[str]:
    with engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        return [row[3] for row in cur.execute("EXPLAIN QUERY PLAN " + sql,
                                              {"ds": 1, "lo": 0, "hi": 100, **params})]


def test_page_statements_walk_the_primary_key_without_sorting(sqlite_url):
    """The page and its responses (in id order) come from the primary key and the
    (record_id, user_id) index without a sort. (Suggestions and reviews, when a dataset
    has some, are sorted per record, as before.)"""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    pairwise_dataset(engine, n=3)
    with session_scope(engine) as s:
        ds = get_dataset(s, "pw").id
        statements = [column_page_sql(s, ds, ["prompt"]), line_page_sql(s, ds),
                      line_page_sql(s, ds, exclude_gold=True)]
        params = {"f0": '$."prompt"', **user_params(user_names(s))}
    for sql in statements:
        plan = _plan(engine, sql, params)
        assert any("INTEGER PRIMARY KEY" in p for p in plan), plan
        assert any("sqlite_autoindex_responses_1" in p for p in plan), plan
        assert not any("TEMP B-TREE" in p for p in plan), plan
    engine.dispose()


def test_sqlite_checks_run_under_the_small_cache(awkward, monkeypatch):
    """A page export's checks (whether the dataset has suggestions, reviews, gold; its ids'
    range) run under the export's small page cache too, and every connection has its own
    setting back afterwards: with the connection's 64 MB cache, the checks that walk the
    records' index kept 18 MB of its pages for the rest of a 1M-record export."""
    from accord.store.export import paging
    from accord.store.export import reads as reads_module
    from accord.store.export.sqlite import _CACHE_KB

    seen: dict[str, int] = {}

    def cache(conn) -> int:
        return conn.execute("PRAGMA cache_size").fetchone()[0]

    for name in ("has_suggestions", "has_reviews", "has_gold"):
        check = getattr(reads_module._Reader, name)

        def spy(self, dataset_id, _check=check, _name=name):
            seen[_name] = cache(self.conn.connection.driver_connection)
            return _check(self, dataset_id)

        monkeypatch.setattr(reads_module._Reader, name, spy)
    run = paging.run

    def run_spy(conn, sql, params, **kw):
        if "min(id)" in sql:
            seen["id range"] = cache(conn)
        return run(conn, sql, params, **kw)

    monkeypatch.setattr(paging, "run", run_spy)
    with session_scope(awkward) as s, snapshot_readers(s) as readers:
        ds = get_dataset(s, "pw").id
        raw = s.connection().connection.driver_connection
        before = [cache(c) for c in [raw, *readers]]
        assert readers and before == [-65536] * (1 + len(readers))
        pages = list(iter_record_lines(s, ds, batch_size=2, readers=readers))
        assert pages
        assert seen == {"has_suggestions": _CACHE_KB, "has_reviews": _CACHE_KB,
                        "has_gold": _CACHE_KB, "id range": _CACHE_KB}
        assert [cache(c) for c in [raw, *readers]] == before
