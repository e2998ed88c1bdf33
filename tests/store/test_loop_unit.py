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
