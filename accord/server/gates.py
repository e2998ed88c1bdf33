"""Admission gates: keep database work from starving the worker-thread and connection pools.

FastAPI runs a sync dependency's entry, a sync endpoint and the dependency's
exit as separate calls into anyio's thread pool (40 threads). A request
parked between two of those calls still holds what its dependency opened: the
process-wide SQLite write lock, or a pooled PostgreSQL connection inside an
open transaction. When more requests are in flight than there are threads or
connections, the parked requests can hold every resource while the requests
that would release them wait for a thread (docs/reliability.md, bugs 1 and
1b). The gates admit requests on the event loop, before they take anything:

- SQLite: one write request at a time (SQLite has one writer anyway);
- PostgreSQL: at most ``limit`` requests at a time, fewer than both the
  thread pool and the connection pool, so an admitted request always finds a
  thread and a connection.

The annotator hot path (``run_annotator_work``) needs no hop between opening
and committing its transaction; the gates protect every other route.
"""

from __future__ import annotations

from typing import Any

import anyio

__all__ = ["SQLiteWriteGate", "PostgresGate", "postgres_gate_limit", "UNGATED"]

_SAFE = ("GET", "HEAD", "OPTIONS")
# routes that run their own short units of work and keep argon2 outside them
# (accord/server/routers/auth.py): a login storm must not hold the gates
UNGATED = frozenset({"/api/v1/auth/login", "/api/v1/auth/password"})
THREAD_POOL_SIZE = 40  # anyio's default thread limiter


def postgres_gate_limit(pool_size: int, max_overflow: int) -> int:
    """Requests admitted at once: below the thread pool and the connection pool."""
    return max(1, min(THREAD_POOL_SIZE - 4, pool_size + max_overflow - 4))


class SQLiteWriteGate:
    """Let one write request at a time into the thread pool."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock: anyio.Lock | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE or scope["path"] in UNGATED:
            await self.app(scope, receive, send)
            return
        if self._lock is None:
            # fast_acquire: an uncontended acquire does not yield to the event loop first
            # (two loop turns per write request, about 3 % of a next + submit cycle's CPU)
            self._lock = anyio.Lock(fast_acquire=True)
        async with self._lock:
            await self.app(scope, receive, send)


class PostgresGate:
    """Admit at most ``limit`` API requests at a time (static files pass freely)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._sem: anyio.Semaphore | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/") or \
                scope["path"] in UNGATED:
            await self.app(scope, receive, send)
            return
        if self._sem is None:
            self._sem = anyio.Semaphore(self.limit, fast_acquire=True)  # as above
        async with self._sem:
            await self.app(scope, receive, send)
