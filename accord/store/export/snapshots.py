"""More connections on the export session's snapshot, so pages are read in parallel.

SQLite has no snapshot to hand over: the readers begin their read transactions
while a third connection holds the write lock (for a moment: no commit can
happen between them). PostgreSQL exports the session's snapshot
(``pg_export_snapshot``) and each reader imports it (``SET TRANSACTION
SNAPSHOT``) in a REPEATABLE READ transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from accord.store.engine import busy_timeout, is_sqlite_file

__all__ = ["snapshot_readers"]


@contextmanager
def snapshot_readers(session: Session, count: int = 2, *,
                     wait_ms: int = 2000) -> Iterator[list[Any]]:
    """``count`` more driver connections to the session's database, each in a read
    transaction on the session's snapshot, for the page readers of
    :mod:`accord.store.export.paging`. Call it before the session's first read (on
    PostgreSQL the session must be REPEATABLE READ).

    Yields an empty list, and the session reads alone, on another backend, for an
    in-memory SQLite database, or when a writer holds SQLite longer than ``wait_ms``.
    """
    readers: list[Any] = []
    try:
        bind = session.get_bind()
        if is_sqlite_file(bind):
            readers = _fenced_readers(session, count, wait_ms)
        elif bind.dialect.name == "postgresql":
            readers = _imported_readers(session, count)
        session.connection()
        yield [r.driver_connection for r in readers]
    finally:
        for r in readers:
            r.close()  # back to the pool, which rolls the read transaction back


def _imported_readers(session: Session, count: int) -> list[Any]:
    snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):  # the server's id, checked before use
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    readers: list[Any] = []
    try:
        for _ in range(count):
            readers.append(session.get_bind().raw_connection())
            raw = readers[-1].driver_connection
            raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            raw.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # takes no parameter
    except BaseException:
        for r in readers:
            r.close()
        raise
    return readers


def _fenced_readers(session: Session, count: int, wait_ms: int) -> list[Any]:
    bind = session.get_bind()
    fence = bind.raw_connection()
    readers: list[Any] = []
    try:
        raw = fence.driver_connection
        try:
            with busy_timeout(raw, wait_ms):
                raw.execute("BEGIN IMMEDIATE")
        except raw.OperationalError:  # a long write: the session reads alone
            return []
        try:
            _start_read(session.connection().connection.driver_connection)
            for _ in range(count):
                readers.append(bind.raw_connection())
                _start_read(readers[-1].driver_connection)
        except BaseException:
            for r in readers:
                r.close()
            raise
        finally:
            raw.execute("ROLLBACK")
    finally:
        fence.close()
    return readers


def _start_read(conn: Any) -> None:
    """Begin a read transaction and take its snapshot now (SQLite's BEGIN is lazy)."""
    if not conn.in_transaction:
        conn.execute("BEGIN")
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        cursor.close()
