"""The worker threads the annotator loop's unit of work runs in when it does not run on the
event loop (PostgreSQL; SQLite while its write lock is taken): see
:func:`accord.server.deps.run_annotator_work`.

A ``concurrent.futures`` thread pool handed the unit through the event loop's
``run_in_executor``, not ``anyio.to_thread.run_sync``: anyio's hand-over (a cancel
scope, its capacity limiter, its own worker queue and result delivery) cost the
PostgreSQL loop about a sixth of the server's CPU per next + submit cycle and a third
of its wall time in-process (docs/benchmarks.md, "PostgreSQL's loop CPU against
SQLite's"). What anyio gave is kept: the request's context variables go with the unit
(OpenTelemetry's current span), and a cancelled request waits for its unit to finish,
so it keeps its admission (accord.server.gates) while the unit holds a connection.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from accord.server.gates import THREAD_POOL_SIZE

__all__ = ["run_in_unit_thread"]

T = TypeVar("T")

# threads are started on demand and kept; the admission gates bound how many units run
_THREADS = ThreadPoolExecutor(max_workers=THREAD_POOL_SIZE, thread_name_prefix="accord-unit")


async def run_in_unit_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a unit thread, with the caller's context variables; its result or
    its exception. Cancelling the caller waits for ``fn`` to return, then re-raises."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_THREADS, contextvars.copy_context().run, fn, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            try:
                await asyncio.wait((future,))
            except asyncio.CancelledError:
                pass
        raise
