"""Reading ahead on a second thread: the next pages of an export while this one is processed.

SQLite's step (page decoding, B-tree walks) runs without the GIL, so on two
cores the reads mostly overlap the Python work that turns rows into
objects (``bench/export_bench.py``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["prefetched"]


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetched(pages: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Read the next pages on a second thread while this one turns rows into objects.

    SQLite's step (page decoding, B-tree walks) runs without the GIL, so on two
    cores the reads mostly overlap the Python work (bench/export_bench.py).
    The producer only touches the raw cursor; it is stopped and joined when
    the consumer finishes or fails.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in pages:
                if not put(item):
                    return
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(_Failed(exc))

    worker = threading.Thread(target=produce, name="accord-export-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()
