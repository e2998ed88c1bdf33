"""Prebuilt Core statements run straight on the session's DBAPI cursor (the annotator loop).

``Connection.execute`` of a cached statement costs about 40 microseconds of Python
per statement here (execution context, events, result metadata), several times
the SQLite work of an index seek; the annotator loop runs about 20 statements per
next + submit cycle. :func:`run` keeps what SQLAlchemy contributes (the SQL text for
the dialect, its bind and result processors: datetimes, JSON, booleans; errors
wrapped and a dead PostgreSQL connection invalidating the pool, exactly as
``Connection.execute`` does) and prepares it once per statement, dialect and
parameter names. The statement runs in the session's transaction, on its connection.

On PostgreSQL the statement goes to libpq without psycopg's cursor
(:mod:`accord.store.pq_direct`: psycopg's generators and wait loop cost about a tenth of
a next + submit cycle's CPU there); the values sent and the rows read are psycopg's.

Only for statements without expanding (``IN``) or literal-execute parameters;
:func:`prepare` refuses the others.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from accord.store import pq_direct
from accord.store.unit import LoopUnit

__all__ = ["run", "Rows", "prepare"]

_MISSING = object()


class Prepared:
    """A statement compiled for one dialect and one set of parameter names."""

    __slots__ = ("sql", "binds", "positional", "row", "types", "processors", "ready",
                 "returns_rows", "statement", "plain")

    def __init__(self, stmt: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("accord.store.direct: expanding or literal-execute parameters "
                             f"are not supported: {compiled.string[:80]!r}")
        self.statement = stmt  # keeps the id() in the cache key from being reused
        self.sql = compiled.string
        processors = compiled._bind_processors
        escaped = compiled.escaped_bind_names
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        order = compiled.positiontup if compiled.positional else list(by_name)
        self.positional = bool(compiled.positional)
        # (name sent to the driver, parameter key, fixed value, bind processor)
        self.binds = []
        for name in order or ():
            bind = by_name[name]
            fixed = _MISSING if bind.key in keys else bind.effective_value
            self.binds.append((escaped.get(name, name), bind.key, fixed,
                               processors.get(name)))
        # positional, every value a parameter and none processed: the values are the
        # parameters in order (:func:`run` skips the loop below)
        self.plain = tuple(b[1] for b in self.binds) if self.positional and all(
            fixed is _MISSING and proc is None for _s, _k, fixed, proc in self.binds) else None
        columns = compiled._result_columns or []
        self.returns_rows = bool(columns)
        self.row = namedtuple("Row", [c[0] for c in columns], rename=True) if columns else None
        self.types = [c[3] for c in columns]
        self.processors: list[Any] | None = None  # on the first run: they need the
        self.ready = False  # driver's column types (PostgreSQL numerics)

    def result_processors(self, dialect: Dialect, description: Any) -> list[Any] | None:
        if not self.ready:
            codes = [d[1] for d in description or ()] or [None] * len(self.types)
            procs = [t._cached_result_processor(dialect, code)
                     for t, code in zip(self.types, codes, strict=True)]
            # (column index, processor) of the columns that have one
            self.processors = [(i, f) for i, f in enumerate(procs) if f is not None] or None
            self.ready = True
        return self.processors


class Rows:
    """The rows a statement returned (named tuples) and how many rows it changed."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def all(self) -> list[Any]:
        return self.rows


_CONNECTION = "accord_direct_connection"
_cache: dict[tuple[int, str, tuple[str, ...]], Prepared] = {}
_cache_lock = threading.Lock()


def prepare(stmt: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> Prepared:
    key = (id(stmt), dialect.name, tuple(keys))
    found = _cache.get(key)
    if found is None:
        found = Prepared(stmt, dialect, keys)
        with _cache_lock:
            _cache[key] = found
    return found


def _connection(session: Session | LoopUnit) -> Connection:
    """``session.connection()``, remembered for the session's innermost transaction (a
    ``begin_nested()`` block is one: its SAVEPOINT is emitted by ``session.connection()``).

    ``Session.connection`` walks the session's transaction state on every call (about
    as much Python as the rest of :func:`run`); the connection of an active root
    transaction does not change until that transaction ends.
    """
    if type(session) is LoopUnit:  # it made its session: use that one's transaction state
        session = session.orm()
    tx = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_CONNECTION)
    if cached is not None and tx is not None and cached[0] is tx and tx.is_active:
        return cached[1]  # type: ignore[no-any-return]
    conn = session.connection()  # in a begin_nested() block: emits its SAVEPOINT
    session.info[_CONNECTION] = (session.get_nested_transaction() or session.get_transaction(),
                                 conn)
    return conn


_CURSOR = "accord_direct_cursor"


def _cursor(conn: Connection) -> tuple[Any, pq_direct.Lane | None]:
    """The DBAPI cursor :func:`run` executes on, one per DBAPI connection, kept in the pool
    record's ``info`` with the connection it belongs to. A new psycopg cursor copies the
    connection's adapters and builds a transformer (about 4 % of a next + submit cycle's
    CPU on PostgreSQL, two dozen statements); a cursor is reusable, each ``execute``
    replaces its previous result, and every result is fetched before :func:`run`
    returns. A connection is used by one thread at a time (its session's). With it, on
    PostgreSQL, the connection's :class:`accord.store.pq_direct.Lane` (``None`` elsewhere)."""
    fairy = conn.connection
    dbapi_conn = fairy.dbapi_connection
    kept = fairy.info.get(_CURSOR)
    if kept is not None and kept[0] is dbapi_conn and not getattr(kept[1], "closed", False):
        return kept[1], kept[2]
    cursor = dbapi_conn.cursor()  # type: ignore[union-attr]
    lane = pq_direct.lane(dbapi_conn) if conn.dialect.name == "postgresql" else None
    fairy.info[_CURSOR] = (dbapi_conn, cursor, lane)
    return cursor, lane


def run(session: Session, stmt: ClauseElement, params: Mapping[str, Any]) -> Rows:
    """Execute ``stmt`` with ``params`` in the session's transaction, as
    ``session.connection().execute(stmt, params)`` would, for a fraction of the cost."""
    if type(session) is LoopUnit and session.session is None:
        # the loop's unit of work: its connection, dialect and cursor looked up once
        kept = session.kept
        if kept is None:
            conn = session.get_bind()
            kept = session.kept = (conn, conn.dialect, *_cursor(conn))
        conn, dialect, cursor, lane = kept
    else:
        conn = _connection(session)
        dialect = conn.dialect
        cursor, lane = _cursor(conn)
    keys = tuple(params)
    p = _cache.get((id(stmt), dialect.name, keys)) or prepare(stmt, dialect, keys)
    args: Any
    if p.plain is not None:
        args = [params[key] for key in p.plain]
    else:
        values = []
        for _sent, key, fixed, proc in p.binds:
            value = params[key] if fixed is _MISSING else fixed
            values.append(value if proc is None else proc(value))
        args = values if p.positional else {b[0]: v for b, v in zip(p.binds, values,
                                                                       strict=True)}
    try:
        if lane is not None:  # PostgreSQL: libpq's blocking calls (accord.store.pq_direct)
            rows, rowcount, res = lane.execute(p, p.sql, args)
            if not p.returns_rows:
                rows = []
            procs = (p.processors if p.ready else p.result_processors(
                dialect, [(None, res.ftype(i)) for i in range(res.nfields)])) if rows else None
        else:
            cursor.execute(p.sql, args)
            rows = cursor.fetchall() if p.returns_rows else []
            # the driver's column types are read once per statement (psycopg builds the
            # description's column objects on every access)
            procs = (p.processors if p.ready else p.result_processors(
                dialect, cursor.description)) if rows else None
            rowcount = cursor.rowcount
    except dialect.loaded_dbapi.Error as exc:
        # wraps the error as SQLAlchemy's (OperationalError, IntegrityError, ...) and,
        # for a lost connection, invalidates the pool, as Connection.execute does (and
        # closes the cursor: the next run takes a new one)
        conn.connection.info.pop(_CURSOR, None)
        if type(session) is LoopUnit:
            session.kept = None
        conn._handle_dbapi_exception(exc, p.sql, args, cursor, None)
        raise  # pragma: no cover - the call above always raises
    if p.row is not None:
        make = p.row._make
        if procs is None:
            rows = [make(r) for r in rows]
        else:
            done = []
            for r in rows:
                values = list(r)
                for i, f in procs:
                    values[i] = f(values[i])
                done.append(make(values))
            rows = done
    return Rows(rows, rowcount)
