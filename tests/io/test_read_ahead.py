"""The read-ahead thread the import maps its next chunk in (accord/io/read_ahead.py)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from accord.io.read_ahead import read_ahead


def _items(n: int, log: list[str], fail_at: int | None = None) -> Iterator[int]:
    try:
        for i in range(n):
            if i == fail_at:
                raise ValueError(f"bad item {i}")
            log.append(threading.current_thread().name)
            yield i
    finally:
        log.append("closed")


def test_items_arrive_in_order_from_another_thread():
    log: list[str] = []
    assert list(read_ahead(_items(50, log), depth=2)) == list(range(50))
    assert log[-1] == "closed" and set(log[:-1]) == {"accord-read-ahead"}


def test_an_error_arrives_after_the_items_before_it():
    log: list[str] = []
    got = []
    with pytest.raises(ValueError, match="bad item 7"):
        for item in read_ahead(_items(50, log, fail_at=7)):
            got.append(item)
    assert got == list(range(7)) and log[-1] == "closed"


def test_a_consumer_that_stops_stops_the_thread_and_closes_the_source():
    log: list[str] = []
    before = threading.active_count()
    items = read_ahead(_items(10_000, log), depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert log[-1] == "closed" and len(log) <= 3 + 2 + 3  # produced at most depth ahead
    assert threading.active_count() == before


def test_the_switch_interval_is_short_while_any_read_ahead_runs():
    before = sys.getswitchinterval()
    log: list[str] = []
    first, second = read_ahead(_items(5, log)), read_ahead(_items(5, log))
    next(first)
    next(second)
    assert sys.getswitchinterval() == min(before, 0.001)
    first.close()
    assert sys.getswitchinterval() == min(before, 0.001)  # the second one still runs
    assert list(second) == [1, 2, 3, 4]
    assert sys.getswitchinterval() == before
