"""accord.store.pq_direct: on PostgreSQL :func:`accord.store.direct.run` sends its statements
through libpq's blocking calls, with psycopg's own query conversion, adapters, loaders and
prepared-statement cache. The rows are the ones psycopg's cursor gives
(``Connection.execute``), the statements are prepared when and as psycopg would prepare
them, and when psycopg forgets them (a rollback deallocates them all) the lane does too."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from accord.schema import parse_settings
from accord.store import write_scope
from accord.store.datasets import create_dataset
from accord.store.direct import run
from accord.store.models import Record, User, utcnow
from accord.store.records import RecordRow, upsert_records

pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


def _lane_on() -> None:
    """The lane runs only on the psycopg release series it was checked against."""
    import psycopg

    from accord.store.pq_direct import TESTED, series

    if series(psycopg.__version__) not in TESTED:  # pragma: no cover - another release
        pytest.skip(f"psycopg {psycopg.__version__}: the libpq lane is off (not in "
                    f"accord.store.pq_direct.TESTED), statements take the cursor")


def test_the_lane_is_only_for_the_psycopg_series_it_was_checked_against(db_url):
    from accord.store.pq_direct import TESTED, series

    assert series("3.3.9") == (3, 3) and series("3.3.0.dev1") == (3, 3)
    assert series("garbage") == () and series("4") == (4,)
    assert (3, 3) in TESTED and (3, 4) not in TESTED and () not in TESTED

SETTINGS = parse_settings({"fields": [{"name": "text", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
                           "distribution": {"overlap": 2}})
# JSON stored as text and as jsonb, timestamps, a boolean, a float, NULLs
_RECORDS = (select(Record.id, Record.fields, Record.meta, Record.vectors, Record.is_gold,
                   Record.created_at, Record.priority, Record.status)
            .where(Record.dataset_id == bindparam("ds")).order_by(Record.id))
_NONE = select(Record.id).where(Record.dataset_id == bindparam("ds"),
                                Record.external_id == bindparam("ext"))
_RAISE = (update(Record).where(Record.dataset_id == bindparam("ds"))
          .values(priority=Record.priority + bindparam("by"), updated_at=bindparam("now")))
_RAISE_RETURNING = _RAISE.returning(Record.id, Record.priority, Record.updated_at,
                                    Record.fields)
_NEW_USER = User.__table__.insert()
_NEW_USER_RETURNING = _NEW_USER.returning(User.__table__.c.id, User.__table__.c.created_at,
                                          User.__table__.c.active)


def _typed(rows):  # type: ignore[no-untyped-def]
    return sorted([(type(v), repr(v)) for v in r] for r in rows)  # (RETURNING's order varies)


def _dataset(engine):  # type: ignore[no-untyped-def]
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"t {i} é", "n": [i, None]},
                                            {"k": i} if i else {}) for i in range(3)],
                       stamp=utcnow())
        s.execute(update(Record).where(Record.external_id == "r1")
                  .values(vectors={"v": [0.5, 1.25]}, is_gold=True, priority=2.5))
        return ds.id


def _prepared(s):  # type: ignore[no-untyped-def]
    return s.connection().exec_driver_sql(
        "SELECT name, statement FROM pg_prepared_statements").all()


def test_the_statements_run_on_libpq_and_are_prepared_as_psycopg_would(engine):
    _lane_on()
    """Fails on the old code: there the kept cursor ran every statement."""
    ds = _dataset(engine)
    with write_scope(engine) as s:
        dbapi = s.connection().connection.dbapi_connection
        threshold = dbapi.prepare_threshold
        assert threshold is not None
        for _ in range(threshold):  # psycopg prepares a statement at its threshold-th run
            assert len(run(s, _RECORDS, {"ds": ds}).all()) == 3
            assert not [r for r in _prepared(s) if "FROM records" in r.statement
                        and "ORDER BY" in r.statement]
        assert len(run(s, _RECORDS, {"ds": ds}).all()) == 3
        cursor = s.connection().connection.info["accord_direct_cursor"][1]
        assert cursor.pgresult is None  # the kept cursor never executed
        names = {n.decode() for n in dbapi._prepared._names.values()}
        ours = [r for r in _prepared(s) if "FROM records" in r.statement
                and "ORDER BY" in r.statement]
        assert len(ours) == 1 and ours[0].name in names  # psycopg's cache holds its name


def test_rows_and_rowcounts_are_the_cursors(engine):
    ds = _dataset(engine)
    now = utcnow()
    with write_scope(engine) as s:
        conn = s.connection()
        for _ in range(8):  # unprepared, then prepared
            assert _typed(run(s, _RECORDS, {"ds": ds}).all()) == \
                _typed(conn.execute(_RECORDS, {"ds": ds}).all())
            assert run(s, _NONE, {"ds": ds, "ext": "nope"}).all() == []
        for stmt in (_RAISE, _RAISE_RETURNING):
            for _ in range(6):
                nested = s.begin_nested()
                s.connection()  # emits the SAVEPOINT (run() does, conn.execute does not)
                old = conn.execute(stmt, {"ds": ds, "by": 1.5, "now": now})
                expected = (_typed(old.all()) if stmt is _RAISE_RETURNING else [], old.rowcount)
                nested.rollback()  # psycopg deallocates everything: the lane follows
                nested = s.begin_nested()
                got = run(s, stmt, {"ds": ds, "by": 1.5, "now": now})
                assert (_typed(got.all()), got.rowcount) == expected == (expected[0], 3)
                nested.rollback()
        row = {"name": "u", "role": "annotator", "active": True, "created_at": now}
        assert run(s, _NEW_USER, row).rowcount == 1
        new = run(s, _NEW_USER_RETURNING, {**row, "name": "v"}).first()
        assert new.created_at == now and new.active is True
        assert _typed([new]) == _typed(conn.execute(
            select(User.id, User.created_at, User.active).where(User.name == "v")).all())


def test_a_rollback_deallocates_and_the_lane_prepares_again(engine):
    """psycopg sends DEALLOCATE ALL after a rollback when it holds prepared statements; a
    lane with a cache of its own would then run a name the server no longer has."""
    ds = _dataset(engine)
    with engine.connect() as conn:
        for _ in range(3):
            s = Session(bind=conn)
            for _ in range(7):
                assert len(run(s, _RECORDS, {"ds": ds}).all()) == 3
            assert any("ORDER BY" in r.statement for r in _prepared(s))
            s.rollback()
            s.close()
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements").scalar() == 0
            conn.rollback()


def test_no_prepared_statements_where_psycopg_would_prepare_none(engine):
    """``prepare_threshold = None`` (psycopg prepares nothing, as for a pooler that cannot
    follow prepared statements): the lane prepares nothing either."""
    ds = _dataset(engine)
    with write_scope(engine) as s:
        s.connection().connection.dbapi_connection.prepare_threshold = None
        for _ in range(10):
            assert len(run(s, _RECORDS, {"ds": ds}).all()) == 3
        assert not [r for r in _prepared(s) if "ORDER BY" in r.statement]
    engine.dispose()  # the connection with the changed setting


def test_the_first_statement_begins_the_transaction_as_psycopg_would(engine):
    ds = _dataset(engine)
    with Session(engine) as s:
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        assert len(run(s, _RECORDS, {"ds": ds}).all()) == 3  # sends the BEGIN
        assert s.connection().exec_driver_sql("SHOW transaction_isolation").scalar() == \
            "repeatable read"
        s.rollback()
