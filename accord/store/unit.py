"""The annotator loop's unit of work: one transaction, and an ORM session only when needed.

The loop's two requests (next, submit) run their statements through
:mod:`accord.store.direct` and read their rows as plain rows; on the common path they
never use the ORM. Building a ``Session``, joining it to the connection's transaction,
finding its connection and closing it again cost about a tenth of a next + submit
cycle's CPU. :class:`LoopUnit` stands where the session stands (the workflow functions
take it as their ``session``): it answers what the direct path asks (the connection,
the dialect, the transaction, ``info``) itself, and on the first use of anything else
(``session.get``, ``add``, ``execute``, ``flush``, ``begin_nested``, ...) makes the real
``Session``, joined to the same transaction, and hands that over from then on. So every
function keeps one implementation whichever path calls it, and the rare branches (gold
records, onboarding, quotas, monitoring) still get the ORM.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

__all__ = ["LoopUnit"]


class LoopUnit:
    """Stands for a ``Session`` joined to ``conn``'s transaction ``tx`` (see module doc)."""

    __slots__ = ("_conn", "_tx", "info", "session", "kept")

    def __init__(self, conn: Connection, tx: Any) -> None:
        self._conn = conn
        self._tx = tx
        self.info: dict[Any, Any] = {}
        self.session: Session | None = None  # the real one, once something needed it
        # (connection, dialect, DBAPI cursor, libpq lane) for accord.store.direct while no
        # session was made (afterwards the session's connection, which may be in a savepoint)
        self.kept: tuple[Connection, Any, Any, Any] | None = None

    def orm(self) -> Session:
        """The real session, joined to the unit's transaction (made on first use).

        "rollback_only": the transaction is the connection's (a session rollback rolls it
        back); the session only flushes its pending changes into it.
        """
        session = self.session
        if session is None:
            session = Session(bind=self._conn, expire_on_commit=False,
                              join_transaction_mode="rollback_only")
            session.__dict__["info"] = self.info  # one ``info`` for the whole unit
            self.session = session
        return session

    def __getattr__(self, name: str) -> Any:
        # only called for what the class does not define: the rest of Session's interface
        return getattr(self.orm(), name)

    def get_bind(self) -> Connection:
        return self._conn

    def get_transaction(self) -> Any:
        """The unit's transaction (the same object for the whole unit, session or not)."""
        return self._tx

    def get_nested_transaction(self) -> Any:
        return None if self.session is None else self.session.get_nested_transaction()

    def connection(self, **kw: Any) -> Connection:
        if self.session is None and not kw:
            return self._conn  # nothing pending to flush, no savepoint open
        return self.orm().connection(**kw)

    def flush(self) -> None:
        if self.session is not None:
            self.session.flush()

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
