"""Engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL via psycopg 3.

Nothing is created at import time; callers build an engine with :func:`make_engine`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from accord.errors import AccordError, InputError
from accord.store.json_text import json_text
from accord.store.unit import LoopUnit

__all__ = ["DEFAULT_URL", "resolve_url", "make_engine", "session_scope", "write_scope",
           "nowait_write", "write_now", "write_unit", "NOT_NOW", "side_connection", "busy_timeout",
           "is_sqlite_file", "pool_size_for_process", "DEFAULT_HOST_CONNECTIONS",
           "is_sqlite", "check_connection"]

DEFAULT_URL = "sqlite:///accord.db"
T = TypeVar("T")


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else ``$ACCORD_DB``, else ``sqlite:///accord.db``."""
    url = url or os.environ.get("ACCORD_DB") or DEFAULT_URL
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _json_loads(text: str | bytes | int | float) -> object:
    """SQLite gives JSON columns NUMERIC affinity, so a bare number comes back as a number."""
    import orjson

    if isinstance(text, (int, float)):
        return text
    return orjson.loads(text)


def _busy_timeout_ms() -> int:
    raw = os.environ.get("ACCORD_SQLITE_BUSY_MS", "")
    try:
        return int(raw) if raw else 30_000
    except ValueError:
        raise InputError(f"$ACCORD_SQLITE_BUSY_MS={raw!r}: expected milliseconds",
                         field="ACCORD_SQLITE_BUSY_MS") from None


#: PostgreSQL connections one server host keeps at most, shared by its worker processes
DEFAULT_HOST_CONNECTIONS = 40
#: connections each process may open beyond its pool: the login routes are not gated
LOGIN_OVERFLOW = 4
#: a pooled PostgreSQL connection idle longer than this is pinged before it is used
PING_AFTER_IDLE_S = 5.0


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise InputError(f"${name}={raw!r}: expected a whole number >= {minimum}", field=name)
    return value


def pool_size_for_process() -> int:
    """Pooled PostgreSQL connections of one process: ``$ACCORD_DB_CONNECTIONS`` (per host,
    default 40) shared by the host's ``$ACCORD_WORKERS`` processes (``accord serve
    --workers`` sets it; default 1), at least 4 each. A host then opens at most
    ``connections + 4 x workers`` (the extra 4 per process: logins, which are not
    gated); N hosts need N times that below PostgreSQL's ``max_connections``
    (docs/settings.md, "Pool sizes")."""
    host = _env_int("ACCORD_DB_CONNECTIONS", DEFAULT_HOST_CONNECTIONS, 4)
    workers = _env_int("ACCORD_WORKERS", 1, 1)
    return max(4, host // workers)


def make_engine(url: str | None = None, *, pool_size: int | None = None) -> Engine:
    """Build an engine for ``url`` (see :func:`resolve_url`).

    SQLite connections get ``journal_mode=WAL``, ``foreign_keys=ON``,
    ``synchronous=NORMAL`` and a 30 s busy timeout (``$ACCORD_SQLITE_BUSY_MS``
    changes it; a write still waiting then fails with "database is locked",
    which the server answers with 503 and ``Retry-After``); write transactions use
    ``BEGIN IMMEDIATE`` (see :func:`write_scope`) so concurrent writers queue
    instead of failing on lock upgrade.

    Raises
    ------
    InputError
        When the URL is malformed, the SQLite directory does not exist or the
        server cannot be reached.
    """
    url = resolve_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"cannot parse database URL {url!r}; expected e.g. sqlite:///accord.db "
                         "or postgresql://user@host/db", field="--db") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise InputError(f"cannot open database {url!r}: directory {str(parent)!r} does "
                                 "not exist", field="--db")
        busy_ms = _busy_timeout_ms()
        engine = create_engine(url, json_serializer=json_text, json_deserializer=_json_loads,
                               connect_args={"timeout": busy_ms / 1000,
                                             "check_same_thread": False,
                                             "isolation_level": None})
        _configure_sqlite(engine, busy_ms)
    elif parsed.get_backend_name() == "postgresql":
        size = pool_size or pool_size_for_process()
        # the server's gate admits fewer requests than the pool holds
        # (accord.server.gates.postgres_gate_limit), so an admitted request never waits
        # for a connection; the overflow serves the ungated login routes
        engine = create_engine(url, json_serializer=json_text, json_deserializer=_json_loads,
                               pool_size=size, max_overflow=LOGIN_OVERFLOW)
        _ping_when_idle(engine, PING_AFTER_IDLE_S)
    else:
        raise InputError(f"unsupported database {parsed.get_backend_name()!r} in {url!r}; "
                         "accord supports sqlite and postgresql", field="--db")
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Check a pooled connection with a round trip only when it sat idle for ``idle_s``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one extra round trip per
    request. A connection used a moment ago is alive (and if the database restarted
    in between, the failing statement invalidates the whole pool, the request gets
    503 ``unavailable`` and the next one a fresh connection); one that sat idle is
    pinged first, so a restart during a quiet spell costs nothing.
    """
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["accord_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("accord_idle_since")
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()  # the ping opened a transaction (psycopg's autobegin)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool drops this connection and checks out another (a fresh one)
            raise DisconnectionError(str(exc)) from exc


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # straight on the driver connection: every request begins a transaction, and
        # SQLAlchemy's statement execution cost more than SQLite's BEGIN itself
        options = conn.get_execution_options()
        dbapi_conn = conn.connection.driver_connection
        if options.get("accord_nowait"):  # see write_now: fail at once instead of waiting
            if conn.connection.info.get(_WAITS_NEVER):  # write_now's kept connection
                _begin(conn, dbapi_conn, "BEGIN IMMEDIATE")
                return
            # the connection's standing busy timeout is busy_ms (set on connect above)
            dbapi_conn.execute("PRAGMA busy_timeout=0")
            try:
                _begin(conn, dbapi_conn, "BEGIN IMMEDIATE")
            finally:
                dbapi_conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        elif options.get("accord_write"):
            _begin(conn, dbapi_conn, "BEGIN IMMEDIATE")
        else:
            _begin(conn, dbapi_conn, "BEGIN")


def _begin(conn: Connection, dbapi_conn: Any, sql: str) -> None:
    try:
        dbapi_conn.execute(sql)
    except conn.dialect.loaded_dbapi.Error as exc:
        # SQLAlchemy's exception types (OperationalError "database is locked", ...), as
        # exec_driver_sql raised them
        conn._handle_dbapi_exception(exc, sql, (), None, None)
        raise  # pragma: no cover - the call above always raises


@contextmanager
def busy_timeout(dbapi_conn: Any, ms: int) -> Iterator[None]:
    """Run the block with this SQLite DBAPI connection's busy timeout at ``ms`` (0: fail
    at once on a lock instead of waiting), then put the previous value back."""
    previous = int(dbapi_conn.execute("PRAGMA busy_timeout").fetchone()[0])
    dbapi_conn.execute(f"PRAGMA busy_timeout={int(ms)}")
    try:
        yield
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={previous}")


def is_sqlite_file(engine: Engine) -> bool:
    """SQLite on a file, not in memory: a database with a WAL, which more connections
    (readers, a checkpointer) can open."""
    if engine.dialect.name != "sqlite":
        return False
    database = engine.url.database or ""
    return database not in ("", ":memory:") and not database.startswith("file::memory:") \
        and "mode=memory" not in str(engine.url)


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, (Session, LoopUnit)) \
        else engine_or_session
    return bind.dialect.name == "sqlite"


def check_connection(engine: Engine) -> None:
    """Open a connection once, turning failures into an :class:`AccordError`."""
    try:
        with engine.connect() as conn:
            inspect(conn).get_table_names()
    except OperationalError as exc:
        raise AccordError(f"cannot open database {engine.url.render_as_string(hide_password=True)}"
                          f": {exc.orig}") from None


_factories: dict[int, sessionmaker[Session]] = {}


def _factory(engine: Engine) -> sessionmaker[Session]:
    key = id(engine)
    if key not in _factories:
        _factories[key] = sessionmaker(engine, expire_on_commit=False)
    return _factories[key]


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with _factory(engine)() as session:
        with session.begin():
            yield session


_write_locks: dict[int, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(engine: Engine) -> threading.Lock | None:
    """SQLite allows one writer; queueing writers of this process on a lock hands the
    database over at once, where SQLite's busy handler would sleep up to 100 ms per retry.
    Other processes still wait through SQLite's own locking (correctness never depends
    on this lock)."""
    if engine.dialect.name != "sqlite":
        return None
    found = _write_locks.get(id(engine))  # every loop request asks: no guard once made
    if found is not None:
        return found
    with _write_locks_guard:
        return _write_locks.setdefault(id(engine), threading.Lock())


_side_engines: dict[str, Engine] = {}


def _side_engine(engine: Engine) -> Engine:
    """An unpooled engine on the same SQLite file, for :func:`nowait_write`."""
    key = engine.url.render_as_string(hide_password=False)  # ids of disposed engines recur
    with _write_locks_guard:
        side = _side_engines.get(key)
        if side is None:
            side = create_engine(engine.url, poolclass=NullPool,
                                 connect_args={"check_same_thread": False,
                                               "isolation_level": None})
            _configure_sqlite(side, _busy_timeout_ms())
            _side_engines[key] = side
        return side


@contextmanager
def nowait_write(engine: Engine) -> Iterator[Connection | None]:
    """A short SQLite write transaction only if it can start at once, else None.

    For bookkeeping writes that may be skipped (a token's last use): never waits
    for this process's write lock nor for another process's (busy timeout 0 while
    it runs). Failures inside are swallowed; the transaction is then rolled back.
    """
    lock = _write_lock(engine)
    if lock is None or not lock.acquire(blocking=False):
        yield None
        return
    try:
        # a connection outside the engine's pool: the caller usually holds a pooled
        # connection already, and waiting for a second one could exhaust the pool
        with _side_engine(engine).connect() as conn:
            # set outside SQLAlchemy's transaction, for the whole of it
            with busy_timeout(conn.connection.driver_connection, 0):
                try:
                    with conn.begin():
                        yield conn
                except OperationalError:
                    pass
    finally:
        lock.release()


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """Like :func:`session_scope`, but takes the write lock up front on SQLite."""
    lock = _write_lock(engine)
    if lock is not None:
        lock.acquire()
    try:
        with _factory(engine)() as session:
            session.connection(execution_options={"accord_write": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if lock is not None:
            lock.release()


NOT_NOW = object()
"""What :func:`write_now` returns when the write could not start at once."""


def write_now(engine: Engine, fn: Callable[[Session], T]) -> T | object:
    """Run ``fn(session)`` in a SQLite write transaction only if it can start at once.

    For work that must never wait where it runs (the server's event loop, see
    :func:`accord.server.deps.run_annotator_work`): returns :data:`NOT_NOW`, having
    run nothing, when the engine is not SQLite, this process's write lock is taken
    or another process holds the database's write lock (the ``BEGIN IMMEDIATE``
    runs with a busy timeout of 0). Otherwise the result of ``fn``, committed; an
    exception in ``fn`` rolls back and propagates.

    On a SQLite file the unit runs on a connection kept for it (see
    :func:`_loop_connection`); the session joins that connection's transaction.
    """
    lock = _write_lock(engine)
    if lock is None or not lock.acquire(blocking=False):
        return NOT_NOW
    try:
        conn = engine.__dict__.get(_LOOP_CONNECTION)  # kept: a SQLite file (asked once)
        if conn is None or conn.closed:
            if not is_sqlite_file(engine):
                return _write_now_pooled(engine, fn)
            conn = _loop_connection(engine)
        try:
            tx = conn.begin()
        except OperationalError as exc:
            if _is_busy(exc):
                return NOT_NOW
            raise
        return _in_transaction(conn, tx, fn)
    finally:
        lock.release()


def _in_transaction(conn: Connection, tx: Any, fn: Callable[[Session], T]) -> T:
    """``fn(unit)`` in ``conn``'s transaction ``tx``, then commit; an exception rolls back.

    ``unit`` is a :class:`accord.store.unit.LoopUnit`: it stands for a session joined to
    the transaction and makes one only when ``fn`` uses the ORM (the loop's common path
    does not); that session only flushes its pending changes into the transaction.
    """
    unit = LoopUnit(conn, tx)
    try:
        out = fn(unit)  # type: ignore[arg-type]
        unit.flush()
        tx.commit()
    except BaseException:
        unit.rollback()
        if tx.is_active:
            tx.rollback()
        raise
    finally:
        unit.close()
    return out


def write_unit(engine: Engine, fn: Callable[[Session], T]) -> T:
    """Run ``fn(session)`` in one write transaction and commit it (waiting for the write to
    start, unlike :func:`write_now`): the annotator loop's unit of work off the event loop.

    On PostgreSQL the session joins a pooled connection's transaction and only flushes
    into it; the commit is the connection's. :func:`write_scope`'s session begins its
    own transaction on a connection it checks out and commits through its transaction
    machinery: about 30-100 microseconds more of Python per unit, two units per next +
    submit cycle. SQLite goes through :func:`write_scope` (its write lock and
    ``BEGIN IMMEDIATE``). An exception in ``fn`` rolls back and propagates.
    """
    if engine.dialect.name != "postgresql":
        with write_scope(engine) as session:
            return fn(session)
    with engine.connect() as conn:
        return _in_transaction(conn, conn.begin(), fn)


def _write_now_pooled(engine: Engine, fn: Callable[[Session], T]) -> T | object:
    """:func:`write_now` on an in-memory SQLite database: a session from the pool."""
    with _factory(engine)() as session:
        try:
            session.connection(execution_options={"accord_write": True, "accord_nowait": True})
        except OperationalError as exc:
            if _is_busy(exc):
                return NOT_NOW
            raise
        try:
            out = fn(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return out


_LOOP_CONNECTION = "_accord_loop_connection"


def _loop_connection(engine: Engine) -> Connection:
    """The connection :func:`write_now` runs on, kept checked out between units.

    Only ever used under the process's write lock, so one is enough. Checking a
    connection out of the pool, building its ``Connection`` and returning it (with the
    pool's reset) cost about 60 microseconds of Python per unit of work, two units per
    next + submit cycle (``bench/loop_bench.py``). Closed when the engine is disposed;
    a connection that died is replaced.
    """
    conn: Connection | None = engine.__dict__.get(_LOOP_CONNECTION)
    if conn is None or conn.closed:
        if conn is None:
            event.listen(engine, "engine_disposed", _close_loop_connection)
        conn = engine.connect().execution_options(accord_write=True, accord_nowait=True)
        _never_wait(conn)
        setattr(engine, _LOOP_CONNECTION, conn)
    return conn


_WAITS_NEVER = "accord_waits_never"
"""Key in a pooled SQLite connection's ``info``: its busy timeout stands at 0."""


def _never_wait(conn: Connection) -> None:
    """Set the kept loop connection's busy timeout to 0 for good, when its database is in
    WAL mode: its ``BEGIN IMMEDIATE`` then fails at once on a lock without the two
    ``PRAGMA busy_timeout`` statements around it (4 statements per next + submit cycle).

    In WAL mode nothing after a ``BEGIN IMMEDIATE`` waits on a lock: the transaction
    holds the write lock and its read snapshot from the ``BEGIN`` on, a commit takes no
    further lock, and the checkpoint a commit may run is a passive one, which never
    waits. In rollback-journal mode a commit waits for readers, so such a connection
    keeps its standing timeout. The flag lives in the pool record's ``info``, which
    SQLAlchemy clears when the record gets a new DBAPI connection (that one's timeout
    is ``busy_ms`` again, set on connect).
    """
    dbapi_conn = conn.connection.driver_connection
    mode = dbapi_conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() == "wal":
        dbapi_conn.execute("PRAGMA busy_timeout=0")
        conn.connection.info[_WAITS_NEVER] = True


def _close_loop_connection(engine: Engine) -> None:
    conn: Connection | None = engine.__dict__.get(_LOOP_CONNECTION)
    if conn is not None and not conn.closed:
        # the pool it came from was just replaced: close the DBAPI connection itself
        # instead of checking it back into the discarded pool
        lock = _write_lock(engine)
        with lock if lock is not None else _no_lock():
            conn.invalidate()
            conn.close()


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def side_connection(engine: Engine) -> Connection:
    """A SQLite connection outside ``engine``'s pool (same file and settings), for
    housekeeping threads that must never take a request's connection."""
    return _side_engine(engine).connect()
