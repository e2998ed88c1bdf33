"""SQL for the export shape, composed from the spec for one backend.

A backend (:mod:`accord.store.export.sqlite`, :mod:`accord.store.export.postgres`)
says how each kind of value becomes JSON text and how rows become an array;
this module puts those pieces together in the spec's key order, so the
objects' layout is written once for both. User names are bound values
(``:u<i>`` ids, ``:n<i>`` their JSON text), never literals in the statement.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson

from accord.store.export.spec import CHILDREN, RECORD, Child, Column

__all__ = ["Dialect", "USERS_INLINE", "child_object", "child_sql", "record_cells", "source",
           "user_params"]

#: Up to this many users, a name is a CASE over bound values; beyond, a lookup.
USERS_INLINE = 200


class Dialect(Protocol):
    name: str

    def param(self, name: str) -> str: ...

    def concat(self, parts: list[str]) -> str: ...

    def value(self, column: Column, src: str, child: Child | None) -> str: ...

    def array(self, child: Child, obj: str) -> str: ...

    def single(self, child: Child, value: str) -> str: ...

    def quote_user_id(self, src: str) -> str: ...

    def user_lookup(self, src: str) -> str: ...


def source(column: Column, alias: str) -> str:
    """The SQL of a column: ``alias."name"``, or a joined table's ``q."name"``."""
    table, _, name = column.source.rpartition(".")
    return f'{table or alias}."{name}"'


def user_params(names: dict[int, str]) -> dict[str, Any]:
    """The bound values of the user CASE (empty beyond :data:`USERS_INLINE` users)."""
    if len(names) > USERS_INLINE:
        return {}
    params: dict[str, Any] = {}
    for i, (uid, name) in enumerate(sorted(names.items())):
        params[f"u{i}"] = uid
        params[f"n{i}"] = orjson.dumps(name).decode()
    return params


def user_sql(d: Dialect, column: Column, src: str, count: int) -> str:
    """A user id as the JSON text of the user's name (see :func:`user_params`)."""
    fallback = d.quote_user_id(src) if column.user_default == "id" else "'null'"
    if count > USERS_INLINE:
        return f"coalesce({d.user_lookup(src)}, {fallback})"
    if not count:
        body = fallback
    else:
        whens = " ".join(f"WHEN {d.param(f'u{i}')} THEN {d.param(f'n{i}')}"
                         for i in range(count))
        body = f"CASE {src} {whens} ELSE {fallback} END"
    if column.nullable:
        return f"CASE WHEN {src} IS NULL THEN 'null' ELSE {body} END"
    return body


def object_sql(d: Dialect, pairs: list[tuple[str, str]], after: str = "") -> str:
    """``{"k":v,...}``: the keys and the values' JSON text, joined as the backend joins
    text fastest; ``after``: SQL of text that follows the object, in the same join."""
    parts = []
    for i, (key, value) in enumerate(pairs):
        lead = "{" if i == 0 else ","
        parts.append(f"'{lead}\"{key}\":'")
        parts.append(value)
    parts.append("'}'")
    if after:
        parts.append(after)
    return d.concat(parts)


def child_object(d: Dialect, child: Child, users: int) -> str:
    """One ``child`` row (alias ``child.alias``) as JSON text: its object, or for a single
    its one value."""
    values = []
    for column in child.columns:
        src = source(column, child.alias)
        if column.kind == "user":
            values.append(user_sql(d, column, src, users))
        else:
            values.append(d.value(column, src, child))
    if not child.many:
        return values[0]
    return object_sql(d, [(c.key, v) for c, v in zip(child.columns, values, strict=True)])


def child_sql(d: Dialect, child: Child, users: int) -> str:
    """A record's (``r``) list of ``child`` rows as JSON text (its value for a single)."""
    obj = child_object(d, child, users)
    return d.array(child, obj) if child.many else d.single(child, obj)


def record_cells(d: Dialect, present: dict[str, bool], users: int) -> list[tuple[str, str]]:
    """``(key, SQL)`` for each key of a record's object in the spec's order; children the
    dataset has none of (``present``) are their empty constant."""
    cells = [(c.key, d.value(c, f'r."{c.source}"', None)) for c in RECORD]
    for child in CHILDREN:
        sql = child_sql(d, child, users) if present.get(child.name, True) \
            else f"'{child.empty}'"
        cells.append((child.name, sql))
    return cells


def line_sql(d: Dialect, present: dict[str, bool], users: int) -> str:
    """A record's whole JSON object (the JSONL line)."""
    return object_sql(d, record_cells(d, present, users))
