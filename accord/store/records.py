"""Record writes and reads: batched upsert by external_id, keyset iteration."""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from datetime import datetime
from itertools import accumulate
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.store.json_text import json_bytes
from accord.store.models import QUEUE_OPEN, Record

__all__ = ["RecordRow", "UpsertResult", "PackedRows", "pack_rows", "upsert_records",
           "iter_records", "records_page_statement", "count_records", "delete_records",
           "get_record_by_external_id"]

_records = Record.__table__
_IN_CHUNK = 900  # stays under SQLite's default bound-variable limit on old builds


class RecordRow(NamedTuple):
    """One record to write; ``line`` locates it in the source for error messages.

    ``fields`` and ``meta`` are dicts, or their JSON text when a parallel
    reader serialized them already.
    """

    external_id: str
    fields: dict[str, Any]
    meta: dict[str, Any]
    line: int | None = None


class UpsertResult(NamedTuple):
    inserted: int
    updated: int
    duplicates: list[RecordRow]


# one index probe per id: a LATERAL lookup on both columns of the unique index
_PG_EXISTING = text(
    "SELECT r.external_id, r.updated_at FROM unnest(CAST(:ids AS text[])) AS u(eid) "
    "CROSS JOIN LATERAL (SELECT external_id, updated_at FROM records "
    "WHERE dataset_id = :ds AND external_id = u.eid) AS r")
# one result row (a JSON object id -> updated_at): one sqlite3_step, so the GIL is released
# once for the whole look-up (a read-ahead thread holds it meanwhile: accord/io/read_ahead.py)
_SQLITE_EXISTING = ("SELECT json_group_object(external_id, updated_at) FROM records "
                    "WHERE dataset_id = ? AND external_id IN (SELECT value FROM json_each(?))")


def _existing(conn: Connection, dataset_id: int, ids: Sequence[str],
              ids_json: str | None = None) -> dict[str, Any]:
    if conn.dialect.name == "sqlite":
        # one statement with the ids as a JSON array: no per-id bound parameters to build
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if ids_json is None:
                ids_json = orjson.dumps(list(ids)).decode()
            cursor.execute(_SQLITE_EXISTING, (dataset_id, ids_json))
            found: dict[str, Any] = orjson.loads(cursor.fetchone()[0])
            return found
        finally:
            cursor.close()
    if conn.dialect.name == "postgresql":
        # Right after a bulk load the planner's statistics say the table is tiny and it
        # picks a sequential scan per lookup, which makes a big import quadratic
        # (tests/reliability/test_import_scaling.py); the unique index is always right here.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        try:
            rows = conn.execute(_PG_EXISTING, {"ds": dataset_id, "ids": list(ids)}).all()
        finally:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = on")
        return {ext: upd for ext, upd in rows}
    found: dict[str, Any] = {}
    col_ext, col_upd = _records.c.external_id, _records.c.updated_at
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i:i + _IN_CHUNK]
        rows = conn.execute(select(col_ext, col_upd).where(
            _records.c.dataset_id == dataset_id, col_ext.in_(chunk)))
        found.update({ext: upd for ext, upd in rows})
    return found


def upsert_records(session: Session, dataset_id: int, rows: Sequence[RecordRow],
                   *, stamp: datetime, source: str | None = None,
                   strict: bool = True, packed: PackedRows | None = None) -> UpsertResult:
    """Insert or update ``rows`` by ``(dataset_id, external_id)`` in the caller's transaction.

    Existing records get new fields and metadata; their responses, status and
    queue position are kept. Every row written by one import carries the same
    ``stamp`` as ``updated_at``, which is how a duplicate ``external_id`` in
    one file is told apart from a re-import.

    With ``strict=False`` duplicates are left out and returned instead.
    ``packed``: :func:`pack_rows` of ``rows``, built ahead by the caller (on SQLite
    an import packs the next batch in its read-ahead thread while this one is written).

    Raises
    ------
    InputError
        When an ``external_id`` occurs twice in the same import and ``strict``.
    """
    dups: list[RecordRow] = []
    conn = session.connection()
    ids = packed.ids if packed is not None else [row.external_id for row in rows]
    unique_rows: Sequence[RecordRow] = rows
    if len(set(ids)) != len(ids):  # a duplicate in this batch: find and report it in order
        seen: dict[str, int | None] = {}
        unique_rows = []
        for row in rows:
            if row.external_id in seen:
                if strict:
                    raise InputError(f"duplicate external_id {row.external_id!r} (first at "
                                     f"line {seen[row.external_id]})", path=source,
                                     line=row.line, field="external_id")
                dups.append(row)
                continue
            seen[row.external_id] = row.line
            unique_rows.append(row)
        ids = list(seen)
        packed = None
    existing = _existing(conn, dataset_id, ids, None if packed is None else packed.ids_json) \
        if ids else {}
    rows = unique_rows
    if existing:
        stamp_key = _stamp_key(stamp)
        rows = []
        for row in unique_rows:
            prev = existing.get(row.external_id)
            if prev is not None and _stamp_key(prev) == stamp_key:
                if strict:
                    raise InputError(f"duplicate external_id {row.external_id!r} (earlier in "
                                     "this file)", path=source, line=row.line,
                                     field="external_id")
                dups.append(row)
                del existing[row.external_id]
                continue
            rows.append(row)
        packed = None
    if not rows:
        return UpsertResult(0, 0, dups)
    if conn.dialect.name == "sqlite":
        _sqlite_upsert(conn, dataset_id, rows, stamp, existing, packed)
    else:
        loads = orjson.loads
        params = [
            {
                "dataset_id": dataset_id,
                "external_id": r.external_id,
                "fields": loads(r.fields) if type(r.fields) is str else r.fields,
                "metadata": loads(r.meta) if type(r.meta) is str else r.meta,
                "status": "pending",
                "priority": 0.0,
                "queue_state": QUEUE_OPEN,
                "claims": 0,
                "submitted": 0,
                "is_gold": False,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for r in rows
        ]
        ins = postgresql.insert(_records)
        conn.execute(ins.on_conflict_do_update(
            index_elements=[_records.c.dataset_id, _records.c.external_id],
            set_={"fields": ins.excluded.fields, "metadata": ins.excluded.metadata,
                  "updated_at": ins.excluded.updated_at}), params)
    updated = len(existing)
    return UpsertResult(len(rows) - updated, updated, dups)


class PackedRows(NamedTuple):
    """A batch of rows in the form SQLite's insert reads (:func:`pack_rows`)."""

    ids: list[str]
    ids_json: str  # the external ids as one JSON array
    texts: bytes  # each row's fields JSON, then its metadata JSON, row after row
    starts: bytes  # where each text starts in ``texts`` (1-based), then the end: 12 digits each


_START = b"%012d"


def pack_rows(rows: Sequence[RecordRow]) -> PackedRows:
    """The SQLite form of ``rows``: fields and metadata as orjson's JSON text (text already
    serialized, the parallel reader's, as it is)."""
    dumps = json_bytes
    texts: list[bytes] = []
    append = texts.append
    for _, fields, meta, _ in rows:
        append(fields.encode() if type(fields) is str else dumps(fields))
        append(meta.encode() if type(meta) is str else dumps(meta))
    starts = list(accumulate(map(len, texts), initial=1))
    ids = [row[0] for row in rows]
    return PackedRows(ids, dumps(ids).decode(), b"".join(texts),
                      (_START * len(starts)) % tuple(starts))


# One statement a batch: json_each walks the ids (in array order: ids follow the file) and
# each row's two texts are cut from one BLOB at the offsets of a second one (fixed-width
# decimal: substr of a BLOB counts bytes, so each cut is O(1)). executemany would step once
# a row and take the GIL back after each; one step releases it for the whole batch
# (accord/io/read_ahead.py maps the next batch meanwhile), and cutting texts costs SQLite
# far less than extracting them from JSON (docs/benchmarks.md).
_SQLITE_INSERT = (
    "INSERT INTO records (dataset_id, external_id, fields, metadata, status, priority, "
    "queue_state, claims, submitted, is_gold, created_at, updated_at) "
    "SELECT ?1, ext, CAST(substr(?5, f, m - f) AS TEXT), CAST(substr(?5, m, e - m) AS TEXT), "
    "'pending', 0.0, ?2, 0, 0, 0, ?3, ?3 FROM ("
    "SELECT atom AS ext, CAST(substr(?6, key * 24 + 1, 12) AS INTEGER) AS f, "
    "CAST(substr(?6, key * 24 + 13, 12) AS INTEGER) AS m, "
    "CAST(substr(?6, key * 24 + 25, 12) AS INTEGER) AS e FROM json_each(?4)) WHERE true")
_SQLITE_UPSERT = _SQLITE_INSERT + (
    " ON CONFLICT (dataset_id, external_id) DO UPDATE SET fields = excluded.fields, "
    "metadata = excluded.metadata, updated_at = excluded.updated_at")


def _sqlite_upsert(conn: Connection, dataset_id: int, rows: Sequence[RecordRow],
                   stamp: datetime, existing: Container[str],
                   packed: PackedRows | None) -> None:
    """The import hot path on SQLite: one statement per batch (:func:`pack_rows`).

    It skips SQLAlchemy's per-row parameter processing, which was most of the time of a
    1M-record import, and executemany's per-row step. Records not in ``existing`` (read
    in this write transaction: SQLite has one writer) go in by a plain INSERT: an upsert
    pays for the table's UPDATE trigger (the text index's, migration 0013) on every row
    even when it updates none, about 15 % of the statement's time.
    """
    when = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime format
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        parts = [(_SQLITE_INSERT, rows)] if not existing else [
            (_SQLITE_INSERT, [r for r in rows if r[0] not in existing]),
            (_SQLITE_UPSERT, [r for r in rows if r[0] in existing])]
        for statement, part in parts:
            if part:
                p = packed if part is rows and packed is not None else pack_rows(part)
                cursor.execute(statement, (dataset_id, QUEUE_OPEN, when, p.ids_json, p.texts,
                                           p.starts))
    finally:
        cursor.close()


def _stamp_key(value: Any) -> str:
    """One text form for a timestamp read back as a datetime (PostgreSQL) or text (SQLite)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    text = str(value).replace("T", " ").split("+")[0]
    if "." not in text:
        text += ".000000"
    return text


_PAGE_COLUMNS = (_records.c.id, _records.c.external_id, _records.c.fields, _records.c.metadata,
                 _records.c.status, _records.c.priority, _records.c.is_gold, _records.c.submitted)


def records_page_statement(dialect: str, dataset_id: int, after_id: int, limit: int) -> Any:
    """The keyset page of :func:`iter_records`: ``id > after_id`` in primary key order.

    The dataset test is written ``dataset_id + 0``: no index starts with
    ``(dataset_id, id)``, so with an indexed ``dataset_id`` the planners pick one of
    the ``(dataset_id, ...)`` indexes and sort every page (SQLite: a temporary
    b-tree; PostgreSQL: a sort of every later record of the dataset), which makes
    the whole walk quadratic. As an expression it is a filter on the primary key
    walk, which is already in ``id`` order (a dataset's records are mostly
    contiguous ids: they are imported in batches). ``dialect`` is kept for
    callers that explain the plan.
    """
    ds = _records.c.dataset_id + 0
    return (select(*_PAGE_COLUMNS).where(ds == dataset_id, _records.c.id > after_id)
            .order_by(_records.c.id).limit(limit))


def iter_records(session: Session, dataset_id: int, *, batch_size: int = 2000,
                 after_id: int = 0) -> Iterator[Any]:
    """All records of a dataset in id order as row mappings, by keyset pages (constant memory).

    Each row has ``id``, ``external_id``, ``fields``, ``metadata``, ``status``,
    ``priority``, ``is_gold``, ``submitted``. Pages walk the primary key
    (:func:`records_page_statement`).
    """
    conn = session.connection()
    dialect = conn.dialect.name
    last = after_id
    while True:
        page = conn.execute(records_page_statement(dialect, dataset_id, last, batch_size)
                            ).mappings().all()
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def count_records(session: Session, dataset_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Record)
                              .where(Record.dataset_id == dataset_id)) or 0)


def get_record_by_external_id(session: Session, dataset_id: int, external_id: str) -> Record | None:
    return session.scalar(select(Record).where(Record.dataset_id == dataset_id,
                                               Record.external_id == external_id))


def delete_records(session: Session, dataset_id: int, ids: Sequence[int]) -> int:
    """Delete records of one dataset (ids of other datasets are ignored) with their
    suggestions, responses, reviews, leases, gold answers and aggregates (cascades).

    Returns
    -------
    int
        Records deleted.
    """
    from accord.store.vectors import bump_vectors_epoch

    n = 0
    wanted = sorted({int(i) for i in ids})
    for start in range(0, len(wanted), _IN_CHUNK):
        result = session.execute(delete(Record).where(
            Record.dataset_id == dataset_id, Record.id.in_(wanted[start:start + _IN_CHUNK]))
            .execution_options(synchronize_session=False))
        n += result.rowcount or 0
    if n:
        bump_vectors_epoch(session, dataset_id)  # a similarity index must not return them
    return n
