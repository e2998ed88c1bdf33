"""PostgreSQL writes the export shape itself: the spec's kinds as PostgreSQL expressions.

The text must be the bytes the Python writer (:mod:`accord.store.export.rows`)
gives for the same rows, and PostgreSQL's own JSON output is not that:
``json_build_object`` writes ``{"a" : 1}`` and ``json_agg`` puts a newline between
elements. So the objects are chains of text (``concat``, as ``||`` on SQLite) and
strings go through ``to_json`` (which escapes exactly as orjson does). The JSON
columns are ``json`` holding the compact text accord wrote
(:mod:`accord.store.json_text`, migration 0014), which PostgreSQL keeps verbatim:
a JSON value is its stored text, copied. A bare double (a number with a point or an
exponent: orjson writes ``0.00001``, the Python writer ``repr``, ``1e-05``, as SQLite
keeps such a value as a REAL) is marked for Python, as a ``real`` value is.

A page is one statement: the page's records by primary key, each child table read
once for the whole page (a range scan of its ``record_id`` index, one
``string_agg`` per record, joined by record id) instead of a subquery per record;
a response's first time text is computed once per row in the page's subquery.

``float8`` text is the shortest exact decimal, Python's repr in fixed notation
(1e-4 to 1e15, with ".0" added to whole numbers); outside that range it reads
back exactly, and the marker ``\\x01<text>\\x01`` has Python write ``repr`` of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accord.store.export.compose import child_object, object_sql, record_cells, source
from accord.store.export.spec import CHILDREN, Child, Column

__all__ = ["POSTGRES", "tune"]

_TIMES = "t_"  # the column of a child row's first time text


def _time_text(src: str) -> str:
    """SQL: a timestamp as its JSON string (null when NULL)."""
    return (f"'\"' || to_char({src} AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') || '\"'")


def _first_time(child: Child | None) -> Column | None:
    """The first time column of a list with more than one, read without a joined table
    (``to_char`` is the dearest value of a response, and its three times are mostly
    equal: written once, in the page's subquery)."""
    if child is None or not child.many or child.via is not None:
        return None
    times = [c for c in child.columns if c.kind == "time"]
    return times[0] if len(times) > 1 else None


class _Postgres:
    name = "postgresql"

    def param(self, name: str) -> str:
        return f"%({name})s"

    def concat(self, parts: list[str]) -> str:
        # one allocation for the whole object: a chain of || copies the growing text at
        # every step (a record's line: about 20 copies of up to 2 KB)
        return f"concat({', '.join(parts)})"

    def value(self, column: Column, src: str, child: Child | None) -> str:
        kind, null = column.kind, column.nullable
        if kind == "int":
            return f"coalesce({src}::text, 'null')" if null else f"{src}::text"
        if kind == "text":
            return f"coalesce(to_json({src})::text, 'null')" if null else f"to_json({src})::text"
        if kind == "bool":
            return f"CASE WHEN {src} THEN 'true' ELSE 'false' END"
        if kind == "real":
            return (f"CASE WHEN {src} IS NULL THEN 'null' WHEN {src} = trunc({src}) AND "
                    f"abs({src}) < 1e15 THEN {src}::text || '.0' WHEN abs({src}) >= 1e-4 AND "
                    f"abs({src}) < 1e15 THEN {src}::text ELSE chr(1) || {src}::text || chr(1) "
                    "END")
        if kind == "time":
            first = _first_time(child)
            if child is None or first is None:
                text = _time_text(src)
            elif src == source(first, child.alias):
                text = f"{child.alias}.{_TIMES}"
            else:  # the first time's text when equal (a response saved once: all three)
                text = (f"CASE WHEN {src} = {source(first, child.alias)} THEN "
                        f"{child.alias}.{_TIMES} ELSE {_time_text(src)} END")
            return f"coalesce({text}, 'null')" if null else text
        if kind == "json":  # the stored text (SQL NULL: null); a bare double as its repr
            t = f"{src}::text"
            return (f"CASE WHEN {src} IS NULL THEN 'null' WHEN json_typeof({src}) = 'number' "
                    f"AND {t} ~ '[.eE]' THEN chr(1) || {t} || chr(1) ELSE {t} END")
        if kind == "object":  # the stored text ({} for SQL NULL or JSON null)
            if not null:
                return f"{src}::text"
            return (f"CASE WHEN {src} IS NULL THEN '{{}}' WHEN {src}::text = 'null' THEN '{{}}' "
                    f"ELSE {src}::text END")
        raise ValueError(f"column {column.key!r}: no PostgreSQL form for kind {kind!r}")

    def array(self, child: Child, obj: str) -> str:
        # the page's aggregate of the child (see _child_join)
        return f"coalesce(c_{child.alias}.s, '{child.empty}')"

    def single(self, child: Child, value: str) -> str:
        return f"coalesce(c_{child.alias}.s, '{child.empty}')"

    def quote_user_id(self, src: str) -> str:
        return f"to_json({src}::text)::text"

    def user_lookup(self, src: str) -> str:
        return f"(SELECT to_json(u.name)::text FROM users u WHERE u.id = {src})"

    # -- pages --

    def _child_join(self, child: Child, users: int, lo: str, hi: str) -> str:
        """The page's rows of ``child``, one aggregate per record id (a range scan of the
        child's ``record_id`` index for the whole page, not a subplan per record), as
        ``c_<alias>(k, s)``, joined to the page's records (ids in ``(lo, hi]``, SQL)."""
        a, obj = child.alias, child_object(self, child, users)
        if child.via is not None:  # (reviews) through the joined table's record id
            rows = f"{child.table} {a} JOIN {child.via[0]} {child.via[1]} ON {child.via[2]}"
            link = child.link
        else:
            extra = []
            first = _first_time(child)
            if first is not None:
                extra.append(f"{_time_text(source(first, a))} AS {_TIMES}")
            # OFFSET 0: the time text is computed once per row, not inlined into each use;
            # ORDER BY: in the index's order, which the join and the GROUP BY then keep
            rows = (f"(SELECT {', '.join([f'{a}.*'] + extra)} FROM {child.table} {a} "
                    f"WHERE {a}.{child.link} > {lo} AND {a}.{child.link} <= {hi} "
                    f"ORDER BY {a}.{child.link} OFFSET 0) {a}")
            link = f"{a}.{child.link}"
        where = f" WHERE {link} > {lo} AND {link} <= {hi}" if child.via else ""
        if child.many:
            order = ", ".join(f'{a}."{c}"' for c in child.order)
            agg = f"'[' || string_agg({obj}, ',' ORDER BY {order}) || ']'"
            body = f"SELECT {link} AS k, {agg} AS s FROM {rows}{where} GROUP BY {link}"
        else:
            body = f"SELECT {link} AS k, {obj} AS s FROM {rows}{where}"
        return f" LEFT JOIN ({body}) c_{a} ON c_{a}.k = r.id"

    def page_sql(self, columns: str, exclude_gold: bool, present: dict[str, bool],
                 users: int, lo: str = "%(lo)s", hi: str = "%(hi)s") -> str:
        """The records with ids in ``(lo, hi]`` (SQL: the page's bounds by default)."""
        gold = " AND NOT r.is_gold" if exclude_gold else ""
        joins = "".join(self._child_join(child, users, lo, hi) for child in CHILDREN
                        if present.get(child.name, True) and f"c_{child.alias}.s" in columns)
        return (f"SELECT r.id, {columns} FROM (SELECT r.* FROM records r WHERE "
                f"r.dataset_id = %(ds)s AND r.id > {lo} AND r.id <= {hi}{gold} "
                f"ORDER BY r.id OFFSET 0) r{joins} ORDER BY r.id")

    def chunked(self, select: str, inner: Callable[[str, str], str]) -> str:
        """``select`` (aggregates over ``x``) of ``inner(lo, hi)`` for each run of
        ``%(chunk)s`` ids of the page, one row per run, in id order.

        One aggregate of a whole page is a value of megabytes, which the server copies
        three times (the aggregate's result, its send format, the row message) into newly
        allocated memory: beyond glibc's ``mmap`` threshold each copy is fresh pages, each
        page a fault (on this VM about 2 us each, 0.85 per record: 12 % of the JSONL
        statement's CPU). Rows of tens of kilobytes are copied into reused memory. Each run
        is the page statement over its own ids (range scans of the same indexes); the rows
        come in ``generate_series`` order, which the reader checks against the ids."""
        return (f"SELECT x.* FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1, "
                f"%(chunk)s::bigint) c(a) CROSS JOIN LATERAL (SELECT {select} FROM "
                f"({inner('c.a', 'least(c.a + %(chunk)s::bigint, %(hi)s::bigint)')}) x) x")

    def rows_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        cells = record_cells(self, present, users)
        cols = [f'r."{k}"' if k in ("external_id", "status") else
                "r.is_gold" if k == "is_gold" else sql for k, sql in cells]
        return self.page_sql(", ".join(cols), exclude_gold, present, users)

    def lines_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        # each line ends in its newline, written by the line's own concat (a newline added
        # to the page's text afterwards is a copy of the whole page, here or in the reader)
        line = object_sql(self, record_cells(self, present, users), after="chr(10)")
        # the aggregates take the subquery's id order (an ORDER BY in them would sort the
        # page's lines again); the reader checks the ids and sorts if ever they are not
        # read in binary format, as bytes (see accord.store.export.lines): the text as it is,
        # without a copy into a bytea
        return self.chunked("string_agg(id::text, ','), string_agg(line, '')",
                            lambda lo, hi: self.page_sql(line + " AS line", exclude_gold,
                                                         present, users, lo, hi))

    def field_sql(self, i: int) -> str:
        return f"r.fields ->> %(f{i})s"

    def field_param(self, name: str) -> str:
        return name

    def columns_sql(self, inner: Callable[[str, str], str], names: list[str], texts: list[str],
                    fields: int) -> str:
        joined = [f"string_agg(coalesce({n}, chr(3)), chr(2))" if n.startswith("f")
                  else "string_agg(CASE WHEN is_gold THEN '1' ELSE '0' END, '')"
                  if n == "is_gold" else f"string_agg({n}, chr(2))" for n in names]
        unsafe = " OR ".join(f"strpos({n}, chr(2)) > 0 OR {n} = chr(3)" for n in texts)
        # in the subquery's id order, a row per run of ids, as lines_sql
        return self.chunked(f"string_agg(id::text, ','), coalesce(bool_or({unsafe}), "
                            f"false), {', '.join(joined)}", inner)

    id_range_sql = "SELECT min(id), max(id) FROM records WHERE dataset_id = %(ds)s"

    def users_sql(self, limit: int) -> str:
        return f"SELECT id, name FROM users ORDER BY id LIMIT {int(limit)}"

    def lookup_sql(self, table: str, key: str, column: str, count: int) -> str:
        raise ValueError("PostgreSQL's markers hold their text")  # pragma: no cover


POSTGRES = _Postgres()


def tune(conn: Any) -> None:
    """No JIT compilation for the rest of the export's transaction on ``conn``.

    A page statement runs for milliseconds, and compiling it (when its estimated cost
    passes ``jit_above_cost``, as a page of many runs of ids does) took 35 ms each time:
    more than the statement itself."""
    conn.execute("SET LOCAL jit = off")
