"""The loop's statements on PostgreSQL through libpq's blocking calls (``psycopg.pq``).

:func:`accord.store.direct.run` executes a prebuilt statement on a kept psycopg cursor;
``cursor.execute`` + ``fetchall`` drive psycopg's generators and wait loop in Python
for every statement. :class:`Lane` does the same work with libpq's blocking calls
(``PQexecPrepared``, ``PQexecParams``, ``PQprepare``; psycopg's C module releases the
GIL around them) and psycopg's own pieces for everything else, so the values sent and
the rows read are the ones the cursor would send and read:

- the query and its parameters: psycopg's ``PostgresQuery`` (the same ``$n`` query, the
  same dumpers of a ``Transformer`` made from the connection, the same types and formats);
- the rows: the Transformer's loaders (``set_pgresult``, ``load_rows``), text results as
  the cursor asks for them; the rowcount as the cursor computes it;
- the transaction: psycopg's own ``BEGIN`` command, sent when psycopg would send it (the
  connection is not in autocommit and libpq says it is idle);
- prepared statements: the connection's own ``PrepareManager``, with its threshold, its
  cap and its names. A statement is prepared at the execution psycopg would prepare it
  (``prepare_threshold``: none when it is ``None``), and whatever makes psycopg forget its
  statements (a rollback, ``DISCARD ALL``, DDL, eviction) makes the lane forget them too;
- errors: the exception psycopg raises for the same result (``error_from_result``), an
  ``OperationalError`` when the connection is lost.

These pieces are psycopg's internals (``_prepared``, ``_get_tx_start_command``,
``psycopg._queries``), which a release may change without notice: :func:`lane` returns
``None`` (the cursor path) unless the installed psycopg is a release series the lane was
tested with (:data:`TESTED`) and has all of them. tests/store/test_pq_direct.py compares
the lane's rows and prepared statements with the cursor's; add a series to
:data:`TESTED` only after that file passes on it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Lane", "lane", "TESTED", "series"]


def series(version: str) -> tuple[int, ...]:
    """``(3, 3)`` for ``"3.3.9"`` (or ``"3.3.0.dev1"``); ``()`` for what does not parse."""
    parts = version.split(".")[:2]
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()


#: psycopg release series (major, minor) whose internals the lane was checked against
TESTED = frozenset({(3, 3)})

try:
    import psycopg
    from psycopg import OperationalError, errors, pq
    from psycopg._preparing import Prepare
    from psycopg._queries import PostgresQuery
    from psycopg.adapt import Transformer
except ImportError:  # pragma: no cover - psycopg not installed, or its internals moved
    PostgresQuery = None
else:
    if series(psycopg.__version__) not in TESTED:  # pragma: no cover - another release
        PostgresQuery = None

if PostgresQuery is not None:
    _IDLE = pq.TransactionStatus.IDLE
    _OK = pq.ConnStatus.OK
    _TUPLES_OK = pq.ExecStatus.TUPLES_OK
    _COMMAND_OK = pq.ExecStatus.COMMAND_OK
    _FATAL_ERROR = pq.ExecStatus.FATAL_ERROR
    _NO = Prepare.NO
    _SHOULD = Prepare.SHOULD


class Lane:
    """One DBAPI connection's way to libpq (used by one thread at a time, its session's)."""

    __slots__ = ("dbapi", "pgconn", "tx", "prepared", "queries")

    def __init__(self, dbapi_conn: Any) -> None:
        self.dbapi = dbapi_conn
        self.pgconn = dbapi_conn.pgconn
        self.tx = Transformer(dbapi_conn)  # the connection's adapters, as a new cursor's
        self.prepared = dbapi_conn._prepared
        self.queries: dict[Any, Any] = {}  # accord.store.direct.Prepared -> PostgresQuery

    def execute(self, key: Any, sql: str, args: Any) -> tuple[list[Any], int, Any]:
        """Run ``sql`` with ``args`` (as ``cursor.execute`` would); the rows (tuples),
        the rowcount and the result (for its column types)."""
        pgconn = self.pgconn
        dbapi = self.dbapi
        if pgconn.transaction_status == _IDLE and not dbapi.autocommit:
            self._command(dbapi._get_tx_start_command())
        query = self.queries.get(key)
        if query is None:
            query = PostgresQuery(self.tx)
            query.convert(sql, args)
            self.queries[key] = query
        else:
            query.dump(args)
        manager = self.prepared
        names = manager._names
        found = (query.query, query.types)
        name = names.get(found) if manager.prepare_threshold is not None else None
        if name is not None:  # prepared on this connection: psycopg's cache hit
            names.move_to_end(found)
            res = pgconn.exec_prepared(name, query.params, query.formats, 0)
        else:
            res = self._unprepared(query)
        status = res.status
        if status == _TUPLES_OK:
            tx = self.tx
            tx.set_pgresult(res)
            n = res.ntuples
            return tx.load_rows(0, n, tuple), n, res
        if status != _COMMAND_OK:
            raise self._error(res)
        rowcount = res.command_tuples
        return [], -1 if rowcount is None else rowcount, res

    def _unprepared(self, query: Any) -> Any:
        """psycopg's ``_maybe_prepare_gen`` for a statement not prepared yet: run it
        unprepared, or prepare it first if this is the execution psycopg prepares at."""
        pgconn = self.pgconn
        manager = self.prepared
        prep, name = manager.get(query)
        if prep is _NO:
            if query.params:
                res = pgconn.exec_params(query.query, query.params, query.types,
                                         query.formats, 0)
            else:
                res = pgconn.exec_(query.query)
        else:
            if prep is _SHOULD:
                made = pgconn.prepare(name, query.query, query.types)
                if made.status == _FATAL_ERROR:
                    raise self._error(made)
            res = pgconn.exec_prepared(name, query.params, query.formats, 0)
        cached = manager.maybe_add_to_cache(query, prep, name)
        if cached is not None:
            manager.validate(cached, prep, name, [res])
        if manager._to_flush and res.status in (_TUPLES_OK, _COMMAND_OK):
            self.dbapi.wait(manager.maintain_gen(self.dbapi))  # DEALLOCATE the evicted
        return res

    def _command(self, command: bytes) -> None:
        res = self.pgconn.exec_(command)
        if res.status != _COMMAND_OK:
            raise self._error(res)

    def _error(self, res: Any) -> Exception:
        encoding = self.dbapi.info.encoding
        if self.pgconn.status != _OK:
            return OperationalError(res.get_error_message(encoding)  # type: ignore[no-any-return]
                                    or "the connection to the server was lost")
        if res.status == _FATAL_ERROR:
            return errors.error_from_result(res, encoding=encoding)  # type: ignore[no-any-return]
        return errors.InternalError(f"unexpected result status from query: "
                                    f"{pq.ExecStatus(res.status).name}")


def lane(dbapi_conn: Any) -> Lane | None:
    """A :class:`Lane` for a psycopg connection that has what it needs, else ``None``."""
    if (PostgresQuery is None or getattr(dbapi_conn, "pgconn", None) is None
            or not hasattr(dbapi_conn, "_prepared")
            or not hasattr(dbapi_conn, "_get_tx_start_command")
            or dbapi_conn.pgconn.status != _OK):
        return None
    return Lane(dbapi_conn)
