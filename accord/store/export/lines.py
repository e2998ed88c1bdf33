"""Whole records as JSONL text built by the database, a :class:`LinePage` per page
(``jsonl`` without filters)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from accord.store.export.paging import Chunks, Plan, ascending, connections, range_pages
from accord.store.export.postgres import POSTGRES

__all__ = ["LinePage", "iter_record_lines", "line_page_sql"]


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


def line_page_sql(session: Session, dataset_id: int, *, exclude_gold: bool = False) -> str:
    """The page statement of :func:`iter_record_lines` (parameters ``ds``, ``lo``, ``hi``,
    on PostgreSQL ``chunk``, and the users' bound values)."""
    plan = Plan(session, dataset_id)
    return plan.dialect.lines_sql(plan.present, plan.users, exclude_gold)


def iter_record_lines(session: Session, dataset_id: int, *, batch_size: int = 2000,
                      exclude_gold: bool = False, after_id: int = 0,
                      readers: Sequence[Any] | None = None) -> Iterator[LinePage]:
    """Every record of a dataset in id order as JSONL, a :class:`LinePage` per page
    (``readers`` as in :func:`~accord.store.export.json_rows.iter_json_records`). Each
    line is the bytes :func:`accord.store.export.rows.line_text` writes for the record."""
    plan = Plan(session, dataset_id)
    sql = plan.dialect.lines_sql(plan.present, plan.users, exclude_gold)

    postgres = plan.dialect is POSTGRES
    chunk = Chunks()  # ids per row of the page (PostgreSQL), from the last page's size

    def fetch(conn: Any, lo: int, hi: int) -> LinePage | None:
        rows = [row for row in plan.run(conn, sql, lo, hi, binary=True, chunk=chunk.ids)
                if row[0] is not None]  # (an empty run of ids gives a row of nulls)
        if not rows:
            return None
        comma = b"," if postgres else ","
        ids = tuple(int(i) for ids_text, _ in rows for i in ids_text.split(comma))
        chunks = tuple(bytes(text) for _, text in rows)
        if not ascending(ids):  # the aggregates did not keep the subqueries' order
            pairs = sorted(zip(ids, b"".join(chunks).split(b"\n")[:-1], strict=True))
            ids = tuple(i for i, _ in pairs)
            chunks = (b"\n".join(t for _, t in pairs) + b"\n",)
        chunk.update(hi - lo, len(ids), sum(map(len, chunks)))
        return LinePage(ids, tuple(plan.finish(conn, text) for text in chunks))

    conns, threads = connections(plan, readers)
    yield from range_pages(plan, conns, batch_size, fetch, after_id, threads)
