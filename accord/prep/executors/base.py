"""The executor interface: map a batch function over records, in order.

An executor runs the per-record half of the pipeline
(:func:`accord.prep.chain.process_batch`) over ``(index, JSON bytes)`` pairs,
cut into batches, and yields the outcome lists. The driver files outcomes by
their ``index``, so an executor may finish batches in any order; the local
executor yields them in input order anyway.

Global steps (dedupe) are not executor work: workers compute per-record keys
and signatures, the driver clusters them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

__all__ = ["BatchFn", "Executor", "Item"]

#: A record as executors see it: its position and its JSON serialization.
Item = tuple[int, bytes]
#: A picklable function from a batch of items to one outcome per item.
BatchFn = Callable[[Sequence[Item]], list[Any]]


class Executor(Protocol):
    """Runs a batch function over items (see the module docstring)."""

    name: str

    def map_batches(
        self, fn: BatchFn, items: Iterable[Item], batch_size: int
    ) -> Iterator[list[Any]]:
        """Apply ``fn`` to consecutive batches of ``batch_size`` items; yield each result."""
        ...

    def close(self) -> None:
        """Release what the executor holds (processes, connections)."""
        ...
