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
(``0.00001`` for orjson's ``1e-05``, every digit of ``1e20``, which orjson
reads back as a double). A JSON value whose text holds ``": null`` or ``0.0000``
(two ``strpos``, cheaper than a jsonpath over the value) is prefixed with
``\\x04``; a run of 19 digits after a separator the page reader finds in the
text (:meth:`_Postgres.flagged`). The records holding either are written by
Python from the generic read (rare: answers are labels, numbers, texts; a
false positive of the text tests only costs time). The stored JSON was written
by orjson (accord's serializer), so its numbers carry no other form (no ``1.50``).

A page is one statement: the page's records by primary key, each child table read
once for the whole page (a range scan of its ``record_id`` index, one
``string_agg`` per record, joined by record id) instead of a subquery per record;
each ``jsonb`` column's text and a response's first time are computed once per
row in the page's subqueries.

``float8`` text is the shortest exact decimal, Python's repr in fixed notation
(1e-4 to 1e15, with ".0" added to whole numbers); outside that range it reads
back exactly, and the marker ``\\x01<text>\\x01`` has Python write ``repr`` of it.
"""

from __future__ import annotations

from typing import Any

from accord.store.export.compose import child_object, object_sql, record_cells, source
from accord.store.export.spec import CHILDREN, RECORD, Child, Column

__all__ = ["POSTGRES"]

#: The digit run that has Python write a record (see :meth:`_Postgres.flagged`): a number
#: in the text, after a separator or a minus, of 19 or more digits.
_RUN = 19
_DIGITS = bytes.maketrans(b"0123456789:,[-\x02", b"0000000000#####")
_SEPARATED_RUN = b"#" + b"0" * _RUN


def _json_of(src: str, child: Child | None) -> str:
    """SQL: the ``jsonb`` column ``src`` as ``json`` (``to_json``: ``jsonb``'s text, which
    is not parsed again, as a cast to ``json`` would): the page's subquery wrote it once
    as ``"<column>__t"`` (a record's, or a child's read without a joined table); else
    written here."""
    if child is None or child.via is None:
        return src[:-1] + '__t"'
    return f"to_json({src})"


def _compact(j: str) -> str:
    """SQL: a ``json`` holding ``jsonb``'s text (``{"a": 1, "b": [1, 2]}``) as compact
    JSON text, ``\\x04`` first when Python must write it: an object key with a null
    value (``json_strip_nulls`` drops it) or a number below 1e-4 (``numeric`` writes
    ``0.00001``, orjson ``1e-05``). Text tests: a false positive only costs time.

    ``\\x05`` first when the text holds ``00``, and so may hold a number from 2**63
    (``numeric`` writes every digit, orjson reads a double): such a number was stored by
    orjson as a double (``1e20``; it writes no integer beyond 64 bits), whose 17
    significant digits leave its 19 or more digits ending in ``00``. The page reader
    looks for the digit run in those values only (:meth:`_Postgres.flagged`) and removes
    the mark."""
    t = f"{j}::text"
    # two strpos for most values (each call costs its setup: the tests are nested)
    return (f"CASE WHEN strpos({t}, '\": null') > 0 THEN chr(4) WHEN strpos({t}, '00') = 0 "
            f"THEN '' WHEN strpos({t}, '0.0000') > 0 THEN chr(4) ELSE chr(5) END || "
            f"json_strip_nulls({j})::text")


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


def _texts(columns: tuple[Column, ...], alias: str) -> list[str]:
    """The subquery's extra columns: each ``jsonb`` column as ``json`` (its text)."""
    return [f'to_json({alias}."{c.source}") AS "{c.source}__t"' for c in columns
            if c.kind in ("json", "object") and "." not in c.source]


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
        if kind == "json":
            return (f"CASE WHEN {src} IS NULL THEN 'null' ELSE "
                    f"{_compact(_json_of(src, child))} END")
        if kind == "object":
            if not null:
                return _compact(_json_of(src, child))
            return (f"CASE WHEN {src} IS NULL OR jsonb_typeof({src}) = 'null' THEN '{{}}' "
                    f"ELSE {_compact(_json_of(src, child))} END")
        raise ValueError(f"column {column.key!r}: no PostgreSQL form for kind {kind!r}")

    def array(self, child: Child, obj: str) -> str:
        # the page's aggregate of the child (see _child_join)
        return f"coalesce(c_{child.alias}.s, '{child.empty}')"

    def single(self, child: Child, value: str) -> str:
        return f"coalesce(c_{child.alias}.s, '{child.empty}')"

    def flagged(self, text: bytes | str) -> bool:
        """Whether the JSON text ``text`` (a page's, a column's cells joined by ``\\x02``,
        or one record's) holds a record Python must write: flagged ``\\x04`` by the
        statement, or, in a text marked ``\\x05``, a number of 19 digits or more (after a
        separator or a minus; in a string, a false positive, which only costs time)."""
        if not self.marked(text):
            return False
        raw = text if text.__class__ is bytes else text.encode()  # type: ignore[union-attr]
        if b"\x04" in raw:
            return True
        digits = raw.translate(_DIGITS)  # digits as "0", separators and "-" as "#"
        return _SEPARATED_RUN in digits or digits.startswith(_SEPARATED_RUN[1:])

    def marked(self, text: bytes | str) -> bool:
        """Whether ``text`` holds a mark (``\\x04`` or ``\\x05``, see :meth:`flagged`)."""
        if text.__class__ is bytes:
            return b"\x04" in text or b"\x05" in text  # type: ignore[operator]
        return "\x04" in text or "\x05" in text  # type: ignore[operator]

    def clean(self, text: Any) -> Any:
        """``text`` (str or bytes, of records Python does not write) without the
        ``\\x05`` marks."""
        soft = "\x05" if text.__class__ is str else b"\x05"
        return text.replace(soft, soft[:0]) if soft in text else text

    def quote_user_id(self, src: str) -> str:
        return f"to_json({src}::text)::text"

    def user_lookup(self, src: str) -> str:
        return f"(SELECT to_json(u.name)::text FROM users u WHERE u.id = {src})"

    # -- pages --

    def _child_join(self, child: Child, users: int) -> str:
        """The page's rows of ``child``, one aggregate per record id (a range scan of the
        child's ``record_id`` index for the whole page, not a subplan per record), as
        ``c_<alias>(k, s)``, joined to the page's records."""
        a, obj = child.alias, child_object(self, child, users)
        if child.via is not None:  # (reviews) through the joined table's record id
            rows = f"{child.table} {a} JOIN {child.via[0]} {child.via[1]} ON {child.via[2]}"
            link = child.link
        else:
            extra = _texts(child.columns, a)
            first = _first_time(child)
            if first is not None:
                extra.append(f"{_time_text(source(first, a))} AS {_TIMES}")
            # OFFSET 0: the texts are computed once per row, not inlined into each use;
            # ORDER BY: in the index's order, which the join and the GROUP BY then keep
            rows = (f"(SELECT {', '.join([f'{a}.*'] + extra)} FROM {child.table} {a} "
                    f"WHERE {a}.{child.link} > %(lo)s AND {a}.{child.link} <= %(hi)s "
                    f"ORDER BY {a}.{child.link} OFFSET 0) {a}")
            link = f"{a}.{child.link}"
        where = f" WHERE {link} > %(lo)s AND {link} <= %(hi)s" if child.via else ""
        if child.many:
            order = ", ".join(f'{a}."{c}"' for c in child.order)
            agg = f"'[' || string_agg({obj}, ',' ORDER BY {order}) || ']'"
            body = f"SELECT {link} AS k, {agg} AS s FROM {rows}{where} GROUP BY {link}"
        else:
            body = f"SELECT {link} AS k, {obj} AS s FROM {rows}{where}"
        return f" LEFT JOIN ({body}) c_{a} ON c_{a}.k = r.id"

    def page_sql(self, columns: str, exclude_gold: bool, present: dict[str, bool],
                 users: int) -> str:
        gold = " AND NOT r.is_gold" if exclude_gold else ""
        texts = ", ".join(["r.*"] + _texts(RECORD, "r"))
        joins = "".join(self._child_join(child, users) for child in CHILDREN
                        if present.get(child.name, True) and f"c_{child.alias}.s" in columns)
        return (f"SELECT r.id, {columns} FROM (SELECT {texts} FROM records r WHERE "
                f"r.dataset_id = %(ds)s AND r.id > %(lo)s AND r.id <= %(hi)s{gold} "
                f"ORDER BY r.id OFFSET 0) r{joins} ORDER BY r.id")

    def rows_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        cells = record_cells(self, present, users)
        cols = [f'r."{k}"' if k in ("external_id", "status") else
                "r.is_gold" if k == "is_gold" else sql for k, sql in cells]
        return self.page_sql(", ".join(cols), exclude_gold, present, users)

    def lines_sql(self, present: dict[str, bool], users: int, exclude_gold: bool) -> str:
        line = object_sql(self, record_cells(self, present, users))
        # the aggregates take the subquery's id order (an ORDER BY in them would sort the
        # page's lines again); the reader checks the ids and sorts if ever they are not
        # read in binary format, as bytes (see accord.store.export.pages): the text as it is,
        # without a copy into a bytea nor the last newline (the reader adds it)
        return ("SELECT string_agg(id::text, ','), string_agg(line, chr(10)) "
                f"FROM ({self.page_sql(line + ' AS line', exclude_gold, present, users)}) x")

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
