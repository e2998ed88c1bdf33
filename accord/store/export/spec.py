"""The export shape of a record, declared once.

Every whole-record export writes each record as the same JSON: its own
columns, then arrays of its responses, suggestions and reviews, and its gold
answer (:mod:`accord.io.exporters.record_rows` shows the nested row). This
module is the one description of that shape: for each JSON key, the column it
comes from and the kind of value it holds. Three writers are generated from it
and must give the same bytes:

* :mod:`accord.store.export.rows` writes the JSON in Python from the generic
  read (:func:`accord.store.export.reads.iter_export_records`);
* :mod:`accord.store.export.sqlite` generates SQLite expressions
  (``json_quote`` and ``||``, a page per statement);
* :mod:`accord.store.export.postgres` generates PostgreSQL expressions
  (``to_json``, ``json_strip_nulls``, ``string_agg``).

A kind fixes how a value is written:

``int``      a JSON integer;
``text``     a JSON string (escaped as orjson escapes: ``\\n``, ``\\u0001``,
             non-ASCII characters as they are);
``bool``     ``true`` / ``false``;
``real``     a stored double as Python's ``repr`` (the shortest text that
             reads back as the same double);
``time``     ISO 8601 in UTC with microseconds, ``"2024-05-01T12:00:00.000000+00:00"``;
``json``     a JSON column (scalars as their kind, objects and arrays compact);
``object``   a JSON column that always holds an object (``{}`` when null);
``user``     a user id written as the user's name (``user_default`` says what an
             unknown id gives: its digits as a string, or null).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHILDREN", "GOLD", "KINDS", "RECORD", "RESPONSES", "REVIEWS", "SUGGESTIONS",
           "Child", "Column"]

KINDS = ("int", "text", "bool", "real", "time", "json", "object", "user")


@dataclass(frozen=True)
class Column:
    """One key of an exported object: ``key`` in the JSON, ``source`` the column (of the
    child's table alias, or ``"<alias>.<column>"`` for a joined table), ``kind`` one of
    :data:`KINDS`, ``nullable`` whether the stored value may be NULL."""

    key: str
    source: str
    kind: str
    nullable: bool = True
    user_default: str = "id"  # "user" kind: an unknown id as its digits ("id") or null

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class Child:
    """A record's list (or single value) of rows of another table.

    ``link`` is the column of ``table`` holding the record id (or, with ``via``, the
    column of the joined ``via`` table); ``order`` the columns that order the list;
    ``many`` False for a single value (``columns`` then has one column; a record without
    a row gives ``empty``); ``key`` the column that names one row."""

    name: str
    table: str
    alias: str
    columns: tuple[Column, ...]
    order: tuple[str, ...]
    link: str = "record_id"
    via: tuple[str, str, str] | None = None  # (table, alias, "<alias>.<col> = <alias>.<col>")
    many: bool = True
    key: str = "id"  # the column naming one row (markers point at it)

    @property
    def empty(self) -> str:
        return "[]" if self.many else "null"


RECORD: tuple[Column, ...] = (
    Column("external_id", "external_id", "text", nullable=False),
    Column("fields", "fields", "object", nullable=False),
    Column("metadata", "metadata", "object"),
    Column("status", "status", "text", nullable=False),
    Column("is_gold", "is_gold", "bool", nullable=False),
)

RESPONSES = Child("responses", "responses", "p", (
    Column("id", "id", "int", nullable=False),
    Column("user", "user_id", "user", nullable=False),
    Column("values", "values", "json", nullable=False),
    Column("status", "status", "text", nullable=False),
    Column("time_spent", "time_spent", "real"),
    Column("created_at", "created_at", "time", nullable=False),
    Column("updated_at", "updated_at", "time", nullable=False),
    Column("submitted_at", "submitted_at", "time"),
    Column("review_state", "review_state", "text"),
    Column("settings_version", "settings_version", "int"),
), order=("id",))

SUGGESTIONS = Child("suggestions", "suggestions", "s", (
    Column("question", "question", "text", nullable=False),
    Column("value", "value", "json"),
    Column("score", "score", "real"),
    Column("agent", "agent", "text"),
    Column("created_at", "created_at", "time"),
), order=("question", "id"))

REVIEWS = Child("reviews", "reviews", "v", (
    Column("response_id", "response_id", "int", nullable=False),
    Column("annotator", "q.user_id", "user", nullable=False),
    Column("reviewer", "reviewer_id", "user", user_default="null"),
    Column("verdict", "verdict", "text", nullable=False),
    Column("reason", "reason", "text"),
    Column("values", "values", "json"),
    Column("created_at", "created_at", "time"),
    Column("comment", "comment", "text"),
), order=("id",), link="q.record_id", via=("responses", "q", "q.id = v.response_id"))

GOLD = Child("gold", "gold_answers", "g", (Column("gold", "values", "json"),), order=(),
             many=False, key="record_id")

#: The record's children, in the order of their keys after the record's own columns.
CHILDREN: tuple[Child, ...] = (RESPONSES, SUGGESTIONS, REVIEWS, GOLD)
