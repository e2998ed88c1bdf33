"""The annotator loop's unit of work off the event loop (accord.store.engine.write_unit) and
its first statement, which on PostgreSQL also holds the dataset row
(accord.store.access.caller_with_dataset)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

import accord.store.datasets as datasets_module
from accord.errors import NotFound
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.access import caller_with_dataset
from accord.store.datasets import add_member, create_dataset, hold_dataset
from accord.store.engine import write_unit
from accord.store.models import User
from accord.store.users import create_token, create_user

SETTINGS = parse_settings({"fields": [{"name": "text", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]})


def test_write_unit_commits_or_rolls_back_and_gives_its_connection_back(engine):
    assert write_unit(engine, lambda s: create_user(s, "kept", "annotator").name) == "kept"

    def fails(s):  # type: ignore[no-untyped-def]
        create_user(s, "lost", "annotator")
        s.flush()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_unit(engine, fails)
    with session_scope(engine) as s:
        assert s.scalars(select(User.name)).all() == ["kept"]
    assert engine.pool.checkedout() == 0


def test_the_callers_statement_holds_the_dataset_row(engine, monkeypatch):
    """On PostgreSQL the loop's first statement (the caller and the dataset) also takes the
    dataset row's key-share lock, so a dataset delete waits for the request from its first
    round trip, and hold_dataset then runs no statement of its own; in the session's next
    transaction it takes the lock again. SQLite takes no row locks."""
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        user = create_user(s, "ann", "annotator")
        add_member(s, ds, user)
        token = create_token(s, user)
    postgres = engine.dialect.name == "postgresql"
    real_run = datasets_module.run
    with write_scope(engine) as s:
        found, access = caller_with_dataset(s, token, "d", kind="api", hold=True)
        held, _settings, member = access()
        assert found is not None and found.name == "ann" and member and held.id == ds.id
        if postgres:
            with engine.connect() as other, pytest.raises(OperationalError, match="lock"):
                other.execute(text("SELECT id FROM datasets WHERE id = :id FOR UPDATE NOWAIT"),
                              {"id": ds.id})
        monkeypatch.setattr(datasets_module, "run", lambda *a: pytest.fail("locked twice"))
        hold_dataset(s, held)
        s.commit()
        ran: list[object] = []
        monkeypatch.setattr(datasets_module, "run", lambda *a: ran.append(a) or real_run(*a))
        hold_dataset(s, held)  # the session's next transaction takes it again
        assert len(ran) == (1 if postgres else 0)
    with write_scope(engine) as s:
        found, access = caller_with_dataset(s, token, "nope", kind="api", hold=True)
        assert found is not None
        with pytest.raises(NotFound):
            access()


def _loop_setup(engine, n=3):  # type: ignore[no-untyped-def]
    from accord.store.models import utcnow
    from accord.store.records import RecordRow, upsert_records

    with write_scope(engine) as s:
        ds = create_dataset(s, "loop", SETTINGS)
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"t{i}"}, {}) for i in range(n)],
                       stamp=utcnow())
        user = create_user(s, "ann", "annotator")
        add_member(s, ds, user)
        return create_token(s, user)


def _unit(engine, fn):  # type: ignore[no-untyped-def]
    """The loop's unit of work: SQLite on the event loop's kept connection, PostgreSQL in a
    worker thread's (as accord.server.deps.run_annotator_work runs it)."""
    from accord.store.engine import NOT_NOW, write_now

    out = write_now(engine, fn)
    return write_unit(engine, fn) if out is NOT_NOW else out


def _loop_request(token, work):  # type: ignore[no-untyped-def]
    """What accord.server.deps.run_annotator_work runs in a request's unit of work."""

    def body(s):  # type: ignore[no-untyped-def]
        user, access = caller_with_dataset(s, token, "loop", kind="api", hold=True)
        ds, settings, member = access()
        assert user is not None and member
        hold_dataset(s, ds)
        return work(s, ds, settings, user)

    return body


def test_the_loops_next_and_submit_make_no_orm_session(engine):
    """The loop's two requests run on the unit's connection alone: no ORM session is made
    (it was about a tenth of a next + submit cycle's CPU); the work is committed."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from accord.store.detached import load_record
    from accord.store.models import Response
    from accord.workflow import save_response
    from accord.workflow.workforce import hand_out

    token = _loop_setup(engine)
    sessions: list[object] = []

    def made(session, _tx):  # type: ignore[no-untyped-def]
        sessions.append(session)

    def next_(s, ds, settings, user):  # type: ignore[no-untyped-def]
        return hand_out(s, ds, settings, user).record.id

    def submit(s, ds, settings, user):  # type: ignore[no-untyped-def]
        return save_response(s, ds, settings, load_record(s, rid), user, {"y": "a"},
                             status="submitted", remote=True).version

    event.listen(Session, "after_transaction_create", made)
    try:
        rid = _unit(engine, _loop_request(token, next_))
        assert _unit(engine, _loop_request(token, submit)) == 1
    finally:
        event.remove(Session, "after_transaction_create", made)
    assert sessions == []
    with session_scope(engine) as s:
        assert s.scalars(select(Response.status).where(Response.record_id == rid)).all() \
            == ["submitted"]


def test_a_unit_that_needs_the_orm_gets_a_session_in_the_same_transaction(engine):
    """The first ORM use in a unit makes a session joined to the unit's transaction: the
    unit's direct statements and the session's changes commit or roll back together."""
    from sqlalchemy import update

    from accord.store.direct import run

    with write_scope(engine) as s:
        create_user(s, "first", "annotator")

    def work(s, fail):  # type: ignore[no-untyped-def]
        run(s, update(User).where(User.name == "first").values(active=False), {})
        assert s.session is None  # the direct path made no session
        create_user(s, "second", "annotator")  # ORM: add + flush
        assert s.session is not None
        if fail:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _unit(engine, lambda s: work(s, True))
    with session_scope(engine) as s:
        assert s.execute(select(User.name, User.active)).all() == [("first", True)]
    _unit(engine, lambda s: work(s, False))
    with session_scope(engine) as s:
        assert s.execute(select(User.name, User.active).order_by(User.id)).all() == \
            [("first", False), ("second", True)]
    # SQLite's unit runs on a connection kept checked out (accord.store.engine.write_now)
    assert engine.pool.checkedout() == (1 if engine.dialect.name == "sqlite" else 0)


def test_the_membership_row_is_read_once_and_forgotten_when_it_changes(engine):
    """member_row gives the row the unit's first statement read (a plain row, no ORM);
    after anything changes the membership row it reads the row as it is now."""
    from accord.store.workforce import MemberRow, mark_untracked, member_row

    token = _loop_setup(engine)

    def work(s, ds, settings, user):  # type: ignore[no-untyped-def]
        first = member_row(s, ds.id, user.id)
        assert isinstance(first, MemberRow) and first.claimed == 0 and s.session is None
        assert member_row(s, ds.id, user.id + 1) is None  # another user: looked up
        mark_untracked(s, ds.id, user.id)
        now = member_row(s, ds.id, user.id)
        assert not isinstance(now, MemberRow) and now.claimed == -1
        return True

    assert _unit(engine, _loop_request(token, work))
