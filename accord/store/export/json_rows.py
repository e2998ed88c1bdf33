"""Whole records as a :class:`~accord.store.export.rows.JsonRecord` each, the JSON text
built by the database a page at a time (row builders of whole-record formats)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from accord.store.export.paging import MARK, Plan, connections, range_pages
from accord.store.export.rows import JsonRecord

__all__ = ["iter_json_records"]


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
    plan = Plan(session, dataset_id)
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

    conns, threads = connections(plan, readers)
    for rows in range_pages(plan, conns, batch_size, fetch, after_id, prefetch and threads):
        for rid, ext, fields, meta, status, is_gold, resp, sugg, revs, gold in rows:
            yield JsonRecord(rid, ext, fields, meta, status, bool(is_gold), resp, sugg, revs,
                             gold)
