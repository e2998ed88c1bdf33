"""The record browser's text search (``list_records(text=...)``): whole words through the
full-text index (FTS5 on SQLite, a GIN tsvector index on PostgreSQL), kept in sync with
inserts, edits and deletes, and safe against query syntax in the user's text."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from accord.schema import parse_settings
from accord.store import make_engine, session_scope, upgrade, write_scope
from accord.store.datasets import create_dataset, delete_dataset
from accord.store.models import utcnow
from accord.store.record_queries import list_records
from accord.store.records import RecordRow, delete_records, upsert_records

SETTINGS = parse_settings({"fields": [{"name": "text", "type": "text"},
                                      {"name": "title", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]})
TEXTS = {
    "r0": ("the quick brown fox", "animals"),
    "r1": ('a "quoted" NEAR(term) and OR - minus * star', "operators"),
    "r2": ("Zebra crossing café", "streets"),
    "r3": ("lazy dog sleeps", "animals"),
    "r4": ("foxes are plural", "more animals"),
}


def _rows(texts: dict[str, tuple[str, str]]) -> list[RecordRow]:
    return [RecordRow(k, {"text": t, "title": title}, {}) for k, (t, title) in texts.items()]


def _found(engine, ds_id: int, q: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return [r.external_id for r in list_records(s, ds_id, text=q, **kw)]


@pytest.fixture
def loaded(engine):  # type: ignore[no-untyped-def]
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, _rows(TEXTS), stamp=utcnow())
        return engine, ds.id


def test_whole_words_of_every_text_field(loaded):
    engine, ds = loaded
    assert _found(engine, ds, "fox") == ["r0"]  # a whole word: not "foxes"
    assert _found(engine, ds, "FOX") == ["r0"]
    assert _found(engine, ds, "animals") == ["r0", "r3", "r4"]  # the title field too
    assert _found(engine, ds, "animals dog") == ["r3"]  # every word must occur
    assert _found(engine, ds, "zebra CAFÉ") == ["r2"]
    assert _found(engine, ds, "animals", descending=True) == ["r4", "r3", "r0"]
    first = _found(engine, ds, "animals", limit=2)
    assert first == ["r0", "r3"]
    with session_scope(engine) as s:  # keyset paging goes on after the last id
        last = [r.id for r in list_records(s, ds, text="animals", limit=2)][-1]
    assert _found(engine, ds, "animals", after_id=last) == ["r4"]
    assert _found(engine, ds, "title") == []  # field names are not text
    assert _found(engine, ds, "nothing") == []


@pytest.mark.parametrize(("q", "expected"), [
    ('"quoted"', ["r1"]), ('quoted"', ["r1"]), ("NEAR(term)", ["r1"]), ("term*", ["r1"]),
    ("-minus", ["r1"]), ("quoted:", ["r1"]), ("^quoted", ["r1"]), ("(term", ["r1"]),
    ("AND", ["r1"]), ("star OR nothing", []), ("NOT minus", []), ("{title}: a", []),
    ("ter*", []), ("dog OR fox", []),
])
def test_query_syntax_in_the_text_is_plain_words(loaded, q, expected):
    engine, ds = loaded
    assert _found(engine, ds, q) == expected


def test_a_query_without_words_is_refused(loaded):
    engine, ds = loaded
    for q in ('"', "*", " - ", "()"):
        with pytest.raises(ValueError, match="at least one word"):
            _found(engine, ds, q)
    assert len(_found(engine, ds, "   ")) == len(TEXTS)  # blank: no filter


def test_edited_and_deleted_records_leave_the_results(loaded):
    engine, ds = loaded
    with write_scope(engine) as s:  # a re-import changes r0's fields
        upsert_records(s, ds, _rows({"r0": ("a slow brown badger", "animals")}), stamp=utcnow())
    assert _found(engine, ds, "fox") == []
    assert _found(engine, ds, "badger") == ["r0"]
    with session_scope(engine) as s:
        r3 = [r.id for r in list_records(s, ds, text="dog")]
    with write_scope(engine) as s:
        assert delete_records(s, ds, r3) == 1
    assert _found(engine, ds, "dog") == []
    assert _found(engine, ds, "animals") == ["r0", "r4"]
    with write_scope(engine) as s:  # a new dataset: the old one's words are gone
        delete_dataset(s, "d")
        again = create_dataset(s, "d", SETTINGS).id
        upsert_records(s, again, _rows({"n0": ("fresh start", "x")}), stamp=utcnow())
    assert _found(engine, again, "animals") == [] and _found(engine, again, "fresh") == ["n0"]
    if engine.dialect.name == "sqlite":  # the index holds exactly the live records
        with session_scope(engine) as s:
            assert s.execute(text("SELECT count(*) FROM records_fts")).scalar() == 1
            assert s.execute(text("SELECT rowid FROM records_fts WHERE records_fts "
                                  "MATCH 'animals'")).all() == []


def test_the_migration_back_fills_existing_records(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0012")
        with write_scope(engine) as s:
            ds = create_dataset(s, "d", SETTINGS).id
            upsert_records(s, ds, _rows(TEXTS), stamp=utcnow())
        upgrade(engine)
        assert _found(engine, ds, "animals") == ["r0", "r3", "r4"]
        with session_scope(engine) as s:
            if engine.dialect.name == "sqlite":
                n = s.execute(text("SELECT count(*) FROM records_fts")).scalar()
                assert n == len(TEXTS)
            else:  # the query can use the expression index
                s.execute(text("SET LOCAL enable_seqscan = off"))
                plan = "\n".join(s.execute(text(
                    "EXPLAIN SELECT id FROM records WHERE to_tsvector('simple'::regconfig, "
                    "fields) @@ plainto_tsquery('simple'::regconfig, 'animals')")).scalars())
                assert "ix_records_fields_tsv" in plan, plan
    finally:
        engine.dispose()
