"""Filtered, keyset-paginated record listing for the API."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, String, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from accord.store.models import Aggregate, Record, Response, Suggestion
from accord.store.text_search import text_match

__all__ = ["RangeFilter", "list_records"]


class RangeFilter(NamedTuple):
    """``low <= value <= high`` (either end may be open), optionally of one question only."""

    low: float | None = None
    high: float | None = None
    question: str | None = None

    def applies(self) -> bool:
        return self.low is not None or self.high is not None


def _in_range(column: Any, rng: RangeFilter) -> list[ColumnElement[bool]]:
    out = []
    if rng.low is not None:
        out.append(column >= rng.low)
    if rng.high is not None:
        out.append(column <= rng.high)
    return out


def list_records(session: Session, dataset_id: int, *, status: str | None = None,
                 metadata: dict[str, str] | None = None,
                 response_values: dict[str, str] | None = None, text: str | None = None,
                 gold: bool | None = None, after_id: int = 0, limit: int = 50,
                 annotator_id: int | None = None, agreement: RangeFilter | None = None,
                 score: RangeFilter | None = None, descending: bool = False,
                 before_id: int | None = None) -> list[Record]:
    """Records by id after ``after_id`` matching every filter (values bound, never inlined).

    ``metadata`` and ``response_values`` compare the JSON value as text
    (``{"source": "web"}``; ``{"intent": "bug"}`` matches a submitted
    response answering ``bug``); ``text``: every word of it occurs in the
    record's text fields (whole words, case-insensitive, through the full-text
    index and a scan of the records it does not cover yet;
    :mod:`accord.store.text_search`; InputError naming ``q`` when it holds no
    word; only spaces: no filter). ``annotator_id``: records with a submitted response of
    that user. ``agreement``: records whose stored consensus (the aggregates
    table, written by ``accord quality aggregate`` / POST .../quality/aggregate
    from the one quality core) has a per-record agreement in range.
    ``score``: records with a suggestion whose score is in range.
    ``descending`` walks ids downwards from ``before_id`` (newest first).
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    # Without a status filter (whose index, (dataset_id, status, id), serves the page), SQLite
    # would take a (dataset_id, ...) index and sort every record of the dataset by id for
    # each page; written ``dataset_id + 0`` the test filters the primary key walk, which is
    # in id order already (as in records.records_page_statement; bench/browser_bench.py).
    ds_col = Record.dataset_id + 0 if sqlite and status is None else Record.dataset_id
    stmt = select(Record).where(ds_col == dataset_id)
    if annotator_id is not None:
        stmt = stmt.where(exists().where(Response.record_id == Record.id,
                                         Response.user_id == annotator_id,
                                         Response.status == "submitted"))
    if agreement is not None and agreement.applies():
        conds = [Aggregate.record_id == Record.id, Aggregate.agreement.is_not(None),
                 *_in_range(Aggregate.agreement, agreement)]
        if agreement.question is not None:
            conds.append(Aggregate.question == agreement.question)
        stmt = stmt.where(exists().where(*conds))
    if score is not None and score.applies():
        conds = [Suggestion.record_id == Record.id, Suggestion.score.is_not(None),
                 *_in_range(Suggestion.score, score)]
        if score.question is not None:
            conds.append(Suggestion.question == score.question)
        stmt = stmt.where(exists().where(*conds))
    if status is not None:
        stmt = stmt.where(Record.status == status)
    if gold is not None:
        stmt = stmt.where(Record.is_gold == gold)
    for key, value in (metadata or {}).items():
        stmt = stmt.where(_metadata_equals(key, value, sqlite=sqlite))
    for question, value in (response_values or {}).items():
        stmt = stmt.where(exists().where(Response.record_id == Record.id,
                                         Response.status == "submitted",
                                         Response.values[question].as_string() == value))
    if not (text and text.strip()):
        return _page(session, stmt, Record.id, after_id, before_id, descending, limit)
    match = text_match(session, text)
    tail = stmt.where(match.tail)
    if match.index is None:
        return _page(session, tail, Record.id, after_id, before_id, descending, limit)
    # the index's matches (ids <= upto) walked in id order through the index (SQLite FTS5
    # stops at the page's end, common words too), then the scanned tail above upto
    indexed = stmt.join(match.index, match.index_id == Record.id).where(
        match.index_condition, match.index_id <= match.upto)
    index_id = match.index_id + 0 if match.rare else match.index_id  # sort a rare word's
    tail = tail.where(Record.id > match.upto)
    halves = [(tail, Record.id), (indexed, index_id)] if descending else \
        [(indexed, index_id), (tail, Record.id)]
    rows: list[Record] = []
    for half, id_col in halves:
        if len(rows) == limit:
            break
        if half is tail and match.upto >= match.top:  # nothing above the watermark
            continue
        rows += _page(session, half, id_col, after_id, before_id, descending, limit - len(rows))
    return rows


def _page(session: Session, stmt: Select[Any], id_col: Any, after_id: int,
          before_id: int | None, descending: bool, limit: int) -> list[Record]:
    """One keyset page of ``stmt``: ids after ``after_id`` upwards, or below
    ``before_id`` downwards, ordered and bounded by ``id_col``."""
    if descending:
        if before_id:
            stmt = stmt.where(id_col < before_id)
    else:
        stmt = stmt.where(id_col > after_id)
    order = id_col.desc() if descending else id_col
    return list(session.scalars(stmt.order_by(order).limit(limit)))


def _metadata_equals(key: str, value: str, *, sqlite: bool) -> ColumnElement[bool]:
    """``metadata[key]`` as text equals ``value``, with the key bound as a parameter.

    PostgreSQL binds the key (``metadata ->> %(key)s``). SQLite addresses the key
    through a JSON path literal (``$."key"``), which cannot hold a double quote, so
    such keys are compared through ``json_each(metadata)`` with the key bound.
    """
    if not (sqlite and '"' in key):
        return Record.meta[key].as_string() == value
    each = func.json_each(Record.meta).table_valued("key", "value")
    return exists(select(literal(1)).select_from(each)
                  .where(each.c.key == key, cast(each.c.value, String) == value))
