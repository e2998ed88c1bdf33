"""Upgrading a populated database from the first migration to the latest.

The rows are realistic: :func:`tests.reliability.populate.populate` writes a
full database through the library at the latest revision, and every row is
then inserted, with the columns that existed at revision 0001, into a
database created at 0001 (SQLAlchemy Core on the tables reflected from that
database, so only SQL valid at 0001 is used). After ``upgrade`` to head every
old row must still be there unchanged, the newer tables and columns must
exist, and the annotator workflow must carry on.
"""

from __future__ import annotations

from sqlalchemy import MetaData, func, inspect, select, text

from accord.store import make_engine, upgrade
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.migrate import current_revision, head_revision, revisions
from accord.store.models import Base
from accord.store.users import get_user
from accord.workflow import next_record, save_response
from tests.reliability.populate import _plain, dump_tables, populate
from tests.reliability.reconcile import reconcile


def _rows(engine) -> dict[str, list[dict]]:
    meta = MetaData()
    meta.reflect(engine)
    with session_scope(engine) as s:
        return {t.name: [dict(r._mapping) for r in s.execute(select(t))]
                for t in meta.sorted_tables if t.name != "alembic_version"}


def test_populated_upgrade_from_first_revision(db_url, tmp_path):
    assert revisions()[0] == "0001" and len(revisions()) >= 2
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    upgrade(source)
    populate(source)
    rows = _rows(source)
    source.dispose()

    engine = make_engine(db_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    old = MetaData()
    old.reflect(engine)
    written: dict[str, list[dict]] = {}
    with engine.begin() as conn:
        for table in old.sorted_tables:  # parents before children
            if table.name == "alembic_version" or not rows.get(table.name):
                continue
            cols = set(table.c.keys())
            written[table.name] = [{k: v for k, v in r.items() if k in cols}
                                   for r in rows[table.name]]
            conn.execute(table.insert(), written[table.name])
        if engine.dialect.name == "postgresql":  # as if the ids had come from the sequences
            for table in old.sorted_tables:
                if "id" in table.c and written.get(table.name):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                      f"'id'), (SELECT max(id) FROM {table.name}))"))
    assert {"responses", "response_history", "reviews", "leases", "records"} <= set(written)

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    after = _rows(engine)
    for name, before in written.items():
        kept = [{k: _plain(r[k]) for k in before[0]} for r in after[name]]
        was = [{k: _plain(v) for k, v in r.items()} for r in before]
        assert sorted(kept, key=repr) == sorted(was, key=repr), f"{name} changed on upgrade"
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables, "a table is missing"
    for table in Base.metadata.sorted_tables:  # every column the models expect exists
        have = {c["name"] for c in inspect(engine).get_columns(table.name)}
        assert set(table.c.keys()) <= have, f"{table.name} lacks {set(table.c.keys()) - have}"
    reconcile(engine, "d", allow_over_assignment=True).assert_ok()

    # the workflow carries on in the upgraded database
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        settings = settings_of(ds)
        user = get_user(s, "ann0")
        for _ in range(3):
            rec = next_record(s, ds, settings, user)
            if rec is not None:
                save_response(s, ds, settings, rec, user, {"label": "pos"}, status="submitted")
    reconcile(engine, "d", allow_over_assignment=True).assert_ok()
    with session_scope(engine) as s:
        n = s.scalar(select(func.count()).select_from(Base.metadata.tables["responses"]))
    assert n > len(written["responses"])
    assert dump_tables(engine)["alembic_version"] == [(head_revision(),)]
    engine.dispose()
