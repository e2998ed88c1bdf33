"""Run an iterator one step ahead of its consumer, in a helper thread.

The import's two halves overlap this way on a machine with a second core: the helper
thread reads, decodes and maps the next chunk of rows (Python, holding the GIL) while
the caller's thread writes the current one to SQLite, whose statement runs without the
GIL (one statement per chunk: :func:`accord.store.records.upsert_records`).

While a read-ahead runs, the interpreter's thread switch interval is 1 ms instead of
5 ms: the writing thread takes the GIL back after each SQLite statement, and waits until
the mapping thread is made to let go of it (up to the interval, a few times per chunk);
bench/import_bench.py, 1M records: 6.9 -> 6.3 s.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")
_DONE = object()
_SWITCH_INTERVAL = 0.001
_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.0


@contextmanager
def _short_switch_interval() -> Iterator[None]:
    """The 1 ms switch interval while at least one read-ahead runs (it is per process:
    the first one in sets it, the last one out puts the previous value back)."""
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_saved, _SWITCH_INTERVAL))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield the items of ``items`` in order, produced up to ``depth`` ahead by a thread.

    An exception raised by ``items`` is raised here, after the items before it.
    Closing this generator (the consumer stops, or fails) stops the thread, waits for
    it to end, and closes ``items`` (its open files).
    """
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                box.put((True, item))
                if stop.is_set():
                    return
            box.put((True, _DONE))
        except BaseException as exc:  # handed to the consumer, raised there
            box.put((False, exc))

    thread = threading.Thread(target=produce, name="accord-read-ahead", daemon=True)
    with _short_switch_interval():
        thread.start()
        try:
            yield from _consume(box)
        finally:
            stop.set()
            while thread.is_alive():  # empty the queue so that a blocked put returns
                try:
                    box.get(timeout=0.05)
                except queue.Empty:
                    pass
            thread.join()
            close = getattr(items, "close", None)
            if close is not None:  # here, not in the thread: an input file stays open
                close()  # until the import ends (tests/reliability/test_crash_import.py)


def _consume(box: queue.Queue[tuple[bool, Any]]) -> Iterator[Any]:
    while True:
        ok, item = box.get()
        if not ok:
            raise item
        if item is _DONE:
            return
        yield item
