"""Request pacing: at most N requests per minute, spaced evenly.

A generic cell rate algorithm (GCRA) with a burst of one: request *i* may
start no earlier than ``t_0 + i * 60 / rpm``, so any window of ``w`` seconds
holds at most ``w * rpm / 60 + 1`` request starts. Evenly spaced requests
never trip a provider's per-minute window, where a burst of ``rpm`` requests
followed by a pause would hit its per-second smoothing. Thread-safe: every
worker of a pre-labelling run shares one limiter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Pace request starts to ``rpm`` per minute (``None`` or 0: no limit).

    Parameters
    ----------
    rpm : float or None
        Requests per minute.
    clock, sleep : callable, optional
        Injected for tests; default ``time.monotonic`` and ``time.sleep``.

    Examples
    --------
    >>> limiter = RateLimiter(None)
    >>> limiter.acquire()
    0.0
    """

    def __init__(self, rpm: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rpm is not None and rpm < 0:
            raise ValueError(f"rpm must be positive, got {rpm}")
        self.interval = 60.0 / rpm if rpm else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until the next request may start; returns the seconds waited."""
        if self.interval == 0.0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)
