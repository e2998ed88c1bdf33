"""Whole records as JSON text built by the database, a page at a time, on either backend.

The statements come from the spec (:mod:`accord.store.export.compose`) through
the backend's dialect (:mod:`~accord.store.export.sqlite`,
:mod:`~accord.store.export.postgres`). Pages are consecutive id ranges
``(lo, hi]``; each reading connection has a thread that builds the next page
while the caller handles this one (SQLite runs without the GIL, PostgreSQL in
its own process). Three shapes:

* :func:`iter_json_records`: a :class:`~accord.store.export.rows.JsonRecord` per record
  (row builders of whole-record formats);
* :func:`iter_record_lines`: JSONL text per page (``jsonl`` without filters);
* :func:`iter_record_columns`: Arrow string arrays per page (Parquet and the hub).

What the database leaves to Python, Python finishes here: markers of doubles the
database cannot print exactly (:func:`unmark`). The JSON values are the text stored
by :mod:`accord.store.json_text` on both backends, copied.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import orjson
from sqlalchemy.orm import Session

from accord.store.export import compose
from accord.store.export import postgres as postgres_dialect
from accord.store.export import sqlite as sqlite_dialect
from accord.store.export.compose import record_cells, user_params
from accord.store.export.postgres import POSTGRES
from accord.store.export.reads import _Reader
from accord.store.export.rows import JsonRecord
from accord.store.export.spec import CHILDREN
from accord.store.export.sqlite import SQLITE

__all__ = ["ColumnPage", "LinePage", "column_page_sql", "iter_json_records",
           "iter_record_columns", "iter_record_lines", "json_records_supported",
           "line_page_sql", "unmark"]

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


class ColumnPage(NamedTuple):
    """One page of whole records as Arrow arrays (in id order, the length of ``ids``): the
    cells of the flat export (:class:`~accord.io.exporters.record_rows.FlatBuilder`).
    Strings, but ``is_gold`` (booleans); ``fields`` maps each field asked for to its text
    (a JSON string's text, null when missing)."""

    ids: tuple[int, ...]
    external_id: Any
    status: Any
    is_gold: Any
    fields: dict[str, Any]
    metadata: Any
    responses: Any
    suggestions: Any
    reviews: Any
    gold: Any


class LinePage(NamedTuple):
    """One page of whole records as JSONL: ``chunks`` together hold one object per record
    (the nested row of :class:`~accord.io.exporters.record_rows.NestedBuilder`, without
    ``aggregates``), each line ending in ``\\n``; each chunk is whole lines (a writer
    writes them one after the other: joined, they would be one more copy of the page)."""

    ids: tuple[int, ...]
    chunks: tuple[bytes, ...]

    @property
    def text(self) -> bytes:
        """The page's lines as one bytes object."""
        return self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)


def _dialect(session: Session) -> Any:
    name = session.connection().dialect.name
    return SQLITE if name == "sqlite" else POSTGRES if name == "postgresql" else None


def json_records_supported(session: Session) -> bool:
    """Whether the database builds the JSON text itself (SQLite and PostgreSQL)."""
    return _dialect(session) is not None


def _run(conn: Any, sql: str, params: Any, *, binary: bool = False) -> list[tuple[Any, ...]]:
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


class _Plan:
    """What a dataset's page statements depend on: the backend, which children it has,
    and the users (bound values)."""

    def __init__(self, session: Session, dataset_id: int) -> None:
        dialect = _dialect(session)
        if dialect is None:
            raise ValueError("the database cannot build export JSON "
                             f"({session.connection().dialect.name})")
        reader = _Reader(session)
        self.session, self.dataset_id, self.dialect = session, dataset_id, dialect
        self.present = {"suggestions": reader.has_suggestions(dataset_id),
                        "reviews": reader.has_reviews(dataset_id),
                        "gold": reader.has_gold(dataset_id)}
        raw = session.connection().connection.driver_connection
        users = _run(raw, dialect.users_sql(compose.USERS_INLINE + 1), {})
        self.users = len(users)
        self.params: dict[str, Any] = {"ds": dataset_id,
                                       **user_params(dict((int(i), n) for i, n in users))}

    def run(self, conn: Any, sql: str, lo: int, hi: int, *, binary: bool = False,
            chunk: int = 0) -> list[tuple[Any, ...]]:
        """``binary``: read a PostgreSQL result in binary format (see :func:`_run`);
        ``chunk``: ids per row of a chunked statement (``%(chunk)s``)."""
        params = {**self.params, "lo": lo, "hi": hi}
        if chunk:
            params["chunk"] = chunk
        return _run(conn, sql, params, binary=binary and self.dialect is POSTGRES)

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
            for rid, value in _run(conn, sql, {f"k{i}": int(r) for i, r in enumerate(chunk)}):
                exact[f"{alias}:{column}:{rid}"] = (repr(value) if value.__class__ is float
                                                    else str(value))
    values = [exact[key] for key in keys]
    parts[1::2] = values if text.__class__ is str else [v.encode() for v in values]
    return mark[:0].join(parts)


def _range_pages(plan: _Plan, conns: Sequence[Any], width: int,
                 fetch: Callable[[Any, int, int], Any], after_id: int,
                 threads: bool = True) -> Iterator[Any]:
    """``fetch(conn, lo, hi)`` pages (None when empty) over consecutive id ranges
    ``(lo, hi]`` of ``width`` ids, in order. Each connection has a reading thread (none
    with ``threads`` False); ``_IN_FLIGHT`` pages per connection at most."""
    first, last = _run(conns[0], plan.dialect.id_range_sql, {"ds": plan.dataset_id})[0]
    if first is None:
        return
    starts = iter(range(max(first - 1, after_id), last, width))
    sqlite = plan.dialect is SQLITE
    saved = [sqlite_dialect.tune(c) for c in conns] if sqlite else []
    if plan.dialect is POSTGRES:
        for conn in conns:
            postgres_dialect.tune(conn)
    if not threads:
        for start in starts:
            page = fetch(conns[0], start, start + width)
            if page is not None:
                yield page
        return
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
        for conn, size in zip(conns, saved, strict=False):
            sqlite_dialect.untune(conn, size)


def _connections(plan: _Plan, readers: Sequence[Any] | None) -> tuple[list[Any], bool]:
    """The reading connections and whether threads may use them: the session's own
    connection is not used by a thread on PostgreSQL (the caller's thread may use the
    session meanwhile)."""
    if readers:
        return list(readers), True
    raw = plan.session.connection().connection.driver_connection
    return [raw], plan.dialect is SQLITE


_ROW_KEYS = ("external_id", "fields", "metadata", "status", "is_gold", "responses",
             "suggestions", "reviews", "gold")


def iter_json_records(session: Session, dataset_id: int, *, batch_size: int = 2000,
                      exclude_gold: bool = False, after_id: int = 0, prefetch: bool = True,
                      readers: Sequence[Any] | None = None) -> Iterator[JsonRecord]:
    """Every record of a dataset in id order as a :class:`JsonRecord`, the JSON written by
    the database. With ``prefetch`` a thread reads the next page while the caller handles
    this one (on PostgreSQL, only with ``readers``: see :func:`snapshot_readers`).

    Raises
    ------
    ValueError
        On a backend that cannot build the JSON (see :func:`json_records_supported`).
    """
    plan = _Plan(session, dataset_id)
    sql = plan.dialect.rows_sql(plan.present, plan.users, exclude_gold)

    def fetch(conn: Any, lo: int, hi: int) -> list[tuple[Any, ...]] | None:
        rows = plan.run(conn, sql, lo, hi)
        if not rows:
            return None
        out = []
        for row in rows:
            cells = list(row)
            for i in (6, 7, 8, 9):  # responses, suggestions, reviews, gold
                if MARK in cells[i]:
                    cells[i] = plan.finish(conn, cells[i])
            out.append(cells)
        return out

    conns, threads = _connections(plan, readers)
    for rows in _range_pages(plan, conns, batch_size, fetch, after_id, prefetch and threads):
        for rid, ext, fields, meta, status, is_gold, resp, sugg, revs, gold in rows:
            yield JsonRecord(rid, ext, fields, meta, status, bool(is_gold), resp, sugg, revs,
                             gold)


def line_page_sql(session: Session, dataset_id: int, *, exclude_gold: bool = False) -> str:
    """The page statement of :func:`iter_record_lines` (parameters ``ds``, ``lo``, ``hi``,
    on PostgreSQL ``chunk``, and the users' bound values)."""
    plan = _Plan(session, dataset_id)
    return plan.dialect.lines_sql(plan.present, plan.users, exclude_gold)


def iter_record_lines(session: Session, dataset_id: int, *, batch_size: int = 2000,
                      exclude_gold: bool = False, after_id: int = 0,
                      readers: Sequence[Any] | None = None) -> Iterator[LinePage]:
    """Every record of a dataset in id order as JSONL, a :class:`LinePage` per page
    (``readers`` as in :func:`iter_json_records`). Each line is the bytes
    :func:`accord.store.export.rows.line_text` writes for the record."""
    plan = _Plan(session, dataset_id)
    sql = plan.dialect.lines_sql(plan.present, plan.users, exclude_gold)

    postgres = plan.dialect is POSTGRES
    chunk = [_CHUNK_IDS]  # ids per row of the page (PostgreSQL), from the last page's size

    def fetch(conn: Any, lo: int, hi: int) -> LinePage | None:
        rows = [row for row in plan.run(conn, sql, lo, hi, binary=True, chunk=chunk[0])
                if row[0] is not None]  # (an empty run of ids gives a row of nulls)
        if not rows:
            return None
        comma = b"," if postgres else ","
        ids = tuple(int(i) for ids_text, _ in rows for i in ids_text.split(comma))
        chunks = tuple(bytes(text) for _, text in rows)
        if not _ascending(ids):  # the aggregates did not keep the subqueries' order
            pairs = sorted(zip(ids, b"".join(chunks).split(b"\n")[:-1], strict=True))
            ids = tuple(i for i, _ in pairs)
            chunks = (b"\n".join(t for _, t in pairs) + b"\n",)
        size = sum(map(len, chunks))
        chunk[0] = max(1, min(hi - lo, _CHUNK_BYTES * len(ids) // max(size, 1)))
        return LinePage(ids, tuple(plan.finish(conn, text) for text in chunks))

    conns, threads = _connections(plan, readers)
    yield from _range_pages(plan, conns, batch_size, fetch, after_id, threads)


def _ascending(ids: tuple[int, ...]) -> bool:
    return all(a < b for a, b in zip(ids, ids[1:], strict=False))


def _client_fields(plan: _Plan, fields: Sequence[str]) -> bool:
    """Whether the page statement leaves the fields to the client: on PostgreSQL each
    ``fields ->> 'name'`` parses the stored ``json`` text again (2.6 of the Parquet
    statement's 13 CPU s per 1M records), where the stored text costs the server a copy
    and Arrow's JSON reader 0.7 us per record (docs/benchmarks.md)."""
    return bool(fields) and plan.dialect is POSTGRES


def _column_select(plan: _Plan, fields: Sequence[str], exclude_gold: bool,
                   bounds: tuple[str, str] | None = None,
                   client: bool = False) -> tuple[str, list[str]]:
    """The per-record page statement and the names of its cells (after ``id``); ``bounds``:
    the SQL of its ids' bounds, if not the page's; ``client``: no cell per field, the
    stored ``fields`` text instead (see :func:`_client_fields`)."""
    d = plan.dialect
    cells = dict(record_cells(d, plan.present, plan.users))
    count = 0 if client else len(fields)
    names = ["external_id", "status", "is_gold"] + [f"f{i}" for i in range(count)]
    cols = ['r."external_id"', 'r."status"', "r.is_gold"]
    cols += [d.field_sql(i) for i in range(count)]
    cols += [cells["metadata"], cells["responses"]]
    names += ["metadata", "responses"]
    for child in CHILDREN[1:]:
        if plan.present[child.name]:
            cols.append(cells[child.name])
            names.append(child.name)
    if fields:  # the stored text, for the fields of pages read a row per record
        cols.append('r."fields"::text' if client else 'r."fields"')
        names.append("fields")
    return d.page_sql(", ".join(f"{c} AS {n}" for c, n in zip(cols, names, strict=True)),
                      exclude_gold, plan.present, plan.users, *(bounds or ())), names


def _field_params(plan: _Plan, fields: Sequence[str]) -> dict[str, Any]:
    return {f"f{i}": plan.dialect.field_param(name) for i, name in enumerate(fields)}


def column_page_sql(session: Session, dataset_id: int, fields: Sequence[str], *,
                    exclude_gold: bool = False) -> str:
    """The page statement of :func:`iter_record_columns`: one row per page (on PostgreSQL
    one per run of ``chunk`` ids), each column the cells joined by ``\\x02`` (a control
    character, never raw in JSON text; ``\\x03`` stands for null), and a flag set when a
    text cell could be mistaken for those (then the page is read a row per record)."""
    plan = _Plan(session, dataset_id)
    return _columns_sql(plan, fields, exclude_gold)


def _columns_sql(plan: _Plan, fields: Sequence[str], exclude_gold: bool) -> str:
    client = _client_fields(plan, fields)
    names = _column_select(plan, fields, exclude_gold, client=client)[1]
    count = 0 if client else len(fields)
    texts = ["external_id", "status"] + [f"f{i}" for i in range(count)]
    return plan.dialect.columns_sql(
        lambda lo, hi: _column_select(plan, fields, exclude_gold, (lo, hi), client)[0],
        [n for n in names if n != "fields" or client], texts, count)


def _read_fields(texts: Sequence[bytes], fields: Sequence[str], count: int) -> dict[str, Any]:
    """Each field's text (null when missing or JSON null) as an Arrow string array, from
    the stored ``fields`` texts (compact JSON objects, rows of them joined by ``\\x02``).

    Raises
    ------
    ValueError
        When they are not ``count`` objects, one a line, or a field is not a string (the
        page is then read a row per record)."""
    import io

    import pyarrow as pa
    import pyarrow.json as pj

    data = b"\n".join(t.replace(b"\x02", b"\n") for t in texts)
    if data.count(b"\n") != count - 1:  # a raw newline in stored JSON text
        raise ValueError("not one object a line")
    schema = pa.schema([(name, pa.string()) for name in fields])
    try:
        table = pj.read_json(io.BytesIO(data), pj.ReadOptions(use_threads=False,
                                                               block_size=len(data) + 1),
                             pj.ParseOptions(explicit_schema=schema,
                                             unexpected_field_behavior="ignore"))
    except pa.ArrowInvalid as exc:
        raise ValueError(str(exc)) from None
    if table.num_rows != count:
        raise ValueError("not one object a line")
    return {name: table.column(name).combine_chunks() for name in fields}


def _split(texts: Sequence[Any]) -> Any:
    """A page's cells, its rows' texts (str, or UTF-8 bytes) each joined by ``\\x02``, as
    an Arrow string array (``\\x03``: null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if texts and texts[0].__class__ is not str:  # bytes: checked as UTF-8 by Arrow, no str
        joined = pa.array(texts, pa.binary()).cast(pa.string())
    else:
        joined = pa.array(texts, pa.string())
    cells = pc.list_flatten(pc.split_pattern(joined, "\x02"))
    nulls = pc.equal(cells, "\x03")
    if pc.any(nulls).as_py():
        cells = pc.if_else(nulls, pa.scalar(None, pa.string()), cells)
    return cells


def iter_record_columns(session: Session, dataset_id: int, fields: Sequence[str], *,
                        batch_size: int = 2000, exclude_gold: bool = False, after_id: int = 0,
                        readers: Sequence[Any] | None = None) -> Iterator[ColumnPage]:
    """Every record of a dataset in id order, a :class:`ColumnPage` per page of at most
    ``batch_size`` ids (needs pyarrow). The JSON text is what :func:`iter_json_records`
    gives. The database returns each page as one row, or a few (its cells joined, see
    :func:`column_page_sql`), which Arrow splits: no Python object per record.
    ``readers`` as in :func:`iter_json_records`."""
    import numpy as np
    import pyarrow as pa

    plan = _Plan(session, dataset_id)
    for name in fields:  # the settings' names (letters, digits, "_", "-")
        if not name.replace("_", "").replace("-", "").isalnum() or not name.isascii():
            raise ValueError(f"not a field name: {name!r}")
    sql = _columns_sql(plan, fields, exclude_gold)
    rows_sql, names = _column_select(plan, fields, exclude_gold)
    client = _client_fields(plan, fields)
    page_names = [n for n in _column_select(plan, fields, exclude_gold, client=client)[1]
                  if n != "fields" or client]
    read = {f"f{i}" for i in range(len(fields))} if client else set()  # by _read_fields
    plan.params.update(_field_params(plan, fields))
    string = pa.string()

    chunk = [_CHUNK_IDS]  # ids per row of the page (PostgreSQL), as iter_record_lines
    postgres = plan.dialect is POSTGRES

    def fetch(conn: Any, lo: int, hi: int) -> tuple[Any, ...] | None:
        """In a reading thread: the page's text (Arrow work is left to the caller's
        thread: each thread allocating from Arrow's pool keeps a heap of its own). On
        PostgreSQL, rows of a run of ids each (see :func:`iter_record_lines`), read as
        UTF-8 bytes."""
        rows = [row for row in plan.run(conn, sql, lo, hi, binary=True, chunk=chunk[0])
                if row[0] is not None]  # (an empty run of ids gives a row of nulls)
        if not rows:
            return None
        text = rows[0][0].__class__ is str
        comma, sep = ("," if text else b","), ("\x02" if text else b"\x02")
        runs = [ids_text.split(comma) for ids_text, *_ in rows]
        ids = tuple(int(i) for run in runs for i in run)
        gold = page_names.index("is_gold")
        # stored JSON that breaks the rules (a raw control character) would shift the cells:
        # SQLite stores JSON as text, unchecked; PostgreSQL's json refuses raw control
        # characters (its JSON cells are checked by their count in page(), not scanned here);
        # cells out of id order are read again a row per record (ORDER BY r.id)
        unsafe = any(row[1] for row in rows) or not _ascending(ids) or any(
            len(row[2 + gold]) != len(run) or not postgres and any(
                cell.count(sep) != len(run) - 1 for i, cell in enumerate(row[2:]) if i != gold)
            for row, run in zip(rows, runs, strict=True))
        parsed: dict[str, Any] = {}
        if client and not unsafe:  # the fields, from the stored JSON texts
            try:
                parsed = _read_fields([row[2 + page_names.index("fields")] for row in rows],
                                      fields, len(ids))
            except ValueError:  # not one object per record, or a field that is not text
                unsafe = True
        if unsafe:  # a text cell holds a separator (or is not text): a row per record
            rows = plan.run(conn, rows_sql, lo, hi)
            ids = tuple(row[0] for row in rows)
            cells = dict(zip(names, [list(c) for c in zip(*[row[1:] for row in rows],
                                                           strict=True)], strict=True))
            for name in ("responses", "suggestions", "reviews"):
                if name in cells:
                    cells[name] = [plan.finish(conn, t) for t in cells[name]]
            stored = cells.pop("fields", None)
            if fields and not postgres:  # SQLite's json_extract stops at a NUL: from the text
                stored = [orjson.loads(t) for t in stored]
                for i, name in enumerate(fields):
                    cells[f"f{i}"] = [f.get(name) for f in stored]
            # (PostgreSQL's cells are ->>'s: a field that is not a string as its JSON text)
        else:
            cells = {name: [row[2 + i] for row in rows] for i, name in enumerate(page_names)
                     if name != "fields"}
            for name in ("responses", "suggestions", "reviews"):
                if name in cells:
                    mark = MARK if text else MARK.encode()
                    cells[name] = [plan.finish(conn, t) if mark in t else t
                                   for t in cells[name]]
            size = sum(len(t) for column in cells.values() for t in column)
            chunk[0] = max(1, min(hi - lo, _CHUNK_BYTES * len(ids) // max(size, 1)))
            cells.update({f"f{i}": parsed[name] for i, name in enumerate(fields) if parsed})
        return ids, bool(unsafe), cells

    def page(ids: tuple[int, ...], unsafe: bool, cells: dict[str, Any]) -> ColumnPage:
        texts = [n for n in page_names if n not in ("is_gold", "fields")]
        texts += sorted(read)
        if unsafe:
            arrays = {n: pa.array(cells[n], string) for n in texts}
            gold = pa.array([bool(g) for g in cells["is_gold"]], pa.bool_())
        else:
            arrays = {n: cells[n] if n in read else _split(cells[n]) for n in texts}
            flags = [g.encode() if g.__class__ is str else g for g in cells["is_gold"]]
            gold = pa.array(np.frombuffer(b"".join(flags), np.uint8) != ord("0"))
            for name, array in arrays.items():  # (see fetch: never seen, never written)
                if len(array) != len(ids):
                    raise RuntimeError(f"export page after id {ids[0] - 1}: {len(array)} "
                                       f"{name} cells for {len(ids)} records (a raw \\x02 "
                                       "in stored JSON text)")
        n = len(ids)
        for child in CHILDREN[1:]:
            if child.name not in arrays:
                arrays[child.name] = pa.array([child.empty] * n, string)
        return ColumnPage(ids, arrays["external_id"], arrays["status"], gold,
                          {name: arrays[f"f{i}"] for i, name in enumerate(fields)},
                          arrays["metadata"], arrays["responses"], arrays["suggestions"],
                          arrays["reviews"], arrays["gold"])

    conns, threads = _connections(plan, readers)
    for raw in _range_pages(plan, conns, batch_size, fetch, after_id, threads):
        yield page(*raw)
