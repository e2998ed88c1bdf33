"""PostgreSQL writes the export shape itself: the spec's kinds as PostgreSQL expressions.

The text must be the bytes the Python writer (:mod:`accord.store.export.rows`)
gives for the same rows, and PostgreSQL's own JSON output is not that:
``json_build_object`` writes ``{"a" : 1}``, ``json_agg`` puts a newline between
elements, and ``jsonb``'s text has ``", "`` and ``": "`` between items. So the
objects are chains of ``||`` (as on SQLite), strings go through ``to_json``
(which escapes exactly as orjson does), and a JSON column is made compact by
``json_strip_nulls`` over its text (PostgreSQL's JSON parser re-writes every
token without whitespace, strings escaped again the same way).

Where that is not the Python bytes, Python writes: ``json_strip_nulls`` drops
object keys whose value is null, and ``jsonb`` keeps numbers as ``numeric``
(``0.0000001`` for orjson's ``1e-7``). A JSON value holding a null, or a number
below 1e-4 or from 1e18 (a jsonpath test, cheaper than reading its text), is
prefixed with ``\\x04``, and the page reader has the records holding one
written by Python from the generic read (rare: answers are labels, numbers,
texts). The stored JSON was written by orjson (accord's serializer), so its
numbers carry no other form (no ``1.50``).

``float8`` text is the shortest exact decimal, Python's repr in fixed notation
(1e-4 to 1e15, with ".0" added to whole numbers); outside that range it reads
back exactly, and the marker ``\\x01<text>\\x01`` has Python write ``repr`` of it.
"""

from __future__ import annotations

from accord.store.export.compose import object_sql, record_cells, source
from accord.store.export.spec import Child, Column

__all__ = ["POSTGRES"]

# a null anywhere, or a number that numeric writes in another form than orjson: below
# 1e-4 (orjson: 1e-7; numeric: 0.0000001) or an integer above 64 bits
_NEEDS_PYTHON = ('strict $.** ? (@ == null || (@.type() == "number" && '
                 '((@ != 0 && @.abs() < 0.0001) || @.abs() >= 1e18)))')


def _compact(src: str) -> str:
    """SQL: a jsonb as compact JSON text, ``\\x04`` first when Python must write it."""
    return (f"CASE WHEN {src} @? '{_NEEDS_PYTHON}' THEN chr(4) ELSE '' END || "
            f"json_strip_nulls({src}::json)::text")


_TIMES = "t_"  # the alias of a child row's first time text


def _time_text(src: str) -> str:
    """SQL: a timestamp as its JSON string (null when NULL)."""
    return (f"'\"' || to_char({src} AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') || '\"'")


def _first_time(child: Child | None) -> Column | None:
    """The first time column of a list with more than one (``to_char`` is the dearest
    value of a response, and its three times are mostly equal: written once)."""
    if child is None or not child.many:
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
                text = f"{_TIMES}.{child.alias}"
            else:  # the first time's text when equal (a response saved once: all three)
                text = (f"CASE WHEN {src} = {source(first, child.alias)} THEN "
                        f"{_TIMES}.{child.alias} ELSE {_time_text(src)} END")
            return f"coalesce({text}, 'null')" if null else text
        if kind == "json":
            return f"CASE WHEN {src} IS NULL THEN 'null' ELSE {_compact(src)} END"
        if kind == "object":
            if not null:
                return _compact(src)
            return (f"CASE WHEN {src} IS NULL OR jsonb_typeof({src}) = 'null' THEN '{{}}' "
                    f"ELSE {_compact(src)} END")
        raise ValueError(f"column {column.key!r}: no PostgreSQL form for kind {kind!r}")

    def array(self, child: Child, obj: str) -> str:
        a = child.alias
        join = f" JOIN {child.via[0]} {child.via[1]} ON {child.via[2]}" if child.via else ""
        first = _first_time(child)
        if first is not None:  # OFFSET 0: computed once per row, not inlined into each use
            join += (f" CROSS JOIN LATERAL (SELECT {_time_text(source(first, a))} AS {a} "
                     f"OFFSET 0) {_TIMES}")
        link = child.link if "." in child.link else f"{a}.{child.link}"
        order = ", ".join(f'{a}."{c}"' for c in child.order)
        return (f"coalesce((SELECT '[' || string_agg({obj}, ',' ORDER BY {order}) || ']' "
                f"FROM {child.table} {a}{join} WHERE {link} = r.id), '[]')")

    def single(self, child: Child, value: str) -> str:
        a = child.alias
        return (f"coalesce((SELECT {value} FROM {child.table} {a} "
                f"WHERE {a}.{child.link} = r.id), '{child.empty}')")

    def quote_user_id(self, src: str) -> str:
        return f"to_json({src}::text)::text"

    def user_lookup(self, src: str) -> str:
        return f"(SELECT to_json(u.name)::text FROM users u WHERE u.id = {src})"

    # -- pages --

    def page_sql(self, columns: str, exclude_gold: bool) -> str:
        gold = " AND NOT r.is_gold" if exclude_gold else ""
        return (f"SELECT r.id, {columns} FROM records r WHERE r.dataset_id = %(ds)s "
                f"AND r.id > %(lo)s AND r.id <= %(hi)s{gold} ORDER BY r.id")

    def rows_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        cells = record_cells(self, present, users)
        cols = [f'r."{k}"' if k in ("external_id", "status") else
                "r.is_gold" if k == "is_gold" else sql for k, sql in cells]
        return self.page_sql(", ".join(cols), exclude_gold)

    def lines_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        line = object_sql(self, record_cells(self, present, users))
        # the aggregates take the subquery's id order (an ORDER BY in them would sort the
        # page's lines again); the reader checks the ids and sorts if ever they are not
        return ("SELECT string_agg(id::text, ','), "
                "convert_to(string_agg(line, chr(10)) || chr(10), 'UTF8') "
                f"FROM ({self.page_sql(line + ' AS line', exclude_gold)}) x")

    def field_sql(self, i: int) -> str:
        return f"r.fields ->> %(f{i})s"

    def field_param(self, name: str) -> str:
        return name

    def columns_sql(self, inner: str, names: list[str], texts: list[str], fields: int) -> str:
        joined = [f"string_agg(coalesce({n}, chr(3)), chr(2))" if n.startswith("f")
                  else "string_agg(CASE WHEN is_gold THEN '1' ELSE '0' END, '')"
                  if n == "is_gold" else f"string_agg({n}, chr(2))" for n in names]
        unsafe = " OR ".join(f"strpos({n}, chr(2)) > 0 OR {n} = chr(3)" for n in texts)
        # in the subquery's id order, as lines_sql
        return (f"SELECT string_agg(id::text, ','), coalesce(bool_or({unsafe}), "
                f"false), {', '.join(joined)} FROM ({inner}) x")

    id_range_sql = "SELECT min(id), max(id) FROM records WHERE dataset_id = %(ds)s"

    def users_sql(self, limit: int) -> str:
        return f"SELECT id, name FROM users ORDER BY id LIMIT {int(limit)}"

    def lookup_sql(self, table: str, key: str, column: str, count: int) -> str:
        raise ValueError("PostgreSQL's markers hold their text")  # pragma: no cover


POSTGRES = _Postgres()
