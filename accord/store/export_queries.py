"""Reads for exports: records with their responses, suggestions, reviews and gold answers.

Records come in keyset pages by id (constant memory at any size); the
children of a page are loaded with one query each over the page's id range
(``record_id BETWEEN first AND last``, served by the ``(record_id, ...)``
unique indexes), never one query per record. User names are read once.

On SQLite the pages are read through the driver cursor with orjson, which
skips SQLAlchemy's per-row result processing: that is most of the time of a
1M-record export (``bench/export_bench.py``). PostgreSQL uses the same
statements through SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from accord.store.engine import busy_timeout, is_sqlite_file
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
    "ColumnPage",
    "ExportRecord",
    "JsonRecord",
    "LinePage",
    "ResponseView",
    "ReviewView",
    "SuggestionView",
    "annotator_count",
    "count_export_records",
    "iter_answers",
    "iter_export_records",
    "column_page_sql",
    "iter_json_records",
    "iter_record_columns",
    "iter_record_lines",
    "json_records_supported",
    "line_page_sql",
    "metadata_values",
    "snapshot_readers",
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
    "full": _LEAN + ("status", "time_spent", "created_at", "updated_at", "submitted_at"),
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
                       r.created_at, r.comment)
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
            for rec_id, resp_id, reviewer, verdict, reason, values, created, comment \
                    in review_rows:
                if rec_id in records:
                    records[rec_id].reviews.append(ReviewView(
                        resp_id, names.get(reviewer) if reviewer is not None else None, verdict,
                        reason, values, created, comment))
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
            resp_id, _, uid, _, state, status, spent, created, updated, submitted = row
        else:
            resp_id, _, uid, _, state = row
            status = "submitted"
            spent = created = updated = submitted = None
        append(make(view, (resp_id, uid, names.get(uid) or str(uid), values, status, spent,
                           created, updated, submitted, state,
                           fixes.get(resp_id) if fixes else None)))


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
                               "submitted", None, None, None, None, None, None)))


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


# -- whole records as JSON text, built by SQLite -------------------------------------------------


class JsonRecord:
    """One record as exports of whole records write it: ``responses``, ``suggestions``,
    ``reviews`` and ``gold`` are JSON text (the shapes of
    :mod:`accord.io.exporters.record_rows`), ``fields_json`` and ``metadata_json`` the
    record's own JSON text; ``fields`` decodes ``fields_json`` on first use."""

    __slots__ = ("_fields", "external_id", "fields_json", "gold", "id", "is_gold",
                 "metadata_json", "responses", "reviews", "status", "suggestions")

    def __init__(self, id: int, external_id: str, fields_json: str, metadata_json: str,
                 status: str, is_gold: bool, responses: str, suggestions: str, reviews: str,
                 gold: str, fields: dict[str, Any] | None = None) -> None:
        self.id = id
        self.external_id = external_id
        self.fields_json = fields_json
        self.metadata_json = metadata_json
        self.status = status
        self.is_gold = is_gold
        self.responses = responses
        self.suggestions = suggestions
        self.reviews = reviews
        self.gold = gold
        self._fields = fields

    @property
    def fields(self) -> dict[str, Any]:
        if self._fields is None:
            self._fields = orjson.loads(self.fields_json)
        return self._fields


def _exact(x: str) -> str:
    """SQL: SQLite's text of the REAL ``x`` (15 significant digits, fixed notation from 1e-4
    to 1e15) is exactly Python's ``repr``. Checked with integers, not with SQLite's text to
    float conversion (which is not exact: it reads "276577.484398392" as
    276577.48439839203): the text's digits ``D`` (below 2**53) over ``10**k`` is one IEEE
    division, rounded correctly, so it is the double the decimal stands for; and a decimal
    of at most 15 digits that reads back as ``x`` is the shortest that does."""
    t = f"CAST({x} AS TEXT)"
    power = (f"CASE length({t}) - instr({t}, '.') "
             + " ".join(f"WHEN {k} THEN 1e{k}" for k in range(1, 20)) + " END")
    return (f"abs({x}) >= 1e-4 AND abs({x}) < 1e15 AND "
            f"{x} = CAST(replace({t}, '.', '') AS INTEGER) / {power}")


def _num(col: str) -> str:
    """SQL: a REAL column as a JSON number that reads back as the same double (SQLite's
    text form has 15 significant digits; 17 when that is not enough)."""
    return (f"CASE WHEN {col} IS NULL THEN 'null' WHEN typeof({col}) = 'integer' THEN "
            f"CAST({col} AS TEXT) WHEN abs({col}) >= 1e-4 AND abs({col}) < 1e15 THEN "
            f"CASE WHEN {_exact(col)} THEN CAST({col} AS TEXT) ELSE printf('%!.17g', {col}) "
            f"END WHEN CAST(CAST({col} AS TEXT) AS REAL) = {col} THEN "
            f"CAST({col} AS TEXT) ELSE printf('%!.17g', {col}) END")


def _ts(col: str) -> str:
    """SQL: a stored timestamp (SQLite's naive UTC text) as a JSON ISO 8601 string in UTC."""
    return (f"CASE WHEN {col} IS NULL THEN 'null' WHEN substr({col}, 11, 1) = ' ' THEN "
            f"'\"' || substr({col}, 1, 10) || 'T' || substr({col}, 12) || '+00:00\"' "
            f"ELSE json_quote({col}) END")


def _json_value(col: str) -> str:
    """SQL: a JSON column's stored text (numbers read back with NUMERIC affinity)."""
    return (f"CASE typeof({col}) WHEN 'null' THEN 'null' WHEN 'real' THEN {_num(col)} "
            f"ELSE CAST({col} AS TEXT) END")


def _user_name(col: str) -> str:
    return (f"coalesce((SELECT json_quote(u.name) FROM users u WHERE u.id = {col}), "
            f"json_quote(CAST({col} AS TEXT)))")


def _array(select: str) -> str:
    """SQL: the rows of ``select`` (one JSON text column ``j``, in the subquery's order)
    as a JSON array. The ORDER BY of an aggregate's subquery is kept: SQLite never
    flattens it into the aggregate."""
    return f"coalesce((SELECT '[' || group_concat(j, ',') || ']' FROM ({select})), '[]')"



def _ts_text(col: str) -> str:
    """SQL: a stored timestamp as a JSON string in ISO 8601 UTC, or ``null`` (the cheap
    form for the response pages: SQLAlchemy's SQLite text is always ``YYYY-MM-DD
    HH:MM:SS.ffffff``)."""
    return f"coalesce('\"' || replace({col}, ' ', 'T') || '+00:00\"', 'null')"


# The responses of a page of records: SQLite writes each response's JSON object with two
# printf() calls (in the fetching thread, without the GIL; cheaper than a chain of ||, which
# copies the growing text at each step) around ``time_spent``, which Python formats (SQLite's
# float to text conversion is slow and keeps 15 digits). The order is the (record_id,
# user_id) index's, so SQLite sorts nothing; Python puts a record's responses in id order
# when they are not.
_RESPONSE_PAGE = (
    "SELECT p.record_id, p.id, printf('{\"id\":%d,\"user\":%s,\"values\":%s,\"status\":%s,"
    "\"time_spent\":', p.id, " + _user_name("p.user_id") + ", " + _json_value('p."values"')
    + ", json_quote(p.status)), p.time_spent, printf(',\"created_at\":%s,\"updated_at\":%s,"
    "\"submitted_at\":%s,\"review_state\":%s}', " + _ts_text("p.created_at") + ", "
    + _ts_text("p.updated_at") + ", " + _ts_text("p.submitted_at")
    + ", json_quote(p.review_state)) FROM responses p WHERE p.record_id BETWEEN ? AND ? "
    "ORDER BY p.record_id, p.user_id")


_JSON_SUGGESTIONS = _array(
    "SELECT '{\"question\":' || json_quote(s.question) || ',\"value\":' || "
    + _json_value("s.value") + " || ',\"score\":' || " + _num("s.score")
    + " || ',\"agent\":' || json_quote(s.agent) || ',\"created_at\":' || " + _ts("s.created_at")
    + " || '}' AS j FROM suggestions s WHERE s.record_id = r.id ORDER BY s.question, s.id")
_JSON_REVIEWS = _array(
    "SELECT '{\"response_id\":' || v.response_id || ',\"annotator\":' || "
    + _user_name("p.user_id") + " || ',\"reviewer\":' || CASE WHEN v.reviewer_id IS NULL "
    "THEN 'null' ELSE coalesce((SELECT json_quote(u.name) FROM users u WHERE "
    "u.id = v.reviewer_id), 'null') END || ',\"verdict\":' || json_quote(v.verdict) || "
    "',\"reason\":' || json_quote(v.reason) || ',\"values\":' || " + _json_value('v."values"')
    + " || ',\"created_at\":' || " + _ts("v.created_at")
    + " || ',\"comment\":' || json_quote(v.comment)"
    + " || '}' AS j FROM reviews v JOIN responses p ON p.id = v.response_id "
    "WHERE p.record_id = r.id ORDER BY v.id")
_JSON_GOLD = ("coalesce((SELECT " + _json_value('g."values"') + " FROM gold_answers g "
              "WHERE g.record_id = r.id), 'null')")


def _float_json(value: Any) -> str:
    """A REAL cell as JSON: Python's shortest round-trip form."""
    if value.__class__ is float:
        return repr(value)
    return "null" if value is None else str(value)


def _json_array(parts: list[str], ids: list[int], order: int) -> str:
    """``[part, ...]`` in id order (``order`` < 0: ``parts`` are not in id order yet)."""
    if order < 0:
        parts = [part for _, part in sorted(zip(ids, parts))]
    return "[" + ",".join(parts) + "]"


_EXPORT_CACHE_KB = -8192  # PRAGMA cache_size: negative = KiB


def json_records_supported(session: Session) -> bool:
    """Whether :func:`iter_json_records` can build the JSON in the database (SQLite)."""
    return session.connection().dialect.name == "sqlite"


def iter_json_records(session: Session, dataset_id: int, *, batch_size: int = 2000,
                      exclude_gold: bool = False, after_id: int = 0,
                      prefetch: bool = True) -> Iterator[JsonRecord]:
    """Every record of a dataset in id order as a :class:`JsonRecord` (SQLite only).

    Keyset pages of records walk the primary key. SQLite writes the JSON
    itself: each response's object (one statement per page over the
    ``(record_id, user_id)`` index), and the suggestions, reviews and gold
    answer of each record (correlated subqueries, only when the dataset has
    some). With ``prefetch`` a helper thread fetches the next page while the
    caller handles this one: SQLite runs without the GIL, so on two cores the
    reads and the caller's work (rows, Arrow, Parquet) overlap. The session's
    connection is used by that thread only while the caller iterates.

    Raises
    ------
    ValueError
        On another backend (see :func:`json_records_supported`).
    """
    reader = _Reader(session)
    if not reader.sqlite:
        raise ValueError("iter_json_records builds JSON with SQLite's functions")
    children = [reader.has_suggestions(dataset_id), reader.has_reviews(dataset_id),
                reader.has_gold(dataset_id)]
    # without suggestions, reviews and gold answers (the usual case) the page has no
    # constant columns: Python supplies them
    extra = "" if not any(children) else ", " + ", ".join(
        sql if present else constant for present, sql, constant in zip(
            children, (_JSON_SUGGESTIONS, _JSON_REVIEWS, _JSON_GOLD),
            ("'[]'", "'[]'", "'null'"), strict=True))
    gold = " AND r.is_gold = 0" if exclude_gold else ""
    sql = ("SELECT r.id, r.external_id, r.fields, CASE WHEN r.metadata IS NULL OR r.metadata "
           f"= 'null' THEN '{{}}' ELSE r.metadata END, r.status, r.is_gold{extra} "
           f"FROM records r WHERE +r.dataset_id = ? AND r.id > ?{gold} ORDER BY r.id LIMIT ?")

    def fetch(after: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        page = reader._raw(sql, (dataset_id, after, batch_size))
        if not page:
            return page, []
        return page, reader._raw(_RESPONSE_PAGE, (page[0][0], page[-1][0]))

    from concurrent.futures import ThreadPoolExecutor

    make = JsonRecord
    num = _float_json
    # one pass in key order re-reads no page: a small page cache is as fast as the
    # connection's 64 MB one and keeps the export's memory down
    cache_size = reader._raw("PRAGMA cache_size", ())[0][0]
    reader._raw(f"PRAGMA cache_size = {_EXPORT_CACHE_KB}", ())
    pool = ThreadPoolExecutor(1, thread_name_prefix="accord-export-read") if prefetch else None
    pending = pool.submit(fetch, after_id) if pool is not None else None
    after = after_id
    try:
        while True:
            if pending is not None:
                page, rows = pending.result()
                if page:
                    pending = pool.submit(fetch, page[-1][0])  # type: ignore[union-attr]
            else:
                page, rows = fetch(after)
            if not page:
                return
            after = page[-1][0]
            responses: dict[int, str] = {}
            current, parts, ids, last = None, [], [], 0
            for rid, resp_id, head, spent, tail in rows:
                if rid != current:
                    if parts:
                        responses[current] = _json_array(parts, ids, last)  # type: ignore
                    current, parts, ids, last = rid, [], [], 0
                parts.append(head + (repr(spent) if spent.__class__ is float else num(spent))
                             + tail)
                ids.append(resp_id)
                last = resp_id if last >= 0 and resp_id > last else -1
            if parts:
                responses[current] = _json_array(parts, ids, last)  # type: ignore[index]
            get = responses.get
            if extra:
                for rid, ext, fields, meta, status, is_gold, sugg, revs, gold_json in page:
                    yield make(rid, ext, fields, meta, status, bool(is_gold), get(rid, "[]"),
                               sugg, revs, gold_json)
            else:
                for rid, ext, fields, meta, status, is_gold in page:
                    yield make(rid, ext, fields, meta, status, bool(is_gold), get(rid, "[]"),
                               "[]", "[]", "null")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # the connection is the caller's again
        if not reader.conn.closed:  # (a generator left unfinished may close later)
            reader._raw(f"PRAGMA cache_size = {int(cache_size)}", ())


# -- whole records by the page: Arrow columns and JSONL lines, built by SQLite ----------------

# Every piece of a page is made by SQLite in the prefetching thread (without the GIL), one
# statement per page, so Python's work per record is a few C-level list and Arrow calls.
# SQLite's float to text conversion is neither exact nor Python's shortest form, so a
# ``time_spent`` is written by SQLite only when it is a whole number (exact as an integer);
# any other value leaves a marker, ``\x01<response id>\x01``, that Python replaces with
# ``repr`` of the stored double (:func:`_unmark`). Raw control characters never occur in
# JSON text, so the markers cannot be confused with data.

_MARK = "\x01"


def _sqlite_memory_statistics_off() -> None:
    """Turn SQLite's memory statistics off (``SQLITE_CONFIG_MEMSTATUS``) for the process.

    With them on, SQLite counts every allocation under one process-wide mutex; two
    connections building export pages at once queue on it (about a fifth of a 1M-record
    export's CPU under ``perf``, mostly futex waits). Nothing in accord reads those
    statistics (``sqlite3_memory_used``, heap limits). SQLite takes the setting only
    before it is initialized, which importing Python's ``sqlite3`` does: this runs when
    the module is imported (the exporters import it before a command opens its
    database); later it changes nothing.
    """
    import ctypes
    import sys

    if "_sqlite3" in sys.modules:
        return
    try:
        lib = ctypes.CDLL("libsqlite3.so.0")  # the library Python's sqlite3 will use
        lib.sqlite3_config(9, ctypes.c_int(0))  # 9: SQLITE_CONFIG_MEMSTATUS
    except (OSError, AttributeError):  # another platform or build: keep the statistics
        pass


_sqlite_memory_statistics_off()


def _whole(x: str) -> str:
    """SQL: ``x`` is a whole number that prints exactly."""
    return f"{x} = CAST({x} AS INTEGER) AND abs({x}) < 1e15"


def _millis(x: str) -> str:
    """SQL: ``x`` is the double nearest to a decimal with 3 places, ``d / 1000`` (IEEE
    division rounds correctly, so that decimal parses back to ``x``; below 1e11 no shorter
    decimal does, so it is Python's repr of ``x`` once trailing zeros go). Cheaper than
    :func:`_exact` (no float to text conversion), and what times measured in
    milliseconds are."""
    return f"abs({x}) < 1e11 AND {x} = round({x} * 1000) / 1000.0"


def _spent(col: str) -> str:
    """SQL: a response's ``time_spent`` as JSON (whole seconds, or milliseconds, printed
    by SQLite from integers), or a marker (see above)."""
    d = f"abs(CAST(round({col} * 1000) AS INTEGER))"
    return (f"CASE WHEN {_whole(col)} THEN printf('%.1f', {col}) "
            f"WHEN {_millis(col)} THEN CASE WHEN {col} < 0 THEN '-' ELSE '' END || "
            f"rtrim(printf('%d.%03d', {d} / 1000, {d} % 1000), '0') "
            f"WHEN {col} IS NULL THEN 'null' ELSE char(1) || p.id || char(1) END")


# the rows of the marked times of a page (the complement of _spent's first three cases)
_MARKED_TIMES = ("SELECT p.id, p.time_spent FROM responses p WHERE p.record_id BETWEEN ? AND ? "
                 f"AND p.time_spent IS NOT NULL AND NOT ({_whole('p.time_spent')}) "
                 f"AND NOT ({_millis('p.time_spent')})")

# One response as the JSON object of record_rows (the text _RESPONSE_PAGE and Python make)
# in as few SQL operations as can be (each costs about 0.1 us, 3M responses take 3M times
# each): one chain of || (faster than printf()); ``values`` (a JSON object) and the NOT
# NULL times as they are stored (SQLAlchemy's ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC).
_JOINED_USER = ("CASE WHEN u.name IS NULL THEN json_quote(CAST(p.user_id AS TEXT)) "
                "ELSE json_quote(u.name) END")
_RESPONSE_OBJECT = (
    "'{\"id\":' || p.id || ',\"user\":' || " + _JOINED_USER + " || ',\"values\":' || "
    "p.\"values\" || ',\"status\":' || json_quote(p.status) || ',\"time_spent\":' || "
    + _spent("p.time_spent") + " || ',\"created_at\":\"' || replace(p.created_at, ' ', 'T') "
    "|| '+00:00\",\"updated_at\":\"' || replace(p.updated_at, ' ', 'T') || "
    "'+00:00\",\"submitted_at\":' || " + _ts_text("p.submitted_at")
    + " || ',\"review_state\":' || json_quote(p.review_state) || '}'")
_USERS_INLINE = 200  # up to this many users, their JSON names are constants of the statement


def _record_responses(reader: _Reader) -> str:
    """SQL: a record's (``r``) responses as a JSON array, in id order: the IN list over the
    (record_id, user_id) index is walked in rowid order, so SQLite sorts nothing. With
    few users their quoted names are a CASE of constants (no lookup per response)."""
    users = reader._raw(f"SELECT id, json_quote(name) FROM users ORDER BY id "
                        f"LIMIT {_USERS_INLINE + 1}", ())
    obj, join = _RESPONSE_OBJECT, " LEFT JOIN users u ON u.id = p.user_id"
    if len(users) <= _USERS_INLINE:
        names = " ".join(f"WHEN {int(uid)} THEN '{quoted.replace(chr(39), chr(39) * 2)}'"
                         for uid, quoted in users)
        inline = f"CASE p.user_id {names} ELSE json_quote(CAST(p.user_id AS TEXT)) END" \
            if users else "json_quote(CAST(p.user_id AS TEXT))"
        obj, join = obj.replace(_JOINED_USER, inline), ""
    return ("coalesce((SELECT '[' || group_concat(j, ',') || ']' FROM (SELECT " + obj
            + f" AS j FROM responses p{join} WHERE p.id IN (SELECT q.id FROM responses q "
            "WHERE q.record_id = r.id) ORDER BY p.id)), '[]')")


_METADATA = ("CASE WHEN r.metadata IS NULL OR r.metadata = 'null' THEN '{}' "
             "ELSE r.metadata END")


class ColumnPage(NamedTuple):
    """One page of whole records as Arrow arrays (in id order, the length of ``ids``): the
    cells of the flat export (:class:`~accord.io.exporters.record_rows.FlatBuilder`).
    Strings, but ``is_gold`` (booleans); ``fields`` maps each field asked for to its text
    (what ``json_extract`` gives for a JSON string, null when missing)."""

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


class LinePage(NamedTuple):
    """One page of whole records as JSONL: ``text`` holds one object per record (the
    nested row of :class:`~accord.io.exporters.record_rows.NestedBuilder`, without
    ``aggregates``), each line ending in ``\\n``."""

    ids: tuple[int, ...]
    text: bytes


def _children_sql(reader: _Reader, dataset_id: int) -> list[str | None]:
    """The suggestions, reviews and gold columns' SQL, None where the dataset has none."""
    present = (reader.has_suggestions(dataset_id), reader.has_reviews(dataset_id),
               reader.has_gold(dataset_id))
    return [sql if has else None for has, sql in zip(
        present, (_JSON_SUGGESTIONS, _JSON_REVIEWS, _JSON_GOLD), strict=True)]


def _run(conn: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on a DB-API (sqlite3) connection."""
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _unmark(conn: Any, text: Any, lo: int, hi: int) -> Any:
    """``text`` (str or bytes) with each time marker replaced by ``repr`` of its value
    (the markers of the records with ids in ``lo..hi``)."""
    mark = _MARK if text.__class__ is str else _MARK.encode()
    if mark not in text:
        return text
    exact = {str(rid): repr(spent) if spent.__class__ is float else str(spent)
             for rid, spent in _run(conn, _MARKED_TIMES, (lo, hi))}
    parts = text.split(mark)
    keys = [key if key.__class__ is str else key.decode() for key in parts[1::2]]
    missing = [int(key) for key in keys if key not in exact]
    for start in range(0, len(missing), 500):  # none unless the two SQL tests disagree
        chunk = missing[start:start + 500]
        exact.update((str(rid), repr(spent)) for rid, spent in _run(
            conn, f"SELECT id, time_spent FROM responses WHERE id IN "
                  f"({', '.join('?' * len(chunk))})", chunk))
    values = [exact[key] for key in keys]
    parts[1::2] = values if text.__class__ is str else [v.encode() for v in values]
    return mark[:0].join(parts)


_ID_RANGE = "SELECT min(id), max(id) FROM records WHERE dataset_id = ?"
_IN_FLIGHT = 1  # pages per reading connection (read or being read) the caller has not taken


def _range_pages(conns: Sequence[Any], dataset_id: int, width: int, fetch: Any,
                 after_id: int) -> Iterator[Any]:
    """``fetch(conn, lo, hi)`` pages (None when empty) over consecutive id ranges
    ``(lo, hi]`` of ``width`` ids, in order. Each connection has a reading thread; with
    two, SQLite builds two pages at once (it runs without the GIL), while the caller
    handles the pages already read. ``_IN_FLIGHT`` pages per connection at most."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    first, last = _run(conns[0], _ID_RANGE, (dataset_id,))[0]
    if first is None:
        return
    starts = iter(range(max(first - 1, after_id), last, width))
    saved = [_run(c, "PRAGMA cache_size", ())[0][0] for c in conns]
    for conn in conns:  # one pass in key order: a small page cache is as fast, and smaller
        _run(conn, f"PRAGMA cache_size = {_EXPORT_CACHE_KB}", ())
    pools = [ThreadPoolExecutor(1, thread_name_prefix="accord-export-read") for _ in conns]
    pending: deque[Future[Any]] = deque()

    def submit() -> None:
        start = next(starts, None)
        if start is not None:
            i = len(pending) % len(conns)
            pending.append(pools[i].submit(fetch, conns[i], start, start + width))

    try:
        for _ in range(_IN_FLIGHT * len(conns)):
            submit()
        turn = 0
        while pending:
            page = pending.popleft().result()
            # keep the round robin: the next page goes to the reader that just finished
            start = next(starts, None)
            if start is not None:
                pending.append(pools[turn].submit(fetch, conns[turn], start, start + width))
            turn = (turn + 1) % len(conns)
            if page is not None:
                yield page
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)  # the connections are free again
        for conn, size in zip(conns, saved, strict=True):
            try:
                _run(conn, f"PRAGMA cache_size = {int(size)}", ())
            except conn.Error:  # closed under a generator dropped late
                pass


def _connections(session: Session, readers: Sequence[Any] | None) -> list[Any]:
    if readers:
        return list(readers)
    return [session.connection().connection.driver_connection]


def _page_sql(columns: str, exclude_gold: bool) -> str:
    gold = " AND r.is_gold = 0" if exclude_gold else ""
    # "+dataset_id": walk the primary key (see record_page)
    return (f"SELECT r.id, {columns} FROM records r WHERE +r.dataset_id = ? AND r.id > ? "
            f"AND r.id <= ?{gold} ORDER BY r.id")


def _column_select(session: Session, dataset_id: int, fields: Sequence[str],
                   exclude_gold: bool) -> tuple[str, list[str]]:
    """The per-record page statement and the names of its cells (after ``id``)."""
    reader = _Reader(session)
    names = ["external_id", "status", "is_gold"] + [f"f{i}" for i in range(len(fields))]
    cols = ["r.external_id", "r.status", "r.is_gold"]
    cols += [f"json_extract(r.fields, '$.\"{name}\"')" for name in _field_names(fields)]
    cols += [_METADATA, _record_responses(reader)]
    names += ["metadata", "responses"]
    for name, sql in zip(("suggestions", "reviews", "gold"), _children_sql(reader, dataset_id),
                         strict=True):
        if sql is not None:
            cols.append(sql)
            names.append(name)
    return _page_sql(", ".join(f"{c} AS {n}" for c, n in zip(cols, names, strict=True)),
                     exclude_gold), names


def column_page_sql(session: Session, dataset_id: int, fields: Sequence[str], *,
                    exclude_gold: bool = False) -> str:
    """The page statement of :func:`iter_record_columns` (parameters: dataset id and the
    page's id range ``(lo, hi]``): one row per page, each column the page's cells joined
    by ``\\x02`` (a control character, never raw in JSON text; ``\\x03`` stands for
    null), and a flag set when a text cell could be mistaken for those (then the page is
    read a row per record)."""
    inner, names = _column_select(session, dataset_id, fields, exclude_gold)
    texts = ["external_id", "status"] + [f"f{i}" for i in range(len(fields))]
    joined = [f"group_concat(coalesce({n}, char(3)), char(2))" if n.startswith("f") else
              "group_concat(is_gold, '')" if n == "is_gold" else
              f"group_concat({n}, char(2))" for n in names]
    unsafe = " OR ".join(f"instr({n}, char(2)) OR {n} = char(3)" for n in texts)
    kinds = " OR ".join(f"typeof(f{i}) NOT IN ('text', 'null')" for i in range(len(fields)))
    flag = f"max({unsafe}{' OR ' + kinds if kinds else ''})"
    return (f"SELECT group_concat(id), {flag}, {', '.join(joined)} FROM ({inner})")


def _field_names(fields: Sequence[str]) -> Sequence[str]:
    for name in fields:  # the settings' names (letters, digits, "_", "-"), safe in a path
        if not name.replace("_", "").replace("-", "").isalnum() or not name.isascii():
            raise ValueError(f"not a field name: {name!r}")
    return fields


def _split(text: str) -> Any:
    """A page's cells joined by ``\\x02`` as an Arrow string array (``\\x03``: null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pc.list_flatten(pc.split_pattern(pa.array([text], pa.string()), "\x02"))
    nulls = pc.equal(cells, "\x03")
    if pc.any(nulls).as_py():
        cells = pc.if_else(nulls, pa.scalar(None, pa.string()), cells)
    return cells


def iter_record_columns(session: Session, dataset_id: int, fields: Sequence[str], *,
                        batch_size: int = 2000, exclude_gold: bool = False, after_id: int = 0,
                        readers: Sequence[Any] | None = None) -> Iterator[ColumnPage]:
    """Every record of a dataset in id order, a :class:`ColumnPage` per page of at most
    ``batch_size`` ids (SQLite only; see :func:`json_records_supported`; needs pyarrow).
    The JSON text is what :func:`iter_json_records` gives.

    SQLite returns each page as one row (its cells joined, see :func:`column_page_sql`),
    which Arrow splits: no Python object per record. ``readers``: connections from
    :func:`snapshot_readers` to read pages in parallel; without them the session's
    connection reads (a helper thread fetches the next pages while the caller handles
    this one, using the connection only while the caller iterates).
    """
    import numpy as np
    import pyarrow as pa

    reader = _Reader(session)
    if not reader.sqlite:
        raise ValueError("iter_record_columns builds JSON with SQLite's functions")
    sql = column_page_sql(session, dataset_id, fields, exclude_gold=exclude_gold)
    rows_sql, names = _column_select(session, dataset_id, fields, exclude_gold)
    string = pa.string()

    def fetch(conn: Any, lo: int, hi: int) -> tuple[Any, ...] | None:
        """In a reading thread: the page's text (Arrow work is left to the caller's
        thread: each thread allocating from Arrow's pool keeps a heap of its own)."""
        ids_text, unsafe, *joined = _run(conn, sql, (dataset_id, lo, hi))[0]
        if ids_text is None:
            return None
        ids = tuple(map(int, ids_text.split(",")))
        # stored JSON that breaks the rules (a raw control character) would shift the cells
        unsafe = unsafe or any(text.count("\x02") != len(ids) - 1
                               for name, text in zip(names, joined, strict=True)
                               if name != "is_gold") or len(joined[2]) != len(ids)
        if unsafe:  # a text cell holds a separator (or is not text): a row per record
            rows = _run(conn, rows_sql, (dataset_id, lo, hi))
            cells = dict(zip(names, list(zip(*[row[1:] for row in rows], strict=True)),
                             strict=True))
            responses = "\x02".join(cells["responses"])
            if _MARK in responses:  # joined text now (split by the caller)
                cells["responses"] = _unmark(conn, responses, lo + 1, hi)
        else:
            cells = dict(zip(names, joined, strict=True))
            if _MARK in cells["responses"]:
                cells["responses"] = _unmark(conn, cells["responses"], lo + 1, hi)
        return ids, bool(unsafe), cells

    def page(ids: tuple[int, ...], unsafe: bool, cells: dict[str, Any]) -> ColumnPage:
        if unsafe:
            arrays = {n: _split(cells[n]) if cells[n].__class__ is str else
                      pa.array(cells[n], string) for n in names if n != "is_gold"}
            gold = pa.array(cells["is_gold"], pa.int8()).cast(pa.bool_())
        else:
            arrays = {n: _split(cells[n]) for n in names if n != "is_gold"}
            gold = pa.array(np.frombuffer(cells["is_gold"].encode(), np.uint8) != ord("0"))
        n = len(ids)
        for name, constant in (("suggestions", "[]"), ("reviews", "[]"), ("gold", "null")):
            if name not in arrays:
                arrays[name] = pa.array([constant] * n, string)
        return ColumnPage(ids, arrays["external_id"], arrays["status"], gold,
                          {name: arrays[f"f{i}"] for i, name in enumerate(fields)},
                          arrays["metadata"], arrays["responses"], arrays["suggestions"],
                          arrays["reviews"], arrays["gold"])

    for raw in _range_pages(_connections(session, readers), dataset_id, batch_size, fetch,
                            after_id):
        yield page(*raw)


def line_page_sql(session: Session, dataset_id: int, *, exclude_gold: bool = False) -> str:
    """The page statement of :func:`iter_record_lines` (parameters as
    :func:`column_page_sql`)."""
    children = [sql if sql is not None else constant for sql, constant in zip(
        _children_sql(_Reader(session), dataset_id), ("'[]'", "'[]'", "'null'"), strict=True)]
    line = ("'{\"external_id\":' || json_quote(r.external_id) || ',\"fields\":' || r.fields || "
            "',\"metadata\":' || " + _METADATA + " || ',\"status\":' || json_quote(r.status) || "
            "',\"is_gold\":' || CASE WHEN r.is_gold THEN 'true' ELSE 'false' END || "
            "',\"responses\":' || " + _record_responses(_Reader(session))
            + " || ',\"suggestions\":' || "
            + children[0] + " || ',\"reviews\":' || " + children[1] + " || ',\"gold\":' || "
            + children[2] + " || '}'")
    # one row per page: SQLite joins the lines (in the subquery's id order) without
    # handing the GIL back and forth for each record
    return ("SELECT group_concat(id), CAST(group_concat(line, char(10)) || char(10) AS BLOB) "
            f"FROM ({_page_sql(line + ' AS line', exclude_gold)})")


def iter_record_lines(session: Session, dataset_id: int, *, batch_size: int = 2000,
                      exclude_gold: bool = False, after_id: int = 0,
                      readers: Sequence[Any] | None = None) -> Iterator[LinePage]:
    """Every record of a dataset in id order as JSONL, a :class:`LinePage` per page (SQLite
    only; ``readers`` as in :func:`iter_record_columns`). Each line is the bytes orjson
    writes for the nested row."""
    reader = _Reader(session)
    if not reader.sqlite:
        raise ValueError("iter_record_lines builds JSON with SQLite's functions")
    sql = line_page_sql(session, dataset_id, exclude_gold=exclude_gold)

    def fetch(conn: Any, lo: int, hi: int) -> LinePage | None:
        ids, text = _run(conn, sql, (dataset_id, lo, hi))[0]
        if ids is None:
            return None
        return LinePage(tuple(map(int, ids.split(","))), _unmark(conn, text, lo + 1, hi))

    yield from _range_pages(_connections(session, readers), dataset_id, batch_size, fetch,
                            after_id)


@contextmanager
def snapshot_readers(session: Session, count: int = 2, *,
                     wait_ms: int = 2000) -> Iterator[list[Any]]:
    """``count`` more connections to the session's SQLite database, each in a read
    transaction on the session's snapshot, for :func:`iter_record_columns` and
    :func:`iter_record_lines`. Call it before the session's first read.

    The snapshots are taken while a third connection holds SQLite's write lock (for a
    moment: no commit can happen between them). Yields an empty list, and the session
    reads alone, on another backend, for an in-memory database, or when a writer holds
    the database longer than ``wait_ms``.
    """
    readers: list[Any] = []
    try:
        if is_sqlite_file(session.get_bind()):
            readers = _fenced_readers(session, count, wait_ms)
        session.connection()
        yield [r.driver_connection for r in readers]
    finally:
        for r in readers:
            r.close()  # back to the pool, which rolls the read transaction back


def _fenced_readers(session: Session, count: int, wait_ms: int) -> list[Any]:
    bind = session.get_bind()
    fence = bind.raw_connection()
    readers: list[Any] = []
    try:
        raw = fence.driver_connection
        try:
            with busy_timeout(raw, wait_ms):
                raw.execute("BEGIN IMMEDIATE")
        except raw.OperationalError:  # a long write: the session reads alone
            return []
        try:
            _start_read(session.connection().connection.driver_connection)
            for _ in range(count):
                readers.append(bind.raw_connection())
                _start_read(readers[-1].driver_connection)
        except BaseException:
            for r in readers:
                r.close()
            raise
        finally:
            raw.execute("ROLLBACK")
    finally:
        fence.close()
    return readers


def _start_read(conn: Any) -> None:
    """Begin a read transaction and take its snapshot now (SQLite's BEGIN is lazy)."""
    if not conn.in_transaction:
        conn.execute("BEGIN")
    _run(conn, "SELECT count(*) FROM sqlite_master", ())
