"""SQLite writes the export shape itself: the spec's kinds as SQLite expressions.

Every piece of a page is made by SQLite (``json_quote`` and one chain of ``||``
per object, cheaper than ``printf`` or ``json_object``, which re-parses its
JSON arguments), in the reading threads, without the GIL. Stored JSON columns
are written as they are stored (orjson's compact text).

SQLite's float to text conversion keeps 15 digits and is not exact, and its
``printf('%!.17g')`` is wrong for some large doubles, so a ``real`` is written by
SQLite only when that is exact: a whole number or a multiple of 1/1000 (what
times in seconds are), printed from integers. Any other value leaves a marker,
``\\x01<alias>:<column>:<id>\\x01``, that Python replaces with ``repr`` of the
stored double (:func:`accord.store.export.paging.unmark`). Raw control
characters never occur in JSON text, so a marker cannot be confused with data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from accord.store.export.compose import object_sql, record_cells
from accord.store.export.spec import Child, Column

__all__ = ["SQLITE", "memory_statistics_off"]


def _whole(x: str) -> str:
    """SQL: ``x`` is a whole number that prints exactly."""
    return f"{x} = CAST({x} AS INTEGER) AND abs({x}) < 1e15"


def _millis(x: str) -> str:
    """SQL: ``x`` is the double nearest to a decimal with 3 places, ``d / 1000`` (IEEE
    division rounds correctly, so that decimal parses back to ``x``; below 1e11 no shorter
    decimal does, so it is Python's repr of ``x`` once trailing zeros go)."""
    return f"abs({x}) < 1e11 AND {x} = round({x} * 1000) / 1000.0"


def _real(x: str, child: Child, column: Column) -> str:
    """SQL: a REAL as Python's repr: whole seconds or milliseconds printed by SQLite from
    integers, anything else a marker naming the row (see the module docstring)."""
    if child is None:
        raise ValueError(f"column {column.key!r}: a real needs a child table to point at")
    d = f"abs(CAST(round({x} * 1000) AS INTEGER))"
    mark = (f"char(1) || '{child.alias}:{column.source}:' || {child.alias}.\"{child.key}\" "
            "|| char(1)")
    return (f"CASE WHEN {x} IS NULL THEN 'null' WHEN {_whole(x)} THEN printf('%.1f', {x}) "
            f"WHEN {_millis(x)} THEN CASE WHEN {x} < 0 THEN '-' ELSE '' END || "
            f"rtrim(printf('%d.%03d', {d} / 1000, {d} % 1000), '0') ELSE {mark} END")


class _SQLite:
    name = "sqlite"

    def param(self, name: str) -> str:
        return f":{name}"

    def concat(self, parts: list[str]) -> str:
        return " || ".join(parts)  # one chain: faster than printf() here

    def value(self, column: Column, src: str, child: Child | None) -> str:
        kind, null = column.kind, column.nullable
        if kind == "int":
            return f"coalesce({src}, 'null')" if null else src
        if kind == "text":
            return f"json_quote({src})"
        if kind == "bool":
            return f"CASE WHEN {src} THEN 'true' ELSE 'false' END"
        if kind == "real":
            return _real(src, child, column)  # type: ignore[arg-type]
        if kind == "time":  # SQLAlchemy's naive UTC text, "YYYY-MM-DD HH:MM:SS.ffffff"
            text = f"'\"' || replace({src}, ' ', 'T') || '+00:00\"'"
            return f"coalesce({text}, 'null')" if null else text
        if kind == "json":  # numbers come back with NUMERIC affinity
            return (f"CASE typeof({src}) WHEN 'null' THEN 'null' WHEN 'real' THEN "
                    f"{_real(src, child, column)} ELSE CAST({src} AS TEXT) END")  # type: ignore
        if kind == "object":
            return f"CASE WHEN {src} IS NULL OR {src} = 'null' THEN '{{}}' ELSE {src} END" \
                if null else src
        raise ValueError(f"column {column.key!r}: no SQLite form for kind {kind!r}")

    def array(self, child: Child, obj: str) -> str:
        a = child.alias
        if child.via is None and child.order == ("id",):
            # the IN list over the (record_id, ...) index is walked in rowid order: no sort
            rows = (f"SELECT {obj} AS j FROM {child.table} {a} WHERE {a}.id IN (SELECT id FROM "
                    f"{child.table} WHERE {child.link} = r.id) ORDER BY {a}.id")
        else:
            join = f" JOIN {child.via[0]} {child.via[1]} ON {child.via[2]}" if child.via else ""
            link = child.link if "." in child.link else f"{a}.{child.link}"
            order = ", ".join(f'{a}."{c}"' for c in child.order)
            rows = (f"SELECT {obj} AS j FROM {child.table} {a}{join} WHERE {link} = r.id "
                    f"ORDER BY {order}")
        # the ORDER BY of an aggregate's subquery is kept: SQLite never flattens it
        return f"coalesce((SELECT '[' || group_concat(j, ',') || ']' FROM ({rows})), '[]')"

    def single(self, child: Child, value: str) -> str:
        a = child.alias
        return (f"coalesce((SELECT {value} FROM {child.table} {a} "
                f"WHERE {a}.{child.link} = r.id), '{child.empty}')")

    def quote_user_id(self, src: str) -> str:
        return f"json_quote(CAST({src} AS TEXT))"

    def user_lookup(self, src: str) -> str:
        return f"(SELECT json_quote(u.name) FROM users u WHERE u.id = {src})"

    # -- pages --

    def page_sql(self, columns: str, exclude_gold: bool, present: object = None,
                 users: int = 0, lo: str = ":lo", hi: str = ":hi") -> str:
        """The records with ids in ``(lo, hi]`` (SQL: the page's bounds by default)."""
        gold = " AND r.is_gold = 0" if exclude_gold else ""
        # "+dataset_id": keep SQLite on the primary key (an index on dataset_id would make
        # every page sort the whole dataset)
        return (f"SELECT r.id, {columns} FROM records r WHERE +r.dataset_id = :ds "
                f"AND r.id > {lo} AND r.id <= {hi}{gold} ORDER BY r.id")

    def rows_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        """One row per record: id, then each key's JSON text (external_id and status raw)."""
        cells = record_cells(self, present, users)
        cols = [f'r."{k}"' if k in ("external_id", "status") else
                "r.is_gold" if k == "is_gold" else sql for k, sql in cells]
        return self.page_sql(", ".join(cols), exclude_gold)

    def lines_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        """One row per page: the ids joined by commas, the JSONL text as bytes."""
        line = object_sql(self, record_cells(self, present, users))
        # SQLite joins the lines (in the subquery's id order) without handing the GIL back
        # and forth for each record
        return ("SELECT group_concat(id), CAST(group_concat(line, char(10)) || char(10) AS BLOB) "
                f"FROM ({self.page_sql(line + ' AS line', exclude_gold)})")

    def field_sql(self, i: int) -> str:
        return f"json_extract(r.fields, :f{i})"

    def field_param(self, name: str) -> str:
        return f'$."{name}"'

    def columns_sql(self, inner: Callable[[str, str], str], names: list[str], texts: list[str],
                    fields: int) -> str:
        joined = [f"group_concat(coalesce({n}, char(3)), char(2))" if n.startswith("f") else
                  "group_concat(is_gold, '')" if n == "is_gold" else
                  f"group_concat({n}, char(2))" for n in names]
        unsafe = " OR ".join(f"instr({n}, char(2)) OR {n} = char(3)" for n in texts)
        kinds = " OR ".join(f"typeof(f{i}) NOT IN ('text', 'null')" for i in range(fields))
        if fields:  # json_extract stops at a NUL ("\u0000" in the stored text)
            kinds += " OR instr(fields, '\\u0000')"
        flag = f"max({unsafe}{' OR ' + kinds if kinds else ''})"
        return (f"SELECT group_concat(id), {flag}, {', '.join(joined)} "
                f"FROM ({inner(':lo', ':hi')})")

    id_range_sql = "SELECT min(id), max(id) FROM records WHERE dataset_id = :ds"

    def users_sql(self, limit: int) -> str:
        return f"SELECT id, name FROM users ORDER BY id LIMIT {int(limit)}"

    def lookup_sql(self, table: str, key: str, column: str, count: int) -> str:
        marks = ", ".join(f":k{i}" for i in range(count))
        return f'SELECT "{key}", "{column}" FROM {table} WHERE "{key}" IN ({marks})'


SQLITE = _SQLite()
# PRAGMA cache_size while exporting (negative = KiB): 2 MB on each of the export's three
# connections kept the 1M x 3 Parquet export's CPU (14.7-14.9 s against 15.4) and its peak
# RSS 16-18 MB lower than 8 MB did (docs/benchmarks.md)
_CACHE_KB = -2048


def tune(conn: Any) -> Any:
    """One pass in key order re-reads no page: a small page cache is as fast as the
    connection's 64 MB one, and smaller. Returns the setting to give back.

    Every statement of a page export runs under it, its checks too: a check that walks
    the records' index (whether a dataset has suggestions, its ids' range) filled the
    connection's 64 MB cache with 18 MB of index pages at 1M records, kept for the rest
    of the export (docs/benchmarks.md)."""
    cursor = conn.cursor()
    try:
        saved = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {_CACHE_KB}")
    finally:
        cursor.close()
    return saved


def untune(conn: Any, saved: Any) -> None:
    try:
        conn.execute(f"PRAGMA cache_size = {int(saved)}")
    except conn.Error:  # closed under a generator dropped late
        pass


@contextmanager
def tuned(conns: Sequence[Any]) -> Iterator[None]:
    """:func:`tune` on each of ``conns`` for the block, the settings given back after."""
    saved: list[Any] = []
    try:
        for conn in conns:
            saved.append(tune(conn))
        yield
    finally:
        for conn, size in zip(conns, saved, strict=False):
            untune(conn, size)


def memory_statistics_off() -> bool:
    """Turn SQLite's memory statistics off (``SQLITE_CONFIG_MEMSTATUS``) for the process,
    if SQLite is not initialized yet; returns whether the setting is now off.

    With them on, SQLite counts every allocation under one process-wide mutex; two
    connections building export pages at once queue on it (about a fifth of a
    1M-record export's CPU under ``perf``, mostly futex waits). Nothing in accord reads
    those statistics (``sqlite3_memory_used``, heap limits). SQLite takes the setting
    only before it is initialized (its first connection), and it cannot be set back
    afterwards: it stays off for the rest of the process, which is why the export
    entry point (:func:`accord.io.exporters.run.export_dataset`) asks for it
    explicitly before it opens a connection, and nothing does at import time. Later
    calls change nothing and return whether an earlier one succeeded.
    """
    global _MEMSTATUS_OFF
    if _MEMSTATUS_OFF is None:
        _MEMSTATUS_OFF = False
        try:
            import ctypes

            lib = ctypes.CDLL("libsqlite3.so.0")  # the library Python's sqlite3 uses
            # 9: SQLITE_CONFIG_MEMSTATUS; SQLITE_OK (0) only before initialization
            _MEMSTATUS_OFF = lib.sqlite3_config(9, ctypes.c_int(0)) == 0
        except (OSError, AttributeError):  # another platform or build: keep the statistics
            pass
    return _MEMSTATUS_OFF


_MEMSTATUS_OFF: bool | None = None
