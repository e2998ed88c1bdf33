"""Whole records as Arrow string arrays, a :class:`ColumnPage` per page (Parquet and the
hub): the cells of the flat export, built by the database and split by Arrow, no Python
object per record."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy.orm import Session

from accord.store.export.compose import record_cells
from accord.store.export.field_reader import read_fields
from accord.store.export.paging import (
    MARK,
    Chunks,
    Plan,
    ascending,
    connections,
    range_pages,
)
from accord.store.export.postgres import POSTGRES
from accord.store.export.spec import CHILDREN

__all__ = ["ColumnPage", "column_page_sql", "iter_record_columns"]


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


def _client_fields(plan: Plan, fields: Sequence[str]) -> bool:
    """Whether the page statement leaves the fields to the client: on PostgreSQL each
    ``fields ->> 'name'`` parses the stored ``json`` text again (2.6 of the Parquet
    statement's 13 CPU s per 1M records), where the stored text costs the server a copy
    and Arrow's JSON reader 0.7 us per record (docs/benchmarks.md)."""
    return bool(fields) and plan.dialect is POSTGRES


def _column_select(plan: Plan, fields: Sequence[str], exclude_gold: bool,
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


def _field_params(plan: Plan, fields: Sequence[str]) -> dict[str, Any]:
    return {f"f{i}": plan.dialect.field_param(name) for i, name in enumerate(fields)}


def column_page_sql(session: Session, dataset_id: int, fields: Sequence[str], *,
                    exclude_gold: bool = False) -> str:
    """The page statement of :func:`iter_record_columns`: one row per page (on PostgreSQL
    one per run of ``chunk`` ids), each column the cells joined by ``\\x02`` (a control
    character, never raw in JSON text; ``\\x03`` stands for null), and a flag set when a
    text cell could be mistaken for those (then the page is read a row per record)."""
    plan = Plan(session, dataset_id)
    return _columns_sql(plan, fields, exclude_gold)


def _columns_sql(plan: Plan, fields: Sequence[str], exclude_gold: bool) -> str:
    client = _client_fields(plan, fields)
    names = _column_select(plan, fields, exclude_gold, client=client)[1]
    count = 0 if client else len(fields)
    texts = ["external_id", "status"] + [f"f{i}" for i in range(count)]
    return plan.dialect.columns_sql(
        lambda lo, hi: _column_select(plan, fields, exclude_gold, (lo, hi), client)[0],
        [n for n in names if n != "fields" or client], texts, count)


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
    ``batch_size`` ids (needs pyarrow). The JSON text is what
    :func:`~accord.store.export.json_rows.iter_json_records` gives. The database returns
    each page as one row, or a few (its cells joined, see :func:`column_page_sql`), which
    Arrow splits: no Python object per record. ``readers`` as in
    :func:`~accord.store.export.json_rows.iter_json_records`."""
    import numpy as np
    import pyarrow as pa

    plan = Plan(session, dataset_id)
    for name in fields:  # the settings' names (letters, digits, "_", "-")
        if not name.replace("_", "").replace("-", "").isalnum() or not name.isascii():
            raise ValueError(f"not a field name: {name!r}")
    sql = _columns_sql(plan, fields, exclude_gold)
    rows_sql, names = _column_select(plan, fields, exclude_gold)
    client = _client_fields(plan, fields)
    page_names = [n for n in _column_select(plan, fields, exclude_gold, client=client)[1]
                  if n != "fields" or client]
    read = {f"f{i}" for i in range(len(fields))} if client else set()  # by read_fields
    plan.params.update(_field_params(plan, fields))
    string = pa.string()

    chunk = Chunks()  # ids per row of the page (PostgreSQL), as iter_record_lines
    postgres = plan.dialect is POSTGRES

    def fetch(conn: Any, lo: int, hi: int) -> tuple[Any, ...] | None:
        """In a reading thread: the page's text (Arrow work is left to the caller's
        thread: each thread allocating from Arrow's pool keeps a heap of its own). On
        PostgreSQL, rows of a run of ids each (see
        :func:`~accord.store.export.lines.iter_record_lines`), read as UTF-8 bytes."""
        rows = [row for row in plan.run(conn, sql, lo, hi, binary=True, chunk=chunk.ids)
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
        unsafe = any(row[1] for row in rows) or not ascending(ids) or any(
            len(row[2 + gold]) != len(run) or not postgres and any(
                cell.count(sep) != len(run) - 1 for i, cell in enumerate(row[2:]) if i != gold)
            for row, run in zip(rows, runs, strict=True))
        parsed: dict[str, Any] = {}
        if client and not unsafe:  # the fields, from the stored JSON texts
            try:
                parsed = read_fields([row[2 + page_names.index("fields")] for row in rows],
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
            chunk.update(hi - lo, len(ids), size)
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

    conns, threads = connections(plan, readers)
    for raw in range_pages(plan, conns, batch_size, fetch, after_id, threads):
        yield page(*raw)
