"""Background WAL checkpoints for a long-running process on SQLite (the server).

SQLite's automatic checkpoint runs inside the commit that pushes the WAL past
``wal_autocheckpoint`` pages (1,000 by default): that one request copies about
4 MB back into the database file and syncs it. On the annotator loop that was
the p99: 1.8 ms -> 5.3 ms per unit of work (next or submit), measured
in-process on a 1M-record dataset, with one commit in ~100 paying 3-10 ms.

:class:`WalCheckpointer` moves the work to a thread: every ``interval`` seconds
it runs ``PRAGMA wal_checkpoint(PASSIVE)`` on a connection of its own (PASSIVE
never waits for readers or writers, and the sqlite3 module releases the GIL
while it runs). The process's pooled connections raise their
``wal_autocheckpoint`` to ``backstop_pages`` so the thread normally does all
the work, while a stalled thread still cannot let the WAL grow without bound.
Other processes on the same file (an ``accord import`` run beside the server)
keep SQLite's defaults. Nothing here is needed for correctness: a process that
never starts a checkpointer behaves exactly as before.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

from accord.store.engine import is_sqlite_file, side_connection

__all__ = ["WalCheckpointer"]


class WalCheckpointer:
    """Checkpoint ``engine``'s SQLite WAL from a daemon thread; a no-op elsewhere."""

    def __init__(self, engine: Engine, *, interval: float = 0.25,
                 backstop_pages: int = 16_000) -> None:
        self.engine = engine
        self.interval = interval
        self.backstop_pages = backstop_pages
        self.checkpoints = 0  # PASSIVE checkpoints run so far (for tests and diagnostics)
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def applies(self) -> bool:
        """Only a SQLite database in a file has a WAL."""
        return is_sqlite_file(self.engine)

    def start(self) -> None:
        if not self.applies or self._thread is not None:
            return
        event.listen(self.engine, "checkout", self._on_checkout)
        self._thread = threading.Thread(target=self._run, name="accord-wal-checkpoint",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self._thread = None
        event.remove(self.engine, "checkout", self._on_checkout)

    def _on_checkout(self, dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # once per DBAPI connection: a pooled connection keeps the setting
        if record.info.get("accord_wal_backstop") != self.backstop_pages:
            dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={int(self.backstop_pages)}")
            record.info["accord_wal_backstop"] = self.backstop_pages

    def _run(self) -> None:
        try:
            conn = side_connection(self.engine)
        except SQLAlchemyError as exc:
            self.last_error = str(exc)
            return
        try:
            # autocommit DBAPI connection: the pragma must not run inside a transaction
            raw = conn.connection.driver_connection
            while not self._stop.wait(self.interval):
                try:
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as exc:  # a failed pass is retried on the next tick
                    self.last_error = str(exc)
        finally:
            conn.close()
