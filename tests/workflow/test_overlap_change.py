"""Overlap changes apply to the records already answered (issue 20 item 3)."""

from __future__ import annotations

from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import get_dataset, settings_of, update_settings
from accord.store.models import QUEUE_DONE, QUEUE_FULL, QUEUE_GOLD, QUEUE_OPEN, Record
from accord.workflow import dataset_stats
from tests.workflow.test_distribution import SETTINGS, _next, _setup, _submit


def _set_overlap(engine, overlap: int) -> None:
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        update_settings(s, ds, parse_settings({**SETTINGS, "distribution": {
            **SETTINGS["distribution"], "overlap": overlap}}))


def _states(engine) -> dict[str, tuple[str, int]]:
    with session_scope(engine) as s:
        return {r.external_id: (r.status, r.queue_state)
                for r in s.query(Record).order_by(Record.id)}


def _remaining(engine) -> int:
    with session_scope(engine) as s:
        ds = get_dataset(s, "d")
        return dataset_stats(s, ds, settings_of(ds))["remaining_responses"]


def test_raising_the_overlap_reopens_completed_records(engine):
    _setup(engine, n=2)
    for user in ("u1", "u2"):  # both records completed at overlap 2
        for _ in range(2):
            _submit(engine, user, _next(engine, user))
    assert _next(engine, "u3") is None
    assert {v for v in _states(engine).values()} == {("completed", QUEUE_DONE)}

    _set_overlap(engine, 3)
    assert {v for v in _states(engine).values()} == {("pending", QUEUE_OPEN)}
    assert _remaining(engine) == 2
    got = {_next(engine, "u3")}  # the stats and the queue agree: u3 gets both records
    _submit(engine, "u3", got.pop())
    second = _next(engine, "u3")
    assert second is not None
    _submit(engine, "u3", second)
    assert _next(engine, "u3") is None
    assert {v for v in _states(engine).values()} == {("completed", QUEUE_DONE)}
    assert _remaining(engine) == 0


def test_lowering_the_overlap_completes_records_with_enough_responses(engine):
    _setup(engine, n=3)
    r0 = _next(engine, "u1")
    _submit(engine, "u1", r0)  # r0: one submitted response
    assert _next(engine, "u2") == r0  # r0: a second annotator holds it (a lease)
    _set_overlap(engine, 1)
    states = _states(engine)
    assert states["r0"] == ("completed", QUEUE_DONE)
    assert states["r1"] == ("pending", QUEUE_OPEN)
    _set_overlap(engine, 2)  # back up: r0 has 1 submission + 1 lease = full, not done
    assert _states(engine)["r0"] == ("pending", QUEUE_FULL)
    assert _remaining(engine) == 5


def test_gold_on_and_off_follows_the_one_status_rule(engine):
    from accord.workflow import mark_gold

    _setup(engine, n=2)
    r0 = _next(engine, "u1")
    _submit(engine, "u1", r0)
    assert _next(engine, "u2") == r0
    _submit(engine, "u2", r0)  # r0 completed at overlap 2
    assert _states(engine)["r0"] == ("completed", QUEUE_DONE)

    def gold(values):  # type: ignore[no-untyped-def]
        with write_scope(engine) as s:
            ds = get_dataset(s, "d")
            mark_gold(s, settings_of(ds), s.get(Record, r0), values)

    gold({"y": "a"})
    assert _states(engine)["r0"] == ("pending", QUEUE_GOLD)  # gold never completes
    gold(None)  # ordinary again: its two submissions still complete it
    assert _states(engine)["r0"] == ("completed", QUEUE_DONE)
