"""The Python writer of the export shape (:mod:`accord.store.export.spec`).

Takes a record of the generic read (:class:`~accord.store.export.reads.ExportRecord`,
read with every child and full responses) and writes the JSON text the SQL
writers give for it, byte for byte: the reference they are tested against, the
path of exports that filter single responses, and the writer of the few
records PostgreSQL leaves to Python (:mod:`accord.store.export.postgres`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from accord.store.export.spec import CHILDREN, RECORD, Child, Column

__all__ = ["JsonRecord", "json_record", "line_text", "time_text"]


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


def time_text(value: Any) -> str | None:
    """A stored timestamp as ISO 8601 in UTC with microseconds (the ``time`` kind)."""
    if value is None:
        return None
    if value.__class__ is str:  # SQLite's naive UTC text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _real(value: Any) -> str:
    if value is None:
        return "null"
    return repr(value) if value.__class__ is float else str(value)


def _json(value: Any) -> str:
    """A JSON column: a bare double as ``repr`` (SQLite keeps it as a REAL), the rest as
    orjson writes it (the form it was stored in)."""
    return repr(value) if value.__class__ is float else _dumps(value)


def _time(value: Any) -> str:
    text = time_text(value)
    return "null" if text is None else '"' + text + '"'


_WRITERS: dict[str, Callable[[Any], str]] = {
    "int": lambda v: "null" if v is None else str(int(v)),
    "text": _dumps,
    "bool": lambda v: "true" if v else "false",
    "real": _real,
    "time": _time,
    "json": _json,
    "object": lambda v: _dumps({} if v is None else v),
    "user": _dumps,  # the generic read gives names (an unknown id: its digits, or None)
}


def _object(columns: tuple[Column, ...], values: list[Any]) -> str:
    return "{" + ",".join(f'"{c.key}":' + _WRITERS[c.kind](v)
                          for c, v in zip(columns, values, strict=True)) + "}"


def _child_text(child: Child, record: Any) -> str:
    views = getattr(record, child.name)
    if not child.many:
        return _WRITERS[child.columns[0].kind](views)
    return "[" + ",".join(_object(child.columns, [getattr(view, c.key) for c in child.columns])
                          for view in views) + "]"


def json_record(record: Any) -> JsonRecord:
    """A record of :func:`~accord.store.export.reads.iter_export_records` (read with
    ``FULL_LOAD``) as a :class:`JsonRecord`, written from the spec."""
    own = {c.key: _WRITERS[c.kind](getattr(record, c.key)) for c in RECORD}
    children = {child.name: _child_text(child, record) for child in CHILDREN}
    return JsonRecord(record.id, record.external_id, own["fields"], own["metadata"],
                      record.status, bool(record.is_gold), children["responses"],
                      children["suggestions"], children["reviews"], children["gold"],
                      fields=record.fields)


def line_text(record: JsonRecord) -> str:
    """The JSONL line of a :class:`JsonRecord` (without the newline): the record's keys
    in the spec's order."""
    cells = {"external_id": _dumps(record.external_id), "fields": record.fields_json,
             "metadata": record.metadata_json, "status": _dumps(record.status),
             "is_gold": "true" if record.is_gold else "false", "responses": record.responses,
             "suggestions": record.suggestions, "reviews": record.reviews, "gold": record.gold}
    keys = [c.key for c in RECORD] + [child.name for child in CHILDREN]
    return "{" + ",".join(f'"{k}":{cells[k]}' for k in keys) + "}"
