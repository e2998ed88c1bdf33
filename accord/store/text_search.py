"""Whole-word text search over the records' text fields (the record browser's ``q``).

SQLite: the contentless FTS5 table ``records_fts`` (rowid = ``records.id``, one
column holding the string values of ``records.fields`` joined by spaces), kept
in sync by triggers on ``records`` and created by migration 0013. PostgreSQL: an
expression GIN index on ``to_tsvector('simple', fields)``, which indexes the
string values of the JSONB document.

User text never becomes query syntax: :func:`search_words` keeps only the words
(runs of letters and digits) of the query; SQLite matches each as a quoted
phrase (all must occur), PostgreSQL parses the query with ``plainto_tsquery``
(which ignores operators; all words must occur). Matching is case-insensitive
and on whole words. PostgreSQL's parser keeps e-mail addresses, host names,
URLs and decimal numbers as single words, where SQLite splits them at the
punctuation. A SQLite build without FTS5 (checked once per database) falls back
to a case-insensitive substring scan.
"""

from __future__ import annotations

import re
import weakref

from sqlalchemy import (
    ColumnElement,
    Engine,
    Text,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from accord.store.models import Record

__all__ = ["search_words", "matches_text"]

_WORD = re.compile(r"[^\W_]+")


_fts = table("records_fts", column("rowid"))
_ready: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def search_words(query: str) -> list[str]:
    """The words of ``query`` (runs of letters and digits); punctuation and operators drop."""
    return _WORD.findall(query)


def _sqlite_index_ready(session: Session) -> bool:
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)
    ready = _ready.get(engine)
    if ready is None:
        ready = session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                     "AND name = 'records_fts'")).first() is not None
        _ready[engine] = ready
    return ready


def matches_text(session: Session, query: str) -> ColumnElement[bool]:
    """A condition on ``Record``: every word of ``query`` occurs in the record's text fields.

    Raises
    ------
    ValueError
        When ``query`` holds no word (only spaces or punctuation).
    """
    words = search_words(query)
    if not words:
        raise ValueError("the text search needs at least one word (letters or digits)")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        simple = literal_column("'simple'::regconfig")
        return func.to_tsvector(simple, Record.fields).op("@@")(
            func.plainto_tsquery(simple, query))
    if dialect == "sqlite" and _sqlite_index_ready(session):
        phrase = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        hits = select(_fts.c.rowid).where(literal_column("records_fts").op("MATCH")(phrase))
        return Record.id.in_(hits)
    return func.lower(cast(Record.fields, Text)).contains(query.lower(), autoescape=True)
