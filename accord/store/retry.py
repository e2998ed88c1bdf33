"""Run a write transaction again when PostgreSQL aborted it as a deadlock victim.

Two transactions that lock the same rows in opposite orders deadlock; PostgreSQL
cancels one of them (SQLSTATE 40P01) after ``deadlock_timeout``. For a
transaction whose lock order cannot be made to match the annotator loop's (a
dataset delete cascades over every record, lease and response while annotators
lease and submit), the whole transaction is retried: a fresh session, a bounded
number of attempts, exponential backoff with jitter so the retry does not meet
the same annotators in the same order. SQLite serializes writers
(``BEGIN IMMEDIATE``) and never deadlocks, so there the work runs once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from accord.store.engine import write_scope

__all__ = ["retry_write", "RETRYABLE"]

T = TypeVar("T")
_log = logging.getLogger("accord.store.retry")

RETRYABLE = {"40P01": "deadlock", "40001": "serialization failure"}


def retry_write(engine: Engine, work: Callable[[Session], T], *, attempts: int = 10,
                first_delay: float = 0.05, max_delay: float = 2.0,
                sleep: Callable[[float], None] = time.sleep) -> T:
    """``work(session)`` in its own write transaction, committed; retried on deadlock.

    Parameters
    ----------
    engine : Engine
    work : callable
        Runs the whole transaction: it must read what it needs through the
        session it is given (a retry starts from scratch).
    attempts : int
        At most this many transactions (default 10: with PostgreSQL's 1 s
        deadlock timeout and the backoff below, about 20 s in the worst case;
        6 were not enough on a loaded 2-core machine with 6 annotators
        submitting at full speed, seen once in a full test run).
    first_delay, max_delay : float
        Backoff before attempt ``n + 1``: ``min(max_delay, first_delay * 2**(n-1))``
        seconds, times a random factor in [0.5, 1.5).

    Raises
    ------
    DBAPIError
        The last deadlock when every attempt was a victim, or any other
        database error at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            with write_scope(engine) as session:
                return work(session)
        except DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None)
            if attempt == attempts or state not in RETRYABLE:
                raise
            _log.warning("write transaction was a %s victim (attempt %d of %d); retrying",
                         RETRYABLE[state], attempt, attempts)
        sleep(min(max_delay, first_delay * 2 ** (attempt - 1)) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
