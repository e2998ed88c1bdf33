"""The local executor: a pool of worker processes on this machine.

Batches go to a :class:`concurrent.futures.ProcessPoolExecutor` (``spawn``
start method, so it is safe next to threads such as a progress display) with
at most ``2 * workers`` batches in flight, which bounds memory whatever the
input size; results come back in input order. Input that fits in one batch,
or ``workers=1``, runs in the calling process without starting a pool.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context
from typing import Any

from accord.prep.executors.base import BatchFn, Item

__all__ = ["LocalExecutor"]


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class LocalExecutor:
    """Run batches in a local process pool, in order.

    Parameters
    ----------
    workers : int or None, default None
        Worker processes; ``None`` means one per CPU.

    Examples
    --------
    >>> ex = LocalExecutor(workers=1)
    >>> list(ex.map_batches(lambda b: [i for i, _ in b], [(0, b"{}"), (1, b"{}")], 1))
    [[0], [1]]
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    def map_batches(
        self, fn: BatchFn, items: Iterable[Item], batch_size: int
    ) -> Iterator[list[Any]]:
        """Apply ``fn`` to each batch; yield results in input order."""
        batches = _batches(items, batch_size)
        first = next(batches, None)
        if first is None:
            return
        second = next(batches, None)
        if second is None or self.workers == 1:
            yield fn(first)
            if second is not None:
                yield fn(second)
                for batch in batches:
                    yield fn(batch)
            return
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))
        pending: deque[Future[list[Any]]] = deque()
        try:
            for batch in (first, second):
                pending.append(pool.submit(fn, batch))
            for batch in batches:
                pending.append(pool.submit(fn, batch))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release: each run starts and stops its own pool."""
