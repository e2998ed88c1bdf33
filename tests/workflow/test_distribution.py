from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from accord.errors import Conflict, InputError
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.models import Record, Response, ResponseHistory, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user, get_user
from accord.workflow import dataset_stats, mark_gold, next_record, review_response, save_response

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}],
            "distribution": {"overlap": 2, "lease_seconds": 60}}


def _setup(engine, n=5, settings=SETTINGS, users=("u1", "u2", "u3")):
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", parse_settings(settings))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"t{i}"}, {}) for i in range(n)],
                       stamp=utcnow())
        for u in users:
            create_user(s, u, "annotator")


def _next(engine, user, now=None):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        rec = next_record(s, ds, settings_of(ds), get_user(s, user), now=now)
        return None if rec is None else rec.id


def _submit(engine, user, record_id, value="a", status="submitted", version=None, now=None):
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        rec = s.get(Record, record_id)
        return save_response(s, ds, settings_of(ds), rec, get_user(s, user), {"y": value},
                             status=status, version=version, now=now).version


def test_overlap_leases_and_completion(engine):
    _setup(engine, n=2)
    a1, b1 = _next(engine, "u1"), _next(engine, "u2")
    assert a1 == b1  # the first record needs 2 annotators
    assert _next(engine, "u1") == a1  # a reload resumes the held record
    c1 = _next(engine, "u3")
    assert c1 != a1  # a1 is full: both slots leased
    _submit(engine, "u1", a1)
    _submit(engine, "u2", a1)
    with session_scope(engine) as s:
        rec = s.get(Record, a1)
        assert rec.status == "completed" and rec.submitted == 2
    assert _next(engine, "u1") != a1  # never the same record twice


def test_expired_leases_return_to_the_pool(engine):
    _setup(engine, n=1)
    t0 = utcnow()
    assert _next(engine, "u1", now=t0) is not None
    assert _next(engine, "u2", now=t0) is not None
    assert _next(engine, "u3", now=t0) is None  # both slots held
    later = t0 + timedelta(seconds=61)
    assert _next(engine, "u3", now=later) is not None  # expired leases were reclaimed


def test_stale_version_conflicts_and_history(engine):
    _setup(engine, n=1)
    rid = _next(engine, "u1")
    v1 = _submit(engine, "u1", rid, status="draft", value="a")
    v2 = _submit(engine, "u1", rid, status="draft", value="b", version=v1)
    assert v2 == v1 + 1
    with pytest.raises(Conflict, match="stale"):
        _submit(engine, "u1", rid, status="submitted", value="a", version=v1)
    _submit(engine, "u1", rid, status="submitted", value="b", version=v2)
    with session_scope(engine) as s:
        resp = s.scalar(select(Response))
        assert resp.values == {"y": "b"} and resp.status == "submitted"
        hist = s.scalars(select(ResponseHistory).order_by(ResponseHistory.id)).all()
        assert [(h.old_status, h.new_status) for h in hist] == [
            (None, "draft"), ("draft", "draft"), ("draft", "submitted")]
        assert hist[1].old_values == {"y": "a"} and hist[1].new_values == {"y": "b"}


def test_invalid_values_store_nothing(engine):
    _setup(engine, n=1)
    rid = _next(engine, "u1")
    with pytest.raises(InputError, match="'c' is not a label"):
        _submit(engine, "u1", rid, value="c")
    with session_scope(engine) as s:
        assert s.scalar(select(Response)) is None


def test_discard_frees_the_slot(engine):
    _setup(engine, n=1, users=("u1", "u2", "u3"))
    rid = _next(engine, "u1")
    _next(engine, "u2")
    assert _next(engine, "u3") is None
    _submit(engine, "u1", rid, status="discarded")
    assert _next(engine, "u3") == rid
    assert _next(engine, "u1") is None  # u1 never gets it again


def test_gold_is_mixed_in_and_scored(engine):
    settings = {**SETTINGS, "distribution": {"overlap": 1, "gold_rate": 1.0}}
    _setup(engine, n=3, settings=settings)
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        gold = s.scalar(select(Record).where(Record.external_id == "r0"))
        mark_gold(s, settings_of(ds), gold, {"y": "b"})
        gold_id = gold.id
    assert _next(engine, "u1") == gold_id
    _submit(engine, "u1", gold_id, value="a")
    assert _next(engine, "u2") == gold_id
    _submit(engine, "u2", gold_id, value="b")
    with session_scope(engine) as s:
        scores = {r.user_id: r.gold_correct for r in s.scalars(select(Response))}
        assert sorted(scores.values()) == [0.0, 1.0]
        ds = get_dataset(s, "d")
        stats = dataset_stats(s, ds, settings_of(ds))
        assert stats["gold"] == 1 and stats["pending"] == 2
        accuracy = {a["user"]: a["gold_accuracy"] for a in stats["annotators"]}
        assert accuracy == {"u1": 0.0, "u2": 1.0}


def test_review_verdicts_and_correction_rate(engine):
    _setup(engine, n=1, users=("u1", "rev"))
    rid = _next(engine, "u1")
    _submit(engine, "u1", rid, value="a")
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        resp = s.scalar(select(Response))
        with pytest.raises(InputError, match="needs a reason"):
            review_response(s, ds, settings_of(ds), resp.id, get_user(s, "rev"), "reject")
        review_response(s, ds, settings_of(ds), resp.id, get_user(s, "rev"), "fix",
                        values={"y": "b"})
    with session_scope(engine) as s:
        ds = get_dataset(s, "d")
        stats = dataset_stats(s, ds, settings_of(ds))
        assert stats["annotators"][0]["correction_rate"] == 1.0


# --- queue cursors: the walk resumes where the annotator stands (QueueCursor) ---------

def _ids(engine):
    with session_scope(engine) as s:
        return {r.external_id: r.id for r in s.scalars(select(Record))}


def test_a_lone_annotator_walks_the_queue_in_order_with_overlap_two(engine):
    _setup(engine, n=30)
    ids = _ids(engine)
    got = []
    for _ in range(30):
        rid = _next(engine, "u1")
        got.append(rid)
        _submit(engine, "u1", rid)
    assert got == [ids[f"r{i}"] for i in range(30)]
    assert _next(engine, "u1") is None  # seen everything; the 30 records still need u2
    assert [_next(engine, "u2") for _ in range(1)] == [ids["r0"]]


def test_a_record_reopened_behind_the_cursor_is_handed_out_first(engine):
    settings = {**SETTINGS, "distribution": {"overlap": 1, "lease_seconds": 60}}
    _setup(engine, n=5, settings=settings)
    ids = _ids(engine)
    t0 = utcnow()
    assert _next(engine, "u2", now=t0) == ids["r0"]  # u2 holds r0: full
    assert _next(engine, "u1", now=t0) == ids["r1"]  # u1 walks past it
    _submit(engine, "u1", ids["r1"], now=t0)
    # u2's lease expires: r0 is open again, behind u1's cursor
    later = t0 + timedelta(seconds=61)
    assert _next(engine, "u1", now=later) == ids["r0"]
    _submit(engine, "u1", ids["r0"], now=later)
    assert _next(engine, "u1", now=later) == ids["r2"]


def test_a_discard_reopens_behind_cursors(engine):
    settings = {**SETTINGS, "distribution": {"overlap": 1, "lease_seconds": 60}}
    _setup(engine, n=4, settings=settings)
    ids = _ids(engine)
    assert _next(engine, "u2") == ids["r0"]
    assert _next(engine, "u1") == ids["r1"]
    _submit(engine, "u1", ids["r1"])
    _submit(engine, "u2", ids["r0"], status="discarded")
    assert _next(engine, "u1") == ids["r0"]


def test_new_priorities_restart_the_walk(engine):
    from accord.store.priorities import set_priorities

    _setup(engine, n=10)
    ids = _ids(engine)
    for i in range(3):
        assert _next(engine, "u1") == ids[f"r{i}"]
        _submit(engine, "u1", ids[f"r{i}"])
    with write_scope(engine) as s:
        set_priorities(s, get_dataset(s, "d").id, {ids["r1"]: 9.0, ids["r7"]: 5.0})
    assert _next(engine, "u1") == ids["r7"]  # r1 has the top priority but u1 answered it
    _submit(engine, "u1", ids["r7"])
    assert _next(engine, "u1") == ids["r3"]


def test_the_resumed_walk_is_two_index_seeks(tmp_path):
    """EXPLAIN (SQLite): the statements after a cursor search ix_records_queue with the
    cursor's bounds, so their cost does not grow with what the annotator answered before."""
    from accord.store import make_engine, queue, upgrade

    engine = make_engine(f"sqlite:///{tmp_path}/plan.db")
    upgrade(engine)
    try:
        with session_scope(engine) as s:
            conn = s.connection()
            for stmt, bound in ((queue._OPEN_SAME_PRIORITY, "priority=? AND id>?"),
                                (queue._OPEN_LOWER_PRIORITY, "priority<?")):
                sql = str(stmt.compile(conn))
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql, (1,) * sql.count("?")).all())
                assert "INDEX ix_records_queue (" in plan and bound in plan, plan
                assert "TEMP B-TREE" not in plan, plan
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # row locks: PostgreSQL only
def test_next_does_not_skip_a_record_others_only_reference(engine, db_url):
    """A record some other transaction only references (a response, lease or history insert:
    its foreign-key check holds FOR KEY SHARE on the record) is still handed out in queue
    order; a record another ``next`` has locked is skipped."""
    import psycopg

    _setup(engine, n=3)
    with session_scope(engine) as s:
        first, second = s.scalars(select(Record.id).order_by(Record.id).limit(2)).all()
    plain = db_url.replace("+psycopg", "")
    with psycopg.connect(plain) as other:  # a transaction, left open while u1 asks
        other.execute("SELECT 1 FROM records WHERE id = %s FOR KEY SHARE", (first,))
        assert _next(engine, "u1") == first
    with psycopg.connect(plain) as other:  # another next's lock: skip the row
        other.execute("SELECT 1 FROM records WHERE id = %s FOR NO KEY UPDATE", (first,))
        assert _next(engine, "u2") == second


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # row locks: PostgreSQL only
def test_next_waits_for_the_last_records_instead_of_saying_nothing_is_left(engine, db_url):
    """When every record a user may still take is locked by other requests at that instant
    (the end of a queue, annotators claiming its last records), ``next`` waits for them
    instead of answering "nothing left" to someone who still has work: a full test run
    ended one annotator's loop early that way (359 of 360 answers)."""
    import threading

    import psycopg

    _setup(engine, n=1)
    with session_scope(engine) as s:
        only = s.scalar(select(Record.id))
    got: list[int | None] = []
    plain = db_url.replace("+psycopg", "")
    with psycopg.connect(plain) as other:  # another next, claiming the last record
        other.execute("SELECT 1 FROM records WHERE id = %s FOR NO KEY UPDATE", (only,))
        asking = threading.Thread(target=lambda: got.append(_next(engine, "u1")))
        asking.start()
        asking.join(timeout=1.0)
        assert asking.is_alive(), f"next answered {got} while the record was only locked"
        other.rollback()
    asking.join(timeout=30)
    assert got == [only]
