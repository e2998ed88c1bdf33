"""Run an iterator one step ahead of its consumer, in a helper thread.

The import's two halves overlap this way on a machine with a second core: the helper
thread reads, decodes and maps the next chunk of rows (Python, holding the GIL) while
the caller's thread writes the current one to SQLite, whose statement runs without the
GIL (one statement per chunk: :func:`accord.store.records.upsert_records`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")
_DONE = object()


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield the items of ``items`` in order, produced up to ``depth`` ahead by a thread.

    An exception raised by ``items`` is raised here, after the items before it.
    Closing this generator (the consumer stops, or fails) stops the thread, closes
    ``items`` (its open files) and waits for the thread to end.
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
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="accord-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = box.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # empty the queue so that a blocked put returns
            try:
                box.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
