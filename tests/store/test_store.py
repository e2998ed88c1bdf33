from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from accord.errors import Conflict, NotFound
from accord.schema import parse_settings
from accord.store import make_engine, session_scope, write_scope
from accord.store.datasets import (
    add_member,
    create_dataset,
    get_dataset,
    is_member,
    settings_history,
    settings_of,
    update_settings,
)
from accord.store.migrate import current_revision, downgrade, head_revision, revisions, upgrade
from accord.store.models import Base, Record, utcnow
from accord.store.records import RecordRow, count_records, iter_records, upsert_records
from accord.store.users import (
    create_token,
    create_user,
    get_user,
    user_for_token,
    verify_password,
)

SETTINGS = parse_settings({"guidelines": "v1", "fields": [{"name": "text", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]})


def test_migrations_upgrade_from_empty_through_every_revision(db_url):
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        for rev in revisions():
            upgrade(engine, rev)
            assert current_revision(engine) == rev
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        downgrade(engine, "base")
        assert "records" not in set(inspect(engine).get_table_names())
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_pragmas(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_dataset_settings_versions_and_members(engine):
    with write_scope(engine) as s:
        ds = create_dataset(s, "intent", SETTINGS)
        user = create_user(s, "alice", "annotator", "correct horse")
        add_member(s, ds, user)
    with write_scope(engine) as s:
        ds = get_dataset(s, "intent")
        new = SETTINGS.model_copy(update={"guidelines": "v2: be careful"})
        update_settings(s, ds, new)
    with session_scope(engine) as s:
        ds = get_dataset(s, "intent")
        assert ds.settings_version == 2
        assert [v.guidelines for v in settings_history(s, ds)] == ["v1", "v2: be careful"]
        assert settings_of(ds).guidelines == "v2: be careful"
        assert is_member(s, ds, get_user(s, "alice"))
    with write_scope(engine) as s, pytest.raises(Conflict):
        create_dataset(s, "intent", SETTINGS)
    with session_scope(engine) as s, pytest.raises(NotFound) as missing:
        get_dataset(s, "missing")
    assert "'missing' does not exist" in str(missing.value)
    assert "intent" not in str(missing.value)  # other datasets' names are not told


def test_upsert_is_idempotent_and_keeps_ids(engine):
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        rows = [RecordRow(f"r{i}", {"text": f"t{i}"}, {"k": i}, i) for i in range(2500)]
        r = upsert_records(s, ds.id, rows, stamp=utcnow())
        assert (r.inserted, r.updated) == (2500, 0)
        dsid = ds.id
    with session_scope(engine) as s:
        before = {row["external_id"]: row["id"] for row in iter_records(s, dsid, batch_size=700)}
    with write_scope(engine) as s:
        rows = [RecordRow(f"r{i}", {"text": f"new{i}"}, {"k": -i}, i) for i in range(2000, 3000)]
        r = upsert_records(s, dsid, rows, stamp=utcnow())
        assert (r.inserted, r.updated) == (500, 500)
    with session_scope(engine) as s:
        assert count_records(s, dsid) == 3000
        after = {row["external_id"]: row for row in iter_records(s, dsid)}
        assert all(after[k]["id"] == v for k, v in before.items())
        assert after["r2100"]["fields"] == {"text": "new2100"}
        assert after["r2100"]["metadata"] == {"k": -2100}
        assert after["r5"]["fields"] == {"text": "t5"}


def test_delete_cascades(engine):
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow("a", {"text": "x"}, {})], stamp=utcnow())
    with write_scope(engine) as s:
        s.delete(get_dataset(s, "d"))
    with session_scope(engine) as s:
        assert s.scalar(select(Record.id)) is None


def test_users_passwords_and_tokens(engine):
    with write_scope(engine) as s:
        u = create_user(s, "bob", "reviewer", "s3cret-pass")
        token = create_token(s, u)
    with session_scope(engine) as s:
        from accord.store.models import ApiToken, User

        stored = s.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and len(stored) == 1  # hashed at rest
        user = s.scalar(select(User).where(User.name == "bob"))
        assert user.password_hash.startswith("$argon2")
        assert verify_password(user, "s3cret-pass") and not verify_password(user, "wrong")
        assert user_for_token(s, token).name == "bob"
        assert user_for_token(s, token + "x") is None


def test_numeric_json_values_round_trip(engine):
    """SQLite stores a bare JSON number in a JSON column as a number (NUMERIC affinity)."""
    from accord.store.assist_queries import SuggestionItem, put_suggestions
    from accord.store.models import Suggestion
    from accord.store.responses import suggestions_for_records

    with write_scope(engine) as s:
        ds = create_dataset(s, "d", SETTINGS)
        upsert_records(s, ds.id, [RecordRow("a", {"text": "x"}, {})], stamp=utcnow())
        rid = s.scalar(select(Record.id))
        put_suggestions(s, "m", [SuggestionItem(rid, "y", 5, 0.5),
                                 SuggestionItem(rid, "z", 2.5, None),
                                 SuggestionItem(rid, "w", "5", None)], utcnow())
    with session_scope(engine) as s:
        values = {x.question: x.value for x in suggestions_for_records(s, [rid])[rid]}
        assert values == {"y": 5, "z": 2.5, "w": "5"}
        assert s.scalar(select(Suggestion.value).where(Suggestion.question == "y")) == 5
