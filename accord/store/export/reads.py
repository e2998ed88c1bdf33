"""The generic read of an export: records with their responses, suggestions, reviews and
gold answers, as Python objects, on every backend.

Records come in keyset pages by id (constant memory at any size); the
children of a page are loaded with one query each over the page's id range
(``record_id BETWEEN first AND last``, served by the ``(record_id, ...)``
unique indexes), never one query per record. User names are read once.

On SQLite the pages are read through the driver cursor with orjson, which
skips SQLAlchemy's per-row result processing. PostgreSQL uses the same
statements through SQLAlchemy Core. Whole-record exports that need no Python
object per record read JSON text instead (:mod:`accord.store.export.paging`).
"""


from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from accord.store.models import (
    GoldAnswer,
    Record,
    Response,
    Review,
    Suggestion,
    User,
)
from accord.store.verdicts import fixes_in_force

__all__ = [
    "Answer",
    "ExportRecord",
    "ResponseView",
    "ReviewView",
    "SuggestionView",
    "annotator_count",
    "count_export_records",
    "iter_answers",
    "iter_export_records",
    "metadata_values",
    "user_names",
]


class ResponseView(NamedTuple):
    """A response as exports see it. Lean reads of a dataset without reviews carry only
    ``values`` (``id`` None, ``user_id`` 0, ``user`` "")."""

    id: int | None
    user_id: int
    user: str
    values: dict[str, Any]
    status: str
    time_spent: float
    created_at: Any
    updated_at: Any
    submitted_at: Any
    review_state: str | None
    fix: dict[str, Any] | None  # the values of the latest "fix" review, if any
    settings_version: int | None = None  # the settings version it was saved under


class SuggestionView(NamedTuple):
    question: str
    value: Any
    score: float | None
    agent: str
    created_at: Any


class ReviewView(NamedTuple):
    response_id: int
    reviewer: str | None
    verdict: str
    reason: str | None
    values: dict[str, Any] | None
    created_at: Any
    comment: str | None = None
    annotator: str | None = None  # the name of the reviewed response's user


class ExportRecord:
    """One record and (as asked) its responses, suggestions, reviews and gold answer."""

    __slots__ = (
        "external_id",
        "fields",
        "gold",
        "id",
        "is_gold",
        "metadata",
        "responses",
        "reviews",
        "status",
        "suggestions",
    )

    def __init__(self, id: int, external_id: str, fields: dict[str, Any],
                 metadata: dict[str, Any], status: str, is_gold: bool) -> None:
        self.id = id
        self.external_id = external_id
        self.fields = fields
        self.metadata = metadata
        self.status = status
        self.is_gold = bool(is_gold)
        self.responses: list[ResponseView] = []
        self.suggestions: list[SuggestionView] | tuple[()] = ()  # lists once loaded
        self.reviews: list[ReviewView] | tuple[()] = ()
        self.gold: dict[str, Any] | None = None


class Answer(NamedTuple):
    """One response in the answers pass (no record fields). ``review_state`` is the verdict in
    force and ``fix`` the corrected values of the latest fix."""

    record_id: int
    user_id: int
    values: dict[str, Any]
    fix: dict[str, Any] | None
    review_state: str | None
    response_id: int
    time_spent: float = 0.0


def user_names(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(User.id, User.name))}


def _loads(value: Any) -> Any:
    """JSON text read through the raw SQLite cursor (Core results are already decoded)."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _status_clause(statuses: Sequence[str] | None) -> tuple[str, list[Any]]:
    if not statuses:
        return "", []
    return f" AND status IN ({', '.join('?' * len(statuses))})", list(statuses)


_LEAN = ("id", "record_id", "user_id", "values", "review_state")
_RESPONSE_COLUMNS = {
    "values": ("record_id", "values"),
    "lean": _LEAN,
    "full": _LEAN + ("status", "time_spent", "created_at", "updated_at", "submitted_at",
                     "settings_version"),
}


class _Reader:
    """Runs the export statements on one connection (raw on SQLite, Core elsewhere)."""

    def __init__(self, session: Session) -> None:
        self.conn: Connection = session.connection()
        self.sqlite = self.conn.dialect.name == "sqlite"

    def _raw(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def record_page(self, dataset_id: int, after: int, limit: int, exclude_gold: bool,
                    columns: str) -> list[tuple[Any, ...]]:
        """``columns``: "full" (id, external_id, fields, metadata, status, is_gold),
        "lean" (id, external_id, fields) or "ids" (id)."""
        if self.sqlite:
            cols = {"full": "id, external_id, fields, metadata, status, is_gold",
                    "lean": "id, external_id, fields", "ids": "id"}[columns]
            gold = " AND is_gold = 0" if exclude_gold else ""
            # "+dataset_id": keep SQLite on the primary key (an index on dataset_id would make
            # every page sort the whole dataset)
            return self._raw(f"SELECT {cols} FROM records WHERE +dataset_id = ? AND id > ?{gold} "
                             "ORDER BY id LIMIT ?", (dataset_id, after, limit))
        t = Record.__table__.c
        cols = {"full": [t.id, t.external_id, t.fields, t.metadata, t.status, t.is_gold],
                "lean": [t.id, t.external_id, t.fields], "ids": [t.id]}[columns]
        stmt = select(*cols).where(t.dataset_id == dataset_id, t.id > after)
        if exclude_gold:
            stmt = stmt.where(t.is_gold.is_(False))
        return [tuple(r) for r in self.conn.execute(stmt.order_by(t.id).limit(limit))]

    def responses(self, dataset_id: int, lo: int, hi: int, statuses: Sequence[str] | None,
                  columns: str) -> list[tuple[Any, ...]]:
        """Rows in (record, id) order. ``columns``: "values" (record_id, values), "lean"
        (id, record_id, user_id, values, review_state) or "full" (lean, then status,
        time_spent and the timestamps). Every column read costs: on SQLite, "values"
        reads 3M responses in about half the time of "full"."""
        names = _RESPONSE_COLUMNS[columns]
        if self.sqlite:
            clause, extra = _status_clause(statuses)
            cols = ", ".join(f'"{c}"' if c == "values" else c for c in names)
            return self._raw(f"SELECT {cols} FROM responses WHERE record_id BETWEEN ? AND ? "
                             f"AND +dataset_id = ?{clause} ORDER BY record_id, id",
                             [lo, hi, dataset_id, *extra])
        t = Response.__table__.c
        stmt = select(*[t[c] for c in names]).where(t.record_id.between(lo, hi),
                                                   t.dataset_id == dataset_id)
        if statuses:
            stmt = stmt.where(t.status.in_(list(statuses)))
        return [tuple(r) for r in self.conn.execute(stmt.order_by(t.record_id, t.id))]

    def reviews(self, dataset_id: int, lo: int, hi: int) -> list[tuple[Any, ...]]:
        r, p = Review.__table__.c, Response.__table__.c
        stmt = (select(p.record_id, r.response_id, r.reviewer_id, r.verdict, r.reason, r["values"],
                       r.created_at, r.comment, p.user_id)
                .join(Response.__table__, p.id == r.response_id)
                .where(p.record_id.between(lo, hi)))  # other datasets' rows: dropped by callers
        return [tuple(x) for x in self.conn.execute(stmt.order_by(r.id))]

    def suggestions(self, lo: int, hi: int, ids: set[int]) -> list[tuple[Any, ...]]:
        s = Suggestion.__table__.c
        stmt = select(s.record_id, s.question, s.value, s.score, s.agent, s.created_at).where(
            s.record_id.between(lo, hi)).order_by(s.record_id, s.question, s.id)
        return [tuple(x) for x in self.conn.execute(stmt) if x[0] in ids]

    def has_reviews(self, dataset_id: int) -> bool:
        r = Review.__table__.c
        return self.conn.execute(select(r.id).where(r.dataset_id == dataset_id).limit(1)
                                 ).first() is not None

    def has_suggestions(self, dataset_id: int) -> bool:
        s, r = Suggestion.__table__.c, Record.__table__.c
        return self.conn.execute(select(s.id).join(Record.__table__, r.id == s.record_id)
                                 .where(r.dataset_id == dataset_id).limit(1)).first() is not None

    def has_gold(self, dataset_id: int) -> bool:
        g, r = GoldAnswer.__table__.c, Record.__table__.c
        return self.conn.execute(select(g.record_id).join(Record.__table__, r.id == g.record_id)
                                 .where(r.dataset_id == dataset_id).limit(1)).first() is not None

    def gold(self, lo: int, hi: int) -> list[tuple[Any, ...]]:
        g = GoldAnswer.__table__.c
        return [tuple(x) for x in self.conn.execute(
            select(g.record_id, g["values"]).where(g.record_id.between(lo, hi)))]


def iter_export_records(session: Session, dataset_id: int, *, batch_size: int = 2000,
                        response_statuses: Sequence[str] | None = ("submitted",),
                        full: bool = False, suggestions: bool = False, reviews: bool = False,
                        gold: bool = False, exclude_gold: bool = False,
                        after_id: int = 0) -> Iterator[ExportRecord]:
    """Every record of a dataset in id order with the children asked for.

    Parameters
    ----------
    response_statuses : sequence of str or None
        Statuses of the responses to load (None: all, including drafts).
    full : bool
        Load each record's metadata, status and gold flag and each response's
        status, ``time_spent`` and timestamps; the lean default (for training
        formats) reads only ids, external ids, fields and response values.
    suggestions, reviews, gold : bool
        Load those children. Fix values of reviews are always attached to
        their responses (``ResponseView.fix``).
    exclude_gold : bool
        Leave gold records out.
    """
    reader = _Reader(session)
    names = user_names(session)
    any_reviews = reader.has_reviews(dataset_id)
    columns = "full" if full else "lean" if any_reviews else "values"
    pages = _pages(reader, dataset_id, after_id, batch_size, exclude_gold, full,
                   response_statuses, columns)
    for page, rows in pages:
        lo, hi = page[0][0], page[-1][0]
        records: dict[int, ExportRecord] = {}
        if full:
            for rid, ext, fields, meta, status, is_gold in page:
                records[rid] = ExportRecord(rid, ext, _loads(fields), _loads(meta) or {}, status,
                                            is_gold)
        else:
            for rid, ext, fields in page:
                records[rid] = ExportRecord(rid, ext, _loads(fields), {}, "", False)
        review_rows = reader.reviews(dataset_id, lo, hi) if any_reviews and reviews else []
        # only a fix of the version the response still has applies (accord.store.verdicts)
        fixes = fixes_in_force(reader.conn, dataset_id, lo, hi) if any_reviews else {}
        if columns == "values":
            _attach_values(records, rows)
        else:
            _attach_responses(records, rows, names, fixes, full)
        if reviews:
            for rec in records.values():
                rec.reviews = []
            for rec_id, resp_id, reviewer, verdict, reason, values, created, comment, uid \
                    in review_rows:
                if rec_id in records:
                    records[rec_id].reviews.append(ReviewView(
                        resp_id, names.get(reviewer) if reviewer is not None else None, verdict,
                        reason, values, created, comment, names.get(uid) or str(uid)))
        if suggestions:
            for rec in records.values():
                rec.suggestions = []
            for rec_id, question, value, score, agent, created in reader.suggestions(
                    lo, hi, set(records)):
                records[rec_id].suggestions.append(SuggestionView(question, value, score, agent,
                                                                  created))
        if gold:
            for rec_id, values in reader.gold(lo, hi):
                if rec_id in records:
                    records[rec_id].gold = values
        yield from records.values()


def _pages(reader: _Reader, dataset_id: int, after: int, batch_size: int, exclude_gold: bool,
           full: bool, statuses: Sequence[str] | None, columns: str
           ) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Raw pages: record rows and their responses' rows."""
    while True:
        page = reader.record_page(dataset_id, after, batch_size, exclude_gold,
                                  "full" if full else "lean")
        if not page:
            return
        after = page[-1][0]
        yield page, reader.responses(dataset_id, page[0][0], after, statuses, columns)


def _attach_responses(records: dict[int, ExportRecord], rows: list[tuple[Any, ...]],
                      names: dict[int, str], fixes: dict[int, Any], full: bool) -> None:
    """Append each row (in record, id order) to its record as a :class:`ResponseView`.

    The hot loop of a large export: a NamedTuple is built with ``tuple.__new__``
    (its Python-level ``__new__`` costs as much again), and the record is looked
    up once per run of rows.
    """
    loads = orjson.loads
    make = tuple.__new__
    view = ResponseView
    current, append = None, None
    for row in rows:
        if row[1] != current:
            current = row[1]
            rec = records.get(current)
            append = None if rec is None else rec.responses.append
        if append is None:
            continue
        values = row[3]
        if values.__class__ is str:
            values = loads(values)
        if full:
            resp_id, _, uid, _, state, status, spent, created, updated, submitted, version = row
        else:
            resp_id, _, uid, _, state = row
            status = "submitted"
            spent = created = updated = submitted = version = None
        append(make(view, (resp_id, uid, names.get(uid) or str(uid), values, status, spent,
                           created, updated, submitted, state,
                           fixes.get(resp_id) if fixes else None, version)))


def _attach_values(records: dict[int, ExportRecord], rows: list[tuple[Any, ...]]) -> None:
    """The leanest read (no reviews in the dataset, values only): ``(record_id, values)``
    rows become views with ``id`` None and no user."""
    loads = orjson.loads
    make = tuple.__new__
    view = ResponseView
    current, append = None, None
    for rec_id, values in rows:
        if rec_id != current:
            current = rec_id
            rec = records.get(current)
            append = None if rec is None else rec.responses.append
        if append is not None:
            append(make(view, (None, 0, "", loads(values) if values.__class__ is str else values,
                               "submitted", None, None, None, None, None, None, None)))


def iter_answers(session: Session, dataset_id: int, *, statuses: Sequence[str] = ("submitted",),
                 exclude_gold: bool = False, seconds: bool = False,
                 batch_size: int = 5000) -> Iterator[Answer]:
    """Every response of the dataset's records (values, no record fields), in record order;
    ``seconds`` also reads each response's ``time_spent``."""
    reader = _Reader(session)
    any_reviews = reader.has_reviews(dataset_id)
    last = 0
    while True:
        page = reader.record_page(dataset_id, last, batch_size, exclude_gold, "ids")
        if not page:
            return
        lo, hi = page[0][0], page[-1][0]
        last = hi
        keep = {row[0] for row in page}
        fixes = fixes_in_force(reader.conn, dataset_id, lo, hi) if any_reviews else {}
        for row in reader.responses(dataset_id, lo, hi, statuses, "full" if seconds else "lean"):
            resp_id, rec_id, uid, values, state = row[:5]
            if rec_id in keep:
                yield Answer(rec_id, uid, _loads(values), fixes.get(resp_id), state, resp_id,
                             (row[6] or 0.0) if seconds else 0.0)


def count_export_records(session: Session, dataset_id: int, *, exclude_gold: bool = False) -> int:
    stmt = select(func.count()).select_from(Record).where(Record.dataset_id == dataset_id)
    if exclude_gold:
        stmt = stmt.where(Record.is_gold.is_(False))
    return int(session.scalar(stmt) or 0)


def annotator_count(session: Session, dataset_id: int) -> int:
    """Distinct users with at least one submitted response in the dataset."""
    return int(session.scalar(select(func.count(func.distinct(Response.user_id))).where(
        Response.dataset_id == dataset_id, Response.status == "submitted")) or 0)


def metadata_values(session: Session, dataset_id: int, key: str, *, limit: int = 20) -> list[str]:
    """Up to ``limit`` distinct values of one metadata key (e.g. ``source``), most common first."""
    col = Record.meta[key].as_string()
    rows = session.execute(select(col, func.count()).where(
        Record.dataset_id == dataset_id, col.is_not(None)).group_by(col)
        .order_by(func.count().desc(), col).limit(limit))
    return [str(v) for v, _ in rows if v is not None]
