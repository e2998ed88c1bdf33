"""Migration 0014: PostgreSQL's exported JSON columns become ``json`` holding orjson's text.

The values are written at revision 0013 (``jsonb``), including the ones whose
``jsonb`` text is not orjson's (a key with a null value, small and large
numbers, a bare double); after the upgrade each column holds exactly the text
the write path (:func:`accord.store.json_text.json_text`) stores for the value the
application read before, SQL NULL and JSON ``null`` stay apart, and the text
index's trigger still re-indexes an edited record.
"""

from __future__ import annotations

import orjson
import psycopg
import pytest
from sqlalchemy import select, text, update

from accord.store import make_engine, upgrade
from accord.store.engine import session_scope, write_scope
from accord.store.json_text import json_text
from accord.store.migrate import downgrade
from accord.store.models import Record

VALUES = [{"gone": None, "k": 1}, {"small": 1e-05, "tiny": 2.5e-7}, {"big": 1e20},
          {"neg": -1e19, "n": [None, {"x": None}]}, {"s": 'a": null 0.0000 12345678901234567'},
          {"z": "é😀\u2028</script>\n\"", "a": [1.5, 3.0, 10 ** 17]}, 0.30000000000000004, -7,
          "text", [], {}]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # jsonb to json: PostgreSQL
def test_upgrade_stores_orjsons_text_of_every_value(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0013")
        raw = db_url.replace("+psycopg", "")
        with psycopg.connect(raw, autocommit=True) as c:
            c.execute("INSERT INTO users (id, name, role, active, created_at) "
                      "VALUES (1, 'u', 'annotator', true, now())")
            c.execute("INSERT INTO datasets (id, name, settings, settings_version, queue_epoch, "
                      "vectors_epoch, created_at, updated_at) VALUES "
                      "(1, 'd', '{}', 1, 0, 0, now(), now())")
            for i, value in enumerate(VALUES, start=1):
                doc = json_text(value)
                c.execute("INSERT INTO records (id, dataset_id, external_id, fields, metadata, "
                          "status, priority, queue_state, claims, submitted, is_gold, "
                          "created_at, updated_at) VALUES (%s, 1, %s, %s::jsonb, %s::jsonb, "
                          "'pending', 0, 0, 0, 0, false, now(), now())",
                          (i, f"r{i}", doc, "null" if i == 2 else doc))
                c.execute('INSERT INTO responses (id, record_id, dataset_id, user_id, "values", '
                          "status, time_spent, version, created_at, updated_at) VALUES "
                          "(%s, %s, 1, 1, %s::jsonb, 'submitted', 1, 1, now(), now())",
                          (i, i, doc))
                c.execute("INSERT INTO suggestions (id, record_id, question, value, agent, "
                          "created_at) VALUES (%s, %s, 'q', %s::jsonb, '', now())",
                          (i, i, "null" if i == 3 else doc))
                c.execute('INSERT INTO reviews (id, response_id, dataset_id, verdict, "values", '
                          "created_at) VALUES (%s, %s, 1, 'fix', %s::jsonb, now())",
                          (i, i, None if i == 3 else doc))
                c.execute('INSERT INTO gold_answers (record_id, "values", created_at, '
                          "attention) VALUES (%s, %s::jsonb, now(), false)", (i, doc))
            c.execute("UPDATE record_text_index SET upto = 100")
            before = {(t, col): c.execute(f'SELECT {k}, "{col}"::text FROM {t} ORDER BY {k}'
                                          ).fetchall() for t, k, col in _COLUMNS}
        upgrade(engine)
        with psycopg.connect(raw, autocommit=True) as c:
            for t, k, col in _COLUMNS:
                kind = c.execute("SELECT data_type FROM information_schema.columns WHERE "
                                 "table_name = %s AND column_name = %s", (t, col)).fetchone()
                assert kind == ("json",), (t, col)
                after = c.execute(f'SELECT {k}, "{col}"::text FROM {t} ORDER BY {k}').fetchall()
                assert [k for k, _ in after] == [k for k, _ in before[t, col]]
                for (key, was), (_, stored) in zip(before[t, col], after, strict=True):
                    # orjson's text of the value the application read (the engine's loader is
                    # orjson); SQL NULL stays NULL, JSON null stays the text null
                    assert stored == (None if was is None else json_text(orjson.loads(was))), \
                        (t, col, key, was, stored)
            assert c.execute("SELECT count(*) FROM suggestions WHERE value::text = 'null'"
                             ).fetchone() == (1,)
            assert c.execute('SELECT count(*) FROM reviews WHERE "values" IS NULL'
                             ).fetchone() == (1,)
        # the text index's trigger compares the texts: an edited record is indexed again
        with write_scope(engine) as s:
            s.execute(update(Record).where(Record.id == 1).values(fields={"p": "zebra"}))
        with session_scope(engine) as s:
            assert s.execute(text("SELECT tsv::text FROM records_tsv WHERE id = 1")
                             ).scalar() == "'zebra':1"
            assert s.scalar(select(Record.fields).where(Record.id == 1)) == {"p": "zebra"}
        downgrade(engine, "0013")  # back to jsonb, the same values
        with psycopg.connect(raw, autocommit=True) as c:
            assert c.execute("SELECT data_type FROM information_schema.columns WHERE "
                             "table_name = 'responses' AND column_name = 'values'"
                             ).fetchone() == ("jsonb",)
            assert c.execute('SELECT id, "values"::text FROM responses ORDER BY id'
                             ).fetchall() == before["responses", "values"]
    finally:
        engine.dispose()


_COLUMNS = (("records", "id", "fields"), ("records", "id", "metadata"),
            ("responses", "id", "values"), ("suggestions", "id", "value"),
            ("reviews", "id", "values"), ("gold_answers", "record_id", "values"))


def test_every_write_path_stores_orjsons_text(engine):
    """Imports, annotators' saves (the loop's statements), reviews, gold answers and
    suggestions all store the compact text the export copies (on PostgreSQL too)."""
    from accord.store.datasets import get_dataset
    from accord.store.imported_responses import ImportedSuggestion, write_suggestions
    from accord.store.models import utcnow
    from accord.store.records import get_record_by_external_id
    from tests.io.export_data import gold, pairwise_dataset, review, submit

    pairwise_dataset(engine, n=2)
    first = submit(engine, "pw", "r0", "u9", {"preference": {"choice": "a", "strength": None},
                                              "quality": 4, "rewrite": "é \"x\"\n 0.00001"})
    review(engine, "pw", first, "fix", values={"preference": {"choice": "b"}, "quality": 1,
                                                "rewrite": "y"})
    gold(engine, "pw", "r1", {"preference": {"choice": "a", "strength": 2}, "quality": 5,
                              "rewrite": "g"})
    with write_scope(engine) as s:
        rec = get_record_by_external_id(s, get_dataset(s, "pw").id, "r1")
        write_suggestions(s, [ImportedSuggestion(rec.id, "preference", {"choice": "a"}, 0.5,
                                                 "m"),
                              ImportedSuggestion(rec.id, "rewrite", "a, b: c", None, "m")],
                          stamp=utcnow())
    with session_scope(engine) as s:
        raw = s.connection().connection.driver_connection
        for table, _, column in _COLUMNS:
            cast = "::text" if engine.dialect.name == "postgresql" else ""
            texts = [t for t, in raw.execute(f'SELECT "{column}"{cast} FROM {table}').fetchall()
                     if isinstance(t, str)]  # SQLite keeps a bare number as a number
            assert texts, (table, column)
            for stored in texts:
                assert stored == json_text(orjson.loads(stored)), (table, column, stored)
