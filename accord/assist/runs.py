"""What every model run shares: its summary line and the bounded parallel map over records."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

from accord.assist.usage import UsageMeter

__all__ = ["RunSummary", "parallel_map"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class RunSummary:
    """Counts of one run (pre-labelling, judging, generation, embedding)."""

    action: str
    dataset: str
    agent: str = ""
    records: int = 0
    written: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    methods: Counter[str] = field(default_factory=Counter)
    meter: UsageMeter | None = None
    retries: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter, repr=False)

    def finish(self) -> RunSummary:
        self.seconds = time.perf_counter() - self.started
        return self

    def fail(self, record: str, message: str) -> None:
        self.failed += 1
        if len(self.errors) < 20:
            self.errors.append(f"{record}: {message}")

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        m = self.meter
        return {"action": self.action, "dataset": self.dataset, "agent": self.agent,
                "records": self.records, "written": self.written, "failed": self.failed,
                "skipped": self.skipped, "errors": self.errors, "methods": dict(self.methods),
                "calls": m.calls if m else 0, "cache_hits": m.cached_calls if m else 0,
                "prompt_tokens": m.prompt_tokens if m else 0,
                "completion_tokens": m.completion_tokens if m else 0,
                "cost": None if m is None or m.unpriced else round(m.cost, 6),
                "retries": self.retries, "seconds": round(self.seconds, 3)}

    def line(self) -> str:
        """One line: records, tokens, cost, cache hits, seconds."""
        parts = [f"{self.action} {self.dataset}" + (f" as {self.agent}" if self.agent else "")
                 + f": {self.records:,} records", f"{self.written:,} written"]
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped")
        if self.meter is not None:
            parts += [f"{self.meter.tokens:,} tokens", self.meter.cost_text(),
                      f"{self.meter.cached_calls:,} cache hits"]
        if self.retries:
            parts.append(f"{self.retries:,} retries")
        parts.append(f"{self.seconds:.1f} s")
        return ", ".join(parts)


def parallel_map(fn: Callable[[T], R], items: Iterable[T], *, workers: int,
                 progress: Callable[[int], None] | None = None) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` as they finish, at most ``workers`` at a time.

    The first exception cancels what has not started and is raised.
    """
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        pending: dict[Future[R], T] = {pool.submit(fn, item): item for item in items}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    item = pending.pop(future)
                    result = future.result()
                    if progress is not None:
                        progress(1)
                    yield item, result
        finally:
            for future in pending:
                future.cancel()
