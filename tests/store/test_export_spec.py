"""The three writers of the export shape (accord/store/export/spec.py) give the same bytes.

For hostile values (quotes, backslashes, control characters, NUL where the
backend stores it, emoji, U+2028, ``</script>``, JSON nulls and numbers that
``jsonb`` keeps in another form), on SQLite and PostgreSQL: the database's
per-record JSON (``iter_json_records``), its JSONL pages (``iter_record_lines``)
and its Arrow pages (``iter_record_columns``) are what the Python writer
(``json_record``/``line_text``) gives for the generic read, byte for byte.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from accord.store import make_engine, session_scope, write_scope
from accord.store.datasets import get_dataset
from accord.store.export import (
    iter_export_records,
    iter_json_records,
    iter_record_columns,
    iter_record_lines,
    json_record,
)
from accord.store.export.rows import line_text
from accord.store.export.spec import CHILDREN, KINDS, RECORD, Column
from accord.store.imported_responses import ImportedSuggestion, write_suggestions
from accord.store.models import Record, Response, Review, Suggestion, User, utcnow
from tests.io.export_data import gold, pairwise_dataset, review

FULL = {"full": True, "response_statuses": None, "suggestions": True, "reviews": True,
        "gold": True}
HOSTILE = ['"', "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "\u2028", "\u2029", "😀", "é",
           "</script>", "'", "%s", "%(ds)s", ":ds", "?", ", ", ": ", "null", "\x02", "\x03"]


def _text(nul: bool) -> st.SearchStrategy[str]:
    chars = st.characters(blacklist_categories=("Cs",),
                          blacklist_characters=() if nul else ("\x00",))
    return st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(chars, max_size=4)),
                    max_size=6).map("".join)


_NUMBERS = st.one_of(st.integers(-10**15, 10**15), st.sampled_from(
    [0.1 + 0.2, 1e-05, 1.5, 3.0, -0.0, 1e16, 2.5e-7, 123456789.123456789, 1e300]),
    st.floats(allow_nan=False, allow_infinity=False))


def _json(nul: bool) -> st.SearchStrategy[object]:
    leaf = st.one_of(st.none(), st.booleans(), _NUMBERS, _text(nul))
    return st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_text(nul), inner, max_size=3)),
        max_leaves=6)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hostile(request, tmp_path_factory):
    """A dataset with every kind of child, on each backend (one per module)."""
    from tests.dbs import migrated

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('spec') / 'spec.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database("export_spec")
    engine = make_engine(migrated(url))
    pairwise_dataset(engine, n=3)
    with write_scope(engine) as s:
        ds = get_dataset(s, "pw")
        first = s.scalar(select(Record.id).where(Record.dataset_id == ds.id)
                         .order_by(Record.id))
        write_suggestions(s, [ImportedSuggestion(first, "quality", 4, 0.5, "m")],
                          stamp=utcnow())
        resp = s.scalar(select(Response.id).order_by(Response.id))
    review(engine, "pw", resp, "reject", reason="no")
    gold(engine, "pw", "r2", {"quality": 4})
    yield engine, request.param
    engine.dispose()


def _writes(engine, data) -> None:
    with write_scope(engine) as s:
        users = s.scalars(select(User.id).where(User.name.like("u%")).order_by(User.id)).all()
        for uid, name in zip(users, data["users"], strict=False):
            s.execute(update(User).where(User.id == uid).values(name=name))
        ids = s.scalars(select(Record.id).order_by(Record.id)).all()
        for rid, (fields, meta) in zip(ids, data["records"], strict=False):
            s.execute(update(Record).where(Record.id == rid).values(
                fields={"prompt": fields, "response_a": "a", "response_b": "b"}, meta=meta))
        responses = s.scalars(select(Response.id).order_by(Response.id)).all()
        for rid, (values, spent) in zip(responses, data["responses"], strict=False):
            s.execute(update(Response).where(Response.id == rid).values(
                values=values, time_spent=spent))
        s.execute(update(Suggestion).values(value=data["suggestion"][0],
                                            agent=data["suggestion"][1],
                                            score=data["suggestion"][2]))
        s.execute(update(Review).values(reason=data["reason"], values=data["suggestion"][0]))


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_without_nul(v) for v in value)
    return value


def _data(nul: bool) -> st.SearchStrategy[dict]:
    text, value = _text(nul), _json(nul)
    return st.fixed_dictionaries({
        "users": st.lists(text.map(lambda t: "~" + t), min_size=3, max_size=3,
                          unique_by=str.casefold),
        "records": st.lists(st.tuples(text, st.dictionaries(text, value, max_size=3)),
                            min_size=3, max_size=3),
        "responses": st.lists(st.tuples(st.dictionaries(text, value, max_size=3),
                                        _NUMBERS.map(float)),
                              min_size=6, max_size=6),
        "suggestion": st.tuples(value, text, st.one_of(st.none(), _NUMBERS.map(float))),
        "reason": st.one_of(st.none(), text),
    })


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=_data(nul=True))
def test_database_writers_give_the_python_bytes(hostile, data):
    _check(hostile, data)


@pytest.mark.soak
@settings(max_examples=300, deadline=None, phases=[Phase.generate],  # no shrinking: minutes
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=_data(nul=True))
def test_database_writers_give_the_python_bytes_at_length(hostile, data):
    _check(hostile, data)


def _check(hostile, data) -> None:
    engine, backend = hostile
    # PostgreSQL stores no NUL in text or jsonb; SQLite keeps it
    _writes(engine, data if backend == "sqlite" else _without_nul(data))
    with session_scope(engine) as s:
        ds = get_dataset(s, "pw").id
        python = [json_record(r) for r in iter_export_records(s, ds, **FULL)]
        database = list(iter_json_records(s, ds, batch_size=2))
        lines = b"".join(p.text for p in iter_record_lines(s, ds, batch_size=2))
        columns = list(iter_record_columns(s, ds, ["prompt"], batch_size=2))
    keys = ("id", "external_id", "fields_json", "metadata_json", "status", "is_gold",
            "responses", "suggestions", "reviews", "gold")
    assert [[getattr(r, k) for k in keys] for r in database] == \
        [[getattr(r, k) for k in keys] for r in python]
    assert lines == b"".join(line_text(r).encode() + b"\n" for r in python)
    for r in python:  # the lines are JSON, and mean the record
        assert orjson.loads(line_text(r))["responses"] == orjson.loads(r.responses)
    flat = [dict(zip(("responses", "suggestions", "reviews", "gold", "metadata"), cells,
                     strict=True))
            for page in columns for cells in zip(
                page.responses.to_pylist(), page.suggestions.to_pylist(),
                page.reviews.to_pylist(), page.gold.to_pylist(), page.metadata.to_pylist(),
                strict=True)]
    assert flat == [{"responses": r.responses, "suggestions": r.suggestions,
                     "reviews": r.reviews, "gold": r.gold, "metadata": r.metadata_json}
                    for r in python]
    assert [v for page in columns for v in page.fields["prompt"].to_pylist()] == \
        [orjson.loads(r.fields_json)["prompt"] for r in python]


def test_the_spec_names_every_key_once_and_refuses_unknown_kinds():
    keys = [c.key for c in RECORD] + [child.name for child in CHILDREN]
    assert keys == ["external_id", "fields", "metadata", "status", "is_gold", "responses",
                    "suggestions", "reviews", "gold"]
    for child in CHILDREN:
        names = [c.key for c in child.columns]
        assert len(names) == len(set(names)), child.name
        assert {c.kind for c in child.columns} <= set(KINDS)
    with pytest.raises(ValueError, match="kind 'float'"):
        Column("x", "x", "float")


# values jsonb wrote in another form than orjson (a key with a null value, 1e-05 as
# 0.00001, every digit of 1e20) and values it wrote alike: the exported columns are json
# holding orjson's text (migration 0014), which the database copies
_JSONB_DIFFERED = [{"gone": None}, {"small": 1e-05}, {"big": 1e20}, {"neg": -1e19},
                   {"nested": [{"x": None}]}, {"text": 'a": null'}]
_JSONB_AGREED = [{"list": [None, 1, None]}, {"id": "x 12345678901234567890123"},
                 {"edge": 0.0001, "large": 10 ** 17, "text": "null 0.000"}]


@pytest.mark.parametrize("hostile", ["postgres"], indirect=True)  # PostgreSQL's statements
def test_postgres_copies_the_stored_json_text(hostile, monkeypatch):
    """Every JSON value is the text accord stored (orjson's), written by the database for
    every record (no record left to Python), in one aggregate per child and page."""
    engine, backend = hostile
    assert backend == "postgres"
    from accord.store.export import line_page_sql
    from accord.store.export.compose import user_params
    from accord.store.json_text import json_text

    values = _JSONB_DIFFERED + _JSONB_AGREED
    with write_scope(engine) as s:
        ids = s.scalars(select(Response.id).order_by(Response.id)).all()
        for rid, value in zip(ids, values, strict=False):
            s.execute(update(Response).where(Response.id == rid).values(values=value,
                                                                         time_spent=1.5))
    with session_scope(engine) as s:
        ds = get_dataset(s, "pw").id
        python = [json_record(r) for r in iter_export_records(s, ds, **FULL)]
        lines = b"".join(p.text for p in iter_record_lines(s, ds, batch_size=2))
        rows = [r.responses for r in iter_json_records(s, ds, batch_size=2)]
        cells = [t for p in iter_record_columns(s, ds, [], batch_size=2)
                 for t in p.responses.to_pylist()]
        sql = line_page_sql(s, ds)
        raw = s.connection().connection.driver_connection
        names = dict(raw.execute("SELECT id, name FROM users").fetchall())
        stored = dict(raw.execute('SELECT id, "values"::text FROM responses').fetchall())
        # one aggregate of each child for the whole page, no subquery per record
        plan = "\n".join(r[0] for r in raw.execute(
            f"EXPLAIN {sql}", {"ds": ds, "lo": 0, "hi": 10 ** 12, "chunk": 10 ** 12,
                               **user_params(names)}))
    assert lines == b"".join(line_text(r).encode() + b"\n" for r in python)
    assert rows == cells == [r.responses for r in python]
    for rid, value in zip(ids, values, strict=False):
        assert stored[rid] == json_text(value), (value, stored[rid])
        assert f',"values":{json_text(value)},'.encode() in lines, value
    assert "SubPlan" not in plan and "Aggregate" in plan, plan
    import accord.store.export.compose as compose

    monkeypatch.setattr(compose, "USERS_INLINE", 1)  # names looked up in the aggregates
    with session_scope(engine) as s:
        assert "FROM users u WHERE" in line_page_sql(s, ds)
        assert b"".join(p.text for p in iter_record_lines(s, ds, batch_size=2)) == lines


def _column_cells(s, ds) -> list[tuple]:
    return [cells for page in iter_record_columns(s, ds, ["prompt"], batch_size=2)
            for cells in zip(page.ids, page.external_id.to_pylist(), page.status.to_pylist(),
                             page.is_gold.to_pylist(), page.fields["prompt"].to_pylist(),
                             page.metadata.to_pylist(), page.responses.to_pylist(),
                             page.suggestions.to_pylist(), page.reviews.to_pylist(),
                             page.gold.to_pylist(), strict=True)]


def test_pages_come_in_rows_of_a_few_records(hostile, monkeypatch):
    """PostgreSQL sends a page (JSONL lines or Arrow columns) as rows of a few records (a
    value of megabytes is copied into freshly faulted memory by the server,
    docs/benchmarks.md): together they are the page in id order, also when the rows arrive
    out of order; the page's statements run without JIT compilation."""
    from accord.store.export import paging
    from accord.store.export.postgres import POSTGRES

    engine, backend = hostile
    with session_scope(engine) as s:
        ds = get_dataset(s, "pw").id
        python = [json_record(r) for r in iter_export_records(s, ds, **FULL)]
        expected = b"".join(line_text(r).encode() + b"\n" for r in python)
        columns = [(r.id, r.external_id, r.status, r.is_gold,
                    orjson.loads(r.fields_json)["prompt"], r.metadata_json, r.responses,
                    r.suggestions, r.reviews, r.gold) for r in python]
        assert _column_cells(s, ds) == columns
        monkeypatch.setattr(paging, "_CHUNK_BYTES", 1)  # a record per row
        monkeypatch.setattr(paging, "_CHUNK_IDS", 1)
        found = list(iter_record_lines(s, ds, batch_size=2))
        assert b"".join(p.text for p in found) == expected
        assert [len(p.chunks) for p in found] == (
            [len(p.ids) for p in found] if backend == "postgres" else [1] * len(found))
        assert [len(p.ids) for p in found] == [2, 1]
        assert _column_cells(s, ds) == columns
        if backend == "postgres":
            assert s.connection().exec_driver_sql("SHOW jit").scalar() == "off"
            chunked = type(POSTGRES).chunked
            monkeypatch.setattr(type(POSTGRES), "chunked", lambda self, select, inner: (
                f"SELECT * FROM ({chunked(self, select, inner)}) y ORDER BY 1 DESC"))
            found = list(iter_record_lines(s, ds, batch_size=2))
            assert b"".join(p.text for p in found) == expected
            assert [i for p in found for i in p.ids] == [r.id for r in python]
            assert _column_cells(s, ds) == columns


@pytest.mark.parametrize("hostile", ["postgres"], indirect=True)  # PostgreSQL's statements
def test_postgres_fields_are_read_by_the_client(hostile):
    """PostgreSQL's Parquet page sends each record's stored fields text, which Arrow's JSON
    reader takes the fields from (``->>`` parsed the json text again in the server, 2.6 CPU
    s per 1M records); a page with a field that is not a string is read a row per record,
    where the field is ``->>``'s text, as before."""
    from accord.store.export import column_page_sql

    engine, _backend = hostile
    with session_scope(engine) as s:
        ds = get_dataset(s, "pw").id
        assert "->>" not in column_page_sql(s, ds, ["prompt"])
        python = [json_record(r) for r in iter_export_records(s, ds, **FULL)]
        prompts = [orjson.loads(r.fields_json)["prompt"] for r in python]
        assert [c[4] for c in _column_cells(s, ds)] == prompts
    with write_scope(engine) as s:
        first = s.scalar(select(Record.id).order_by(Record.id))
        before = s.scalar(select(Record.fields).where(Record.id == first))
        s.execute(update(Record).where(Record.id == first).values(
            fields={**before, "prompt": 12.5}))
    try:
        with session_scope(engine) as s:
            assert [c[4] for c in _column_cells(s, ds)] == ["12.5"] + prompts[1:]
    finally:
        with write_scope(engine) as s:
            s.execute(update(Record).where(Record.id == first).values(fields=before))
