"""Filtered, keyset-paginated record listing for the API."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, Text, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from accord.store.models import Aggregate, Record, Response, Suggestion

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
    response answering ``bug``); ``text`` is a case-insensitive substring of
    the record's fields. ``annotator_id``: records with a submitted response of
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
    if descending:
        if before_id:
            stmt = stmt.where(Record.id < before_id)
    else:
        stmt = stmt.where(Record.id > after_id)
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
    if text:
        stmt = stmt.where(func.lower(cast(Record.fields, Text)).contains(text.lower(),
                                                                         autoescape=True))
    order = Record.id.desc() if descending else Record.id
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
