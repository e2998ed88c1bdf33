"""Whole-word text search over the records' text fields (the record browser's ``q``).

The index (:mod:`accord.store.text_index`, migration 0013) covers the records up
to its watermark ``upto``; the records above it (an import that the background
fill has not reached yet) are matched by a scan with the same rules, so a search
is complete at any moment. :func:`text_match` returns both halves; the caller
(:func:`accord.store.record_queries.list_records`) pages through the index's
matches in id order and then the scanned tail (the other way round newest first).

* SQLite: the indexed half joins the contentless FTS5 table ``records_fts`` on
  ``rowid = records.id`` (tokenizer ``unicode61``, diacritics kept); the tail
  calls :func:`has_words` (registered on the connection as ``accord_has_words``)
  on the records whose JSON holds every ASCII word as a substring (a cheap
  ``LIKE`` first). Both split text into runs of Unicode letters and digits and
  compare them lower-cased.
* PostgreSQL: the indexed half joins ``records_tsv`` (GIN on
  ``to_tsvector('simple', fields)``), the tail computes the same tsvector;
  ``plainto_tsquery('simple', q)`` parses the query in both. PostgreSQL's parser
  keeps e-mail addresses, host names, URLs and decimal numbers as single words,
  where SQLite splits them at the punctuation.

User text never becomes query syntax: :func:`search_words` keeps only the words
(runs of letters and digits) of the query; SQLite matches each as a quoted
phrase (all must occur), PostgreSQL's ``plainto_tsquery`` ignores operators (all
words must occur). Matching is case-insensitive and on whole words.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    MetaData,
    Table,
    Text,
    and_,
    case,
    cast,
    column,
    func,
    literal_column,
    table,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from accord.errors import InputError
from accord.store.models import Record
from accord.store.text_index import fts5_ready, wake_indexer, watermark

__all__ = ["TextMatch", "search_words", "has_words", "text_match", "WAKE_TAIL"]

_WORD = re.compile(r"[^\W_]+")
#: an unindexed tail this long wakes the process's background fill (if it runs one)
WAKE_TAIL = 5_000

_fts = table("records_fts", column("rowid"))
_tsv = Table("records_tsv", MetaData(), Column("id", BigInteger, primary_key=True),
             Column("tsv", TSVECTOR))
_SIMPLE = "'simple'::regconfig"


def search_words(query: str) -> list[str]:
    """The words of ``query`` (runs of letters and digits); punctuation and operators drop."""
    return _WORD.findall(query)


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def has_words(fields_json: str | bytes | None, words_json: str) -> int:
    """1 when every word of ``words_json`` (a JSON list, lower-cased) is a whole word of
    the string values in ``fields_json`` (the scanned tail's test on SQLite)."""
    if fields_json is None or isinstance(fields_json, (int, float)):
        return 0
    strings: list[str] = []
    _strings(orjson.loads(fields_json), strings)
    found = {w.lower() for s in strings for w in _WORD.findall(s)}
    return int(all(w in found for w in orjson.loads(words_json)))


class TextMatch(NamedTuple):
    """The two halves of a search. ``upto``: the index covers ids <= upto. ``index``:
    the table to join on its id (``index_id``) with ``index_condition`` (None: no
    index; everything is tail). ``tail``: the condition for the records above
    ``upto``. ``rare``: PostgreSQL, a word is rare, so sort the index's matches.
    ``top``: the largest record id (``upto >= top``: no tail to scan)."""

    upto: int
    index: TableClause | Table | None
    index_id: Any
    index_condition: ColumnElement[bool] | None
    tail: ColumnElement[bool]
    rare: bool = False
    top: int = 0  # the largest record id when the search began


def _pg_has_rare_word(session: Session, query: str) -> bool:
    """Whether a word of ``query`` is not among the index's most common words (``pg_stats``
    of ``records_tsv.tsv``; no statistics yet: every word counts as rare).

    The planner estimates any word missing from that list at a fixed, high share, so for
    a rare word it walks the primary key in id order and tests every record (8 s at 1M);
    :func:`accord.store.record_queries.list_records` then orders so that it cannot.
    """
    common = session.execute(text(
        "SELECT most_common_elems::text::text[] FROM pg_stats "
        "WHERE tablename = 'records_tsv' AND attname = 'tsv'")).scalar()
    if not common:
        return True
    words = session.execute(text(
        "SELECT array_agg(w) FROM unnest(tsvector_to_array("
        f"to_tsvector({_SIMPLE}, CAST(:q AS text)))) AS w"), {"q": query}).scalar()
    common_set = set(common)
    return any(w not in common_set for w in words or [])


def text_match(session: Session, query: str) -> TextMatch:
    """Every word of ``query`` occurs in the record's text fields, as two halves.

    Raises
    ------
    InputError
        When ``query`` holds no word (only spaces or punctuation); field ``q``.
    """
    words = search_words(query)
    if not words:
        raise InputError(f"the text search {query!r} has no word; it needs letters or digits",
                         field="q")
    dialect = session.get_bind().dialect.name
    upto, top = watermark(session)
    if top - upto >= WAKE_TAIL:
        wake_indexer(session.get_bind())  # type: ignore[arg-type]
    lowered = [w.lower() for w in words]
    # The tail's test runs after a cheap substring test of the record's JSON text for each
    # ASCII word (LIKE / ILIKE ignore ASCII case, and every letter of such a word is
    # literal in the JSON); CASE keeps that order.
    ascii_words = [w for w in lowered if w.isascii()]
    if dialect == "postgresql":
        as_text = cast(Record.fields, Text)
        prefilter = and_(*(as_text.ilike(f"%{w}%") for w in ascii_words)) \
            if ascii_words else None
        simple = literal_column(_SIMPLE)
        tsq = func.plainto_tsquery(simple, query)
        decide = func.to_tsvector(simple, Record.fields).op("@@")(tsq)
        tail = decide if prefilter is None else case((prefilter, decide), else_=False)
        return TextMatch(upto, _tsv, _tsv.c.id, _tsv.c.tsv.op("@@")(tsq), tail,
                         rare=_pg_has_rare_word(session, query), top=top)
    raw = session.connection().connection.driver_connection
    raw.create_function("accord_has_words", 2, has_words, deterministic=True)  # type: ignore
    as_text = type_coerce(Record.fields, Text)
    prefilter = and_(*(as_text.like(f"%{w}%") for w in ascii_words)) if ascii_words else None
    decide = func.accord_has_words(as_text, orjson.dumps(lowered).decode()) == 1
    tail = decide if prefilter is None else case((prefilter, decide), else_=False)
    if not fts5_ready(session):
        return TextMatch(0, None, None, None, tail, top=top)
    phrase = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    return TextMatch(upto, _fts, _fts.c.rowid,
                     literal_column("records_fts").op("MATCH")(phrase), tail, top=top)
