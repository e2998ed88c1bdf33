"""The record browser's text search (``list_records(text=...)``): whole words through the
full-text index (FTS5 on SQLite, a GIN tsvector index on PostgreSQL) up to its watermark
and a scan of the records above it, so results are the same before and after the bulk
fill; kept right through edits and deletes, and safe against query syntax."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from accord.errors import InputError
from accord.schema import parse_settings
from accord.store import make_engine, session_scope, upgrade, write_scope
from accord.store.datasets import create_dataset, delete_dataset
from accord.store.models import utcnow
from accord.store.record_queries import list_records
from accord.store.records import RecordRow, delete_records, upsert_records
from accord.store.text_index import fill_text_index, indexed_upto, unindexed_tail

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


def _tail(engine) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return unindexed_tail(s)


def _indexed_rows(engine) -> int | None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        if engine.dialect.name == "sqlite":
            return s.execute(text("SELECT count(*) FROM records_fts_docsize")).scalar()
        return s.execute(text("SELECT count(*) FROM records_tsv")).scalar()


@pytest.fixture
def loaded(engine):  # type: ignore[no-untyped-def]
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, _rows(TEXTS), stamp=utcnow())
        return engine, ds.id


def _whole_words(engine, ds: int) -> None:  # type: ignore[no-untyped-def]
    assert _found(engine, ds, "fox") == ["r0"]  # a whole word: not "foxes"
    assert _found(engine, ds, "FOX") == ["r0"]
    assert _found(engine, ds, "animals") == ["r0", "r3", "r4"]  # the title field too
    assert _found(engine, ds, "animals dog") == ["r3"]  # every word must occur
    assert _found(engine, ds, "zebra CAFÉ") == ["r2"]
    assert _found(engine, ds, "cafe") == []  # diacritics count
    assert _found(engine, ds, "animals", descending=True) == ["r4", "r3", "r0"]
    assert _found(engine, ds, "animals", limit=2) == ["r0", "r3"]
    with session_scope(engine) as s:  # keyset paging goes on after the last id
        last = [r.id for r in list_records(s, ds, text="animals", limit=2)][-1]
    assert _found(engine, ds, "animals", after_id=last) == ["r4"]
    assert _found(engine, ds, "title") == []  # field names are not text
    assert _found(engine, ds, "nothing") == []
    assert _found(engine, ds, "animals", metadata={"k": "v"}) == []  # other filters apply


def test_the_same_words_are_found_before_and_after_the_fill(loaded):
    engine, ds = loaded
    assert _tail(engine) == len(TEXTS) and _indexed_rows(engine) == 0  # import wrote none
    _whole_words(engine, ds)  # the scan of the unindexed tail
    assert fill_text_index(engine) >= len(TEXTS)
    assert _tail(engine) == 0 and _indexed_rows(engine) == len(TEXTS)
    _whole_words(engine, ds)  # the index


SYNTAX = [  # FTS5 / tsquery syntax in the user's text is plain words
    ('"quoted"', ["r1"]), ('quoted"', ["r1"]), ("NEAR(term)", ["r1"]), ("term*", ["r1"]),
    ("-minus", ["r1"]), ("quoted:", ["r1"]), ("^quoted", ["r1"]), ("(term", ["r1"]),
    ("AND", ["r1"]), ("star OR nothing", []), ("NOT minus", []), ("{title}: a", []),
    ("ter*", []), ("dog OR fox", []), ("fox & !dog", []), ("dog | fox", []),
    ("%", None), ("a_b", []), ("quo%ted", []),
]


def test_query_syntax_in_the_text_is_plain_words(loaded):
    engine, ds = loaded
    expected = {q: found for q, found in SYNTAX if found is not None}
    assert {q: _found(engine, ds, q) for q in expected} == expected  # tail
    fill_text_index(engine)
    assert {q: _found(engine, ds, q) for q in expected} == expected  # index


def test_a_query_without_words_is_refused(loaded):
    engine, ds = loaded
    for q in ('"', "*", " - ", "()", "%", "_"):
        with pytest.raises(InputError, match="has no word") as err:
            _found(engine, ds, q)
        assert err.value.field == "q"
        with pytest.raises(InputError):
            _found(engine, ds, q)
    assert len(_found(engine, ds, "   ")) == len(TEXTS)  # blank: no filter


def test_a_rare_word_across_the_index_and_the_tail_in_id_order(engine):
    """One record in 60 holds the word; half are indexed, half are not."""
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS).id
        upsert_records(s, ds, [RecordRow(f"a{i}", {"text": f"row {i}" + (" needle" * (i == 7)),
                                                   "title": "common"}, {}) for i in range(30)],
                       stamp=utcnow())
    fill_text_index(engine)
    with write_scope(engine) as s:  # a second import the fill has not reached
        upsert_records(s, ds, [RecordRow(f"b{i}", {"text": f"row {i}" + (" needle" * (i == 3)),
                                                   "title": "common"}, {}) for i in range(30)],
                       stamp=utcnow())
    assert _tail(engine) == 30
    assert _found(engine, ds, "needle") == ["a7", "b3"]
    assert _found(engine, ds, "needle", descending=True) == ["b3", "a7"]
    everything = [f"a{i}" for i in range(30)] + [f"b{i}" for i in range(30)]
    assert _found(engine, ds, "common", limit=500) == everything
    assert _found(engine, ds, "common", limit=500, descending=True) == everything[::-1]
    with session_scope(engine) as s:  # pages of 25 cross from the index to the tail
        ids = [r.id for r in list_records(s, ds, text="common", limit=25)]
        page2 = [r.external_id for r in list_records(s, ds, text="common", limit=25,
                                                     after_id=ids[-1])]
        before = [r.id for r in list_records(s, ds, text="common", limit=40,
                                             descending=True)][-1]
        down = [r.external_id for r in list_records(s, ds, text="common", limit=40,
                                                    descending=True, before_id=before)]
    assert page2 == everything[25:50] and down == everything[:20][::-1]
    fill_text_index(engine, max_rows=10, chunk_rows=10)  # a partial fill moves the boundary
    assert 0 < _tail(engine) < 30
    assert _found(engine, ds, "needle") == ["a7", "b3"]
    fill_text_index(engine)
    assert _found(engine, ds, "needle", descending=True) == ["b3", "a7"]


def test_edited_and_deleted_records_leave_the_results(loaded):
    engine, ds = loaded
    with write_scope(engine) as s:  # edited before the fill: the tail holds the new text
        upsert_records(s, ds, _rows({"r4": ("foxes are plural", "insects")}), stamp=utcnow())
    fill_text_index(engine)
    assert _found(engine, ds, "animals") == ["r0", "r3"]
    with write_scope(engine) as s:  # a re-import changes r0's fields after the fill
        upsert_records(s, ds, _rows({"r0": ("a slow brown badger", "animals")}), stamp=utcnow())
    assert _found(engine, ds, "fox") == []
    assert _found(engine, ds, "badger") == ["r0"]
    with session_scope(engine) as s:
        r3 = [r.id for r in list_records(s, ds, text="dog")]
    with write_scope(engine) as s:
        assert delete_records(s, ds, r3) == 1
    assert _found(engine, ds, "dog") == []
    assert _found(engine, ds, "animals") == ["r0"]
    with write_scope(engine) as s:  # a new dataset: the old one's words are gone
        delete_dataset(s, "d")
        again = create_dataset(s, "d", SETTINGS).id
        upsert_records(s, again, _rows({"n0": ("fresh start", "animals")}), stamp=utcnow())
    assert _found(engine, again, "fresh") == ["n0"] and _found(engine, again, "fox") == []
    fill_text_index(engine)
    assert _found(engine, again, "fresh") == ["n0"] and _found(engine, again, "fox") == []
    assert _indexed_rows(engine) == 1  # the index holds exactly the live records
    assert _found(engine, again, "animals") == ["n0"]


def test_a_reused_id_is_not_taken_for_indexed(engine):
    """SQLite hands the largest id out again once it is deleted: the record that gets it
    must not be hidden below the watermark nor match the deleted record's words."""
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS).id
        upsert_records(s, ds, _rows(TEXTS), stamp=utcnow())
    fill_text_index(engine)
    with session_scope(engine) as s:
        top = max(r.id for r in list_records(s, ds))
    with write_scope(engine) as s:
        delete_records(s, ds, [top])
        upsert_records(s, ds, _rows({"new": ("brand new words", "plants")}), stamp=utcnow())
    with session_scope(engine) as s:
        reused = max(r.id for r in list_records(s, ds))
    assert reused == top or engine.dialect.name == "postgresql"  # sequences do not reuse
    assert _found(engine, ds, "brand") == ["new"]
    assert _found(engine, ds, "foxes") == []  # r4's words went with it
    fill_text_index(engine)
    assert _found(engine, ds, "brand") == ["new"] and _found(engine, ds, "foxes") == []
    assert _found(engine, ds, "plants") == ["new"]


def test_the_upgrade_marks_existing_records_unindexed(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0012")
        with write_scope(engine) as s:
            ds = create_dataset(s, "d", SETTINGS).id
            upsert_records(s, ds, _rows(TEXTS), stamp=utcnow())
        upgrade(engine)
        with session_scope(engine) as s:
            assert indexed_upto(s) == 0 and unindexed_tail(s) == len(TEXTS)
        assert _found(engine, ds, "animals") == ["r0", "r3", "r4"]  # found by the scan
        fill_text_index(engine)
        assert _indexed_rows(engine) == len(TEXTS)
        assert _found(engine, ds, "animals") == ["r0", "r3", "r4"]
        if engine.dialect.name == "postgresql":  # the indexed half can use the GIN index
            with session_scope(engine) as s:
                s.execute(text("SET LOCAL enable_seqscan = off"))
                plan = "\n".join(s.execute(text(
                    "EXPLAIN SELECT id FROM records_tsv WHERE tsv @@ "
                    "plainto_tsquery('simple'::regconfig, 'animals')")).scalars())
                assert "ix_records_tsv" in plan, plan
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # the planner's statistics
def test_postgres_fetches_a_rare_word_through_the_index(engine):
    """PostgreSQL estimates a word missing from the index statistics at a high share and
    would walk every record in id order; a rare word is sorted from the index's matches."""
    from accord.store.text_search import text_match

    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS).id
        upsert_records(s, ds, [RecordRow(f"r{i}", {"text": f"common word {i}", "title": "t"},
                                         {}) for i in range(300)], stamp=utcnow())
    fill_text_index(engine)
    with session_scope(engine) as s:
        assert text_match(s, "common").rare  # no statistics yet: trust the index
    with engine.connect() as conn:
        conn.execute(text("ANALYZE records_tsv"))
        conn.commit()
    with session_scope(engine) as s:
        assert not text_match(s, "common word").rare
        assert text_match(s, "common needle").rare
    assert _found(engine, ds, "common 7") == ["r7"]
    assert _found(engine, ds, "common", limit=3, descending=True) == ["r299", "r298", "r297"]
