"""accord.store.direct: a prebuilt statement on the DBAPI cursor gives what
``Connection.execute`` gives (typed values, named rows, row counts, SQLAlchemy's errors)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from accord.schema import parse_settings
from accord.store import write_scope
from accord.store.datasets import create_dataset
from accord.store.direct import run
from accord.store.models import Record, User, utcnow
from accord.store.queue import add_lease, claim_record, lease_of, take_lease
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user

SETTINGS = parse_settings({"fields": [{"name": "text", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
                           "distribution": {"overlap": 2}})
_RECORD = select(Record.id, Record.fields, Record.is_gold, Record.created_at,
                 Record.priority).where(Record.dataset_id == bindparam("ds"))
_NEW_USER = User.__table__.insert()


def test_rows_match_connection_execute(engine):
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"t {i}"}, {}) for i in range(3)],
                       stamp=utcnow())
        expected = s.connection().execute(_RECORD, {"ds": ds.id}).all()
        got = run(s, _RECORD, {"ds": ds.id}).all()
        assert [tuple(r) for r in got] == [tuple(r) for r in expected]
        first = got[0]
        assert first.fields == {"text": "t 0"} and first.is_gold is False
        assert first.created_at.tzinfo is not None  # the UTC type's result processor ran
        assert run(s, _RECORD, {"ds": ds.id + 1}).first() is None


def test_leases_row_counts_and_returning(engine):
    now = utcnow()
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow("r", {"text": "t"}, {})], stamp=now)
        rid = s.scalar(select(Record.id))
        uid = create_user(s, "ann", "annotator").id
        assert claim_record(s, rid, 2) and claim_record(s, rid, 2)
        assert not claim_record(s, rid, 2)  # rowcount 0: no slot left
        assert add_lease(s, rid, uid, ds.id, now, 60, counted=True)
        assert not add_lease(s, rid, uid, ds.id, now, 60, counted=True)  # already held
        fact = lease_of(s, rid, uid)
        assert fact is not None and fact.counted is True
        assert abs(fact.created_at - now) < timedelta(seconds=1)
        assert take_lease(s, rid, uid) == fact
        assert take_lease(s, rid, uid) is None


def test_errors_are_sqlalchemy_errors(engine):
    with pytest.raises(IntegrityError), write_scope(engine) as s:
        row = {"name": "twin", "role": "annotator", "active": True, "created_at": utcnow()}
        run(s, _NEW_USER, row)
        run(s, _NEW_USER, row)


def test_each_transaction_of_a_session_runs_on_its_own_connection(engine):
    """run() remembers the connection of the session's transaction; after a commit the
    session's next transaction may hold another one, and run() must follow it."""
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow("r0", {"text": "t"}, {})], stamp=utcnow())
        first = s.connection()
        assert len(run(s, _RECORD, {"ds": ds.id}).all()) == 1
        s.commit()
        upsert_records(s, ds.id, [RecordRow("r1", {"text": "t"}, {})], stamp=utcnow())
        assert s.connection() is not first
        assert len(run(s, _RECORD, {"ds": ds.id}).all()) == 2
        s.rollback()
        assert len(run(s, _RECORD, {"ds": ds.id}).all()) == 1



def test_one_cursor_per_connection_and_a_new_one_after_an_error(engine):
    """run() keeps one DBAPI cursor per connection (a new psycopg cursor copies the
    connection's adapters: ~4 % of a loop cycle); a failed statement drops it, so the
    connection's next statement runs on a new cursor."""
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow("r0", {"text": "t"}, {})], stamp=utcnow())
        info = s.connection().connection.info
        run(s, _RECORD, {"ds": ds.id})
        kept = info["accord_direct_cursor"][1]
        assert [r.fields for r in run(s, _RECORD, {"ds": ds.id}).all()] == [{"text": "t"}]
        assert info["accord_direct_cursor"][1] is kept
    row = {"name": "twin", "role": "annotator", "active": True, "created_at": utcnow()}
    with pytest.raises(IntegrityError), write_scope(engine) as s:
        info = s.connection().connection.info
        run(s, _NEW_USER, row)
        kept = info["accord_direct_cursor"][1]
        run(s, _NEW_USER, row)
    assert "accord_direct_cursor" not in info
    with write_scope(engine) as s:
        assert len(run(s, _RECORD, {"ds": ds.id}).all()) == 1
        assert s.connection().connection.info["accord_direct_cursor"][1] is not kept


def test_a_failed_statement_in_a_savepoint_leaves_the_transaction_usable(engine):
    """run() inside ``session.begin_nested()`` runs in the savepoint: a statement that fails
    there rolls back to it, and the outer transaction goes on (on PostgreSQL a failed
    statement outside a savepoint aborts the whole transaction)."""
    row = {"name": "twin", "role": "annotator", "active": True, "created_at": utcnow()}
    with write_scope(engine) as s:
        run(s, _NEW_USER, row)  # the connection is taken (and remembered) before the savepoint
        with pytest.raises(IntegrityError), s.begin_nested():
            run(s, _NEW_USER, {**row, "name": "other"})
            run(s, _NEW_USER, row)
        names = run(s, select(User.name).order_by(User.name), {}).all()
        assert [r.name for r in names] == ["twin"]  # "other" went with the savepoint
        run(s, _NEW_USER, {**row, "name": "after"})
    with write_scope(engine) as s:
        assert sorted(s.scalars(select(User.name))) == ["after", "twin"]
