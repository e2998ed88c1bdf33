"""Filtered, keyset-paginated record listing for the API."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, Text, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from accord.store.models import Record, Response

__all__ = ["list_records"]


def list_records(session: Session, dataset_id: int, *, status: str | None = None,
                 metadata: dict[str, str] | None = None,
                 response_values: dict[str, str] | None = None, text: str | None = None,
                 gold: bool | None = None, after_id: int = 0, limit: int = 50) -> list[Record]:
    """Records by id after ``after_id`` matching every filter (values bound, never inlined).

    ``metadata`` and ``response_values`` compare the JSON value as text
    (``{"source": "web"}``; ``{"intent": "bug"}`` matches a submitted
    response answering ``bug``); ``text`` is a case-insensitive substring of
    the record's fields.
    """
    stmt = select(Record).where(Record.dataset_id == dataset_id, Record.id > after_id)
    if status is not None:
        stmt = stmt.where(Record.status == status)
    if gold is not None:
        stmt = stmt.where(Record.is_gold == gold)
    sqlite = session.get_bind().dialect.name == "sqlite"
    for key, value in (metadata or {}).items():
        stmt = stmt.where(_metadata_equals(key, value, sqlite=sqlite))
    for question, value in (response_values or {}).items():
        stmt = stmt.where(exists().where(Response.record_id == Record.id,
                                         Response.status == "submitted",
                                         Response.values[question].as_string() == value))
    if text:
        stmt = stmt.where(func.lower(cast(Record.fields, Text)).contains(text.lower(),
                                                                         autoescape=True))
    return list(session.scalars(stmt.order_by(Record.id).limit(limit)))


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
