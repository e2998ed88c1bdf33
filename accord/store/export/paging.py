"""The machinery every page reader shares: a dataset's page plan, its statements run on a
driver connection, and pages over consecutive id ranges read ahead by threads.

Pages are consecutive id ranges ``(lo, hi]``; each reading connection has a thread that
builds the next page while the caller handles this one (SQLite runs without the GIL,
PostgreSQL in its own process). On PostgreSQL a page comes as rows of a run of ids each
(:meth:`~accord.store.export.postgres._Postgres.chunked`), sized by :class:`Chunks`.
What the database leaves to Python, Python finishes here: markers of doubles the database
cannot print exactly (:func:`unmark`). The JSON values are the text stored by
:mod:`accord.store.json_text` on both backends, copied.

The page kinds built on it, their statements from the spec
(:mod:`accord.store.export.compose`) through the backend's dialect
(:mod:`~accord.store.export.sqlite`, :mod:`~accord.store.export.postgres`):

* :mod:`.json_rows`: a :class:`~accord.store.export.rows.JsonRecord` per record
  (row builders of whole-record formats);
* :mod:`.lines`: JSONL text per page (``jsonl`` without filters);
* :mod:`.columns`: Arrow string arrays per page (Parquet and the hub), the fields read
  by the client on PostgreSQL (:mod:`.field_reader`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

from sqlalchemy.orm import Session

from accord.store.export import compose
from accord.store.export import postgres as postgres_dialect
from accord.store.export import sqlite as sqlite_dialect
from accord.store.export.compose import user_params
from accord.store.export.postgres import POSTGRES
from accord.store.export.reads import _Reader
from accord.store.export.spec import CHILDREN
from accord.store.export.sqlite import SQLITE

__all__ = ["MARK", "Chunks", "Plan", "ascending", "connections", "json_records_supported",
           "range_pages", "run", "unmark"]

MARK = "\x01"

# pages per reading connection (read or being read) the caller has not taken: with two,
# each connection's next page is already queued when it finishes one, so a PostgreSQL
# backend never waits for the caller to take a page before it reads on (1M x 3 JSONL
# export, median 10.6 s with one, 10.2 s with two; docs/benchmarks.md)
_IN_FLIGHT = 2
# PostgreSQL returns a page as rows of about this many bytes (see
# accord.store.export.postgres, POSTGRES.chunked): below glibc's smallest mmap threshold
# (128 KiB), so the server's copies of a row reuse memory instead of faulting in new pages
_CHUNK_BYTES = 64 << 10
_CHUNK_IDS = 32  # ids per row of a page's first statement (lines of about 2 KB)


def _dialect(session: Session) -> Any:
    name = session.connection().dialect.name
    return SQLITE if name == "sqlite" else POSTGRES if name == "postgresql" else None


def json_records_supported(session: Session) -> bool:
    """Whether the database builds the JSON text itself (SQLite and PostgreSQL)."""
    return _dialect(session) is not None


def run(conn: Any, sql: str, params: Any, *, binary: bool = False) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on a DB-API connection (sqlite3 or psycopg); ``binary``: psycopg
    reads the result in binary format and gives ``text`` as its UTF-8 bytes (no hex text
    of a ``bytea`` for the server to write and the client to decode, no ``str``)."""
    cursor = conn.cursor(binary=True) if binary else conn.cursor()
    if binary:
        from psycopg.types.string import ByteaBinaryLoader

        cursor.adapters.register_loader("text", ByteaBinaryLoader)
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


class Plan:
    """What a dataset's page statements depend on: the backend, which children it has,
    and the users (bound values)."""

    def __init__(self, session: Session, dataset_id: int) -> None:
        dialect = _dialect(session)
        if dialect is None:
            raise ValueError("the database cannot build export JSON "
                             f"({session.connection().dialect.name})")
        self.session, self.dataset_id, self.dialect = session, dataset_id, dialect
        raw = session.connection().connection.driver_connection
        # under the export's settings (SQLite: the checks walk the records' index, see
        # sqlite_dialect.tune)
        with _tuned(dialect, [raw]):
            reader = _Reader(session)
            self.present = {"suggestions": reader.has_suggestions(dataset_id),
                            "reviews": reader.has_reviews(dataset_id),
                            "gold": reader.has_gold(dataset_id)}
            users = run(raw, dialect.users_sql(compose.USERS_INLINE + 1), {})
        self.users = len(users)
        self.params: dict[str, Any] = {"ds": dataset_id,
                                       **user_params(dict((int(i), n) for i, n in users))}

    def run(self, conn: Any, sql: str, lo: int, hi: int, *, binary: bool = False,
            chunk: int = 0) -> list[tuple[Any, ...]]:
        """``binary``: read a PostgreSQL result in binary format (see :func:`run`);
        ``chunk``: ids per row of a chunked statement (``%(chunk)s``)."""
        params = {**self.params, "lo": lo, "hi": hi}
        if chunk:
            params["chunk"] = chunk
        return run(conn, sql, params, binary=binary and self.dialect is POSTGRES)

    def finish(self, conn: Any, text: Any) -> Any:
        """``text`` (str or bytes) with its markers replaced."""
        return unmark(conn, self.dialect, text)


def unmark(conn: Any, dialect: Any, text: Any) -> Any:
    """``text`` (str or bytes) with each marker of a double replaced by its ``repr``:
    PostgreSQL's markers hold the exact text, SQLite's name the row
    (``alias:column:id``), read here in one query per column."""
    mark = MARK if text.__class__ is str else MARK.encode()
    if mark not in text:
        return text
    parts = text.split(mark)
    keys = [key if key.__class__ is str else key.decode() for key in parts[1::2]]
    exact: dict[str, str] = {}
    wanted: dict[tuple[str, str], list[str]] = {}
    for key in keys:
        if ":" in key:
            alias, column, rid = key.split(":")
            wanted.setdefault((alias, column), []).append(rid)
        else:
            exact[key] = repr(float(key))
    tables = {child.alias: child for child in CHILDREN}
    for (alias, column), rids in wanted.items():
        child = tables[alias]
        for start in range(0, len(rids), 500):
            chunk = rids[start:start + 500]
            sql = dialect.lookup_sql(child.table, child.key, column, len(chunk))
            for rid, value in run(conn, sql, {f"k{i}": int(r) for i, r in enumerate(chunk)}):
                exact[f"{alias}:{column}:{rid}"] = (repr(value) if value.__class__ is float
                                                    else str(value))
    values = [exact[key] for key in keys]
    parts[1::2] = values if text.__class__ is str else [v.encode() for v in values]
    return mark[:0].join(parts)


class Chunks:
    """Ids per row of a chunked page statement (PostgreSQL): from the last page's size, so
    that a row holds about ``_CHUNK_BYTES`` of text."""

    def __init__(self) -> None:
        self.ids = _CHUNK_IDS

    def update(self, width: int, count: int, size: int) -> None:
        """After a page of ``width`` ids holding ``count`` records in ``size`` bytes."""
        self.ids = max(1, min(width, _CHUNK_BYTES * count // max(size, 1)))


def range_pages(plan: Plan, conns: Sequence[Any], width: int,
                fetch: Callable[[Any, int, int], Any], after_id: int,
                threads: bool = True) -> Iterator[Any]:
    """``fetch(conn, lo, hi)`` pages (None when empty) over consecutive id ranges
    ``(lo, hi]`` of ``width`` ids, in order. Each connection has a reading thread (none
    with ``threads`` False); ``_IN_FLIGHT`` pages per connection at most."""
    with _tuned(plan.dialect, conns):
        first, last = run(conns[0], plan.dialect.id_range_sql, {"ds": plan.dataset_id})[0]
        if first is None:
            return
        starts = iter(range(max(first - 1, after_id), last, width))
        if not threads:
            for start in starts:
                page = fetch(conns[0], start, start + width)
                if page is not None:
                    yield page
            return
        yield from _read_ahead(conns, starts, width, fetch)


def _tuned(dialect: Any, conns: Sequence[Any]) -> Any:
    """The backend's settings for an export's statements on ``conns``, for a block
    (SQLite: a small page cache, given back after; PostgreSQL: no JIT for the rest of
    the transaction)."""
    if dialect is POSTGRES:
        for conn in conns:
            postgres_dialect.tune(conn)
    return sqlite_dialect.tuned(conns) if dialect is SQLITE else nullcontext()


def _read_ahead(conns: Sequence[Any], starts: Iterator[int], width: int,
                fetch: Callable[[Any, int, int], Any]) -> Iterator[Any]:
    """The pages from ``starts``, each connection's read by its own thread."""
    pools = [ThreadPoolExecutor(1, thread_name_prefix="accord-export-read") for _ in conns]
    pending: deque[Future[Any]] = deque()
    try:
        for i in range(_IN_FLIGHT * len(conns)):
            start = next(starts, None)
            if start is not None:
                pending.append(pools[i % len(conns)].submit(fetch, conns[i % len(conns)],
                                                            start, start + width))
        turn = 0
        while pending:
            page = pending.popleft().result()
            # keep the round robin: the next page goes to the reader that just finished
            start = next(starts, None)
            if start is not None:
                pending.append(pools[turn].submit(fetch, conns[turn], start, start + width))
            turn = (turn + 1) % len(conns)
            if page is not None:
                yield page
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)  # the connections are free again


def connections(plan: Plan, readers: Sequence[Any] | None) -> tuple[list[Any], bool]:
    """The reading connections and whether threads may use them: the session's own
    connection is not used by a thread on PostgreSQL (the caller's thread may use the
    session meanwhile)."""
    if readers:
        return list(readers), True
    raw = plan.session.connection().connection.driver_connection
    return [raw], plan.dialect is SQLITE


def ascending(ids: tuple[int, ...]) -> bool:
    """Whether ``ids`` are in strictly ascending order (a page's rows came in id order)."""
    return all(a < b for a, b in zip(ids, ids[1:], strict=False))
