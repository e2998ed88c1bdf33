"""Migration 0007 binds existing verdicts to the version they judged, and the one rule of
accord/store/verdicts.py decides which verdict (and which fix) applies (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData, select

from accord.store import make_engine, upgrade
from accord.store.engine import session_scope
from accord.store.verdicts import fixes_in_force, verdicts_in_force

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _insert_at_0006(engine) -> None:
    upgrade(engine, "0006")
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(t["users"].insert(), [
            {"id": 1, "name": "ann", "role": "annotator", "active": True, "created_at": T0},
            {"id": 2, "name": "rev", "role": "reviewer", "active": True, "created_at": T0}])
        conn.execute(t["datasets"].insert(), [{"id": 1, "name": "d", "settings": {},
                                               "settings_version": 1, "created_at": T0,
                                               "updated_at": T0}])
        conn.execute(t["records"].insert(), [
            {"id": i, "dataset_id": 1, "external_id": f"r{i}", "fields": {}, "metadata": {},
             "status": "pending", "priority": 0.0, "queue_state": 0, "claims": 1,
             "submitted": 1, "is_gold": False, "created_at": T0, "updated_at": T0}
            for i in (1, 2)])
        # response 1: reviewed (fix) at version 1, edited to version 2 afterwards
        # response 2: edited to version 2, then accepted
        conn.execute(t["responses"].insert(), [
            {"id": rid, "record_id": rid, "dataset_id": 1, "user_id": 1,
             "values": {"y": "new"}, "status": "submitted", "time_spent": 1.0, "version": 2,
             "review_state": state, "created_at": T0, "updated_at": T0}
            for rid, state in ((1, "fix"), (2, "accept"))])
        conn.execute(t["response_history"].insert(), [
            {"response_id": rid, "user_id": 1, "version": v, "old_status": None,
             "new_status": "submitted", "old_values": None, "new_values": {"y": "x"},
             "changed_at": T0 + timedelta(minutes=10 * (v - 1))}
            for rid in (1, 2) for v in (1, 2)])
        conn.execute(t["reviews"].insert(), [
            {"id": 1, "response_id": 1, "dataset_id": 1, "reviewer_id": 2, "verdict": "fix",
             "values": {"y": "fixed"}, "created_at": T0 + timedelta(minutes=5)},
            {"id": 2, "response_id": 2, "dataset_id": 1, "reviewer_id": 2, "verdict": "accept",
             "values": None, "created_at": T0 + timedelta(minutes=15)}])


def test_0007_binds_old_verdicts_and_reopens_responses_edited_since(db_url):
    fresh = make_engine(db_url)
    _insert_at_0006(fresh)
    upgrade(fresh)
    meta = MetaData()
    meta.reflect(fresh)
    t = meta.tables
    with fresh.connect() as conn:
        versions = dict(conn.execute(select(t["reviews"].c.id,
                                            t["reviews"].c.response_version)).all())
        states = dict(conn.execute(select(t["responses"].c.id,
                                          t["responses"].c.review_state)).all())
    assert versions == {1: 1, 2: 2}  # the version stored when each verdict was given
    assert states == {1: None, 2: "accept"}  # edited after its fix: back to review
    with session_scope(fresh) as s:
        conn = s.connection()
        in_force = verdicts_in_force(conn, 1, 1, 2)
        assert {rid: v.verdict for rid, v in in_force.items()} == {2: "accept"}
        assert fixes_in_force(conn, 1, 1, 2) == {}  # the old fix judged version 1
    fresh.dispose()
