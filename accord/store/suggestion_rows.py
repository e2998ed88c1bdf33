"""A record's suggestions as the annotator loop reads them: rows, or one JSON array that a
PostgreSQL statement brings along with other rows (one round trip instead of two)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from accord.store.models import Suggestion

__all__ = ["SuggestionRow", "suggestions_json", "suggestion_rows"]

_sugg = Suggestion.__table__


class SuggestionRow(NamedTuple):
    """A suggestion as :func:`accord.store.responses.suggestions_for_records` gives it."""

    record_id: int
    question: str
    value: Any
    score: float | None
    agent: str
    meta: dict[str, Any] | None
    created_at: datetime


def suggestions_json(record_id: Any) -> Select[Any]:
    """PostgreSQL: the suggestions of record ``record_id`` (a bound parameter or a column of
    an enclosing statement) as ONE JSON array, best score first within a question (the
    order of :func:`accord.store.responses.suggestions_for_records`), in one column
    ``suggestions`` (NULL when there are none); :func:`suggestion_rows` reads it."""
    return (select(func.json_agg(aggregate_order_by(
        func.json_build_array(_sugg.c.question, _sugg.c.value, _sugg.c.score, _sugg.c.agent,
                              _sugg.c.metadata, _sugg.c.created_at),
        _sugg.c.question, _sugg.c.score.desc())).label("suggestions"))
        .where(_sugg.c.record_id == record_id))


def suggestion_rows(record_id: int, data: list[Any] | None) -> list[SuggestionRow]:
    """The rows of a :func:`suggestions_json` array."""
    return [SuggestionRow(record_id, q, v, score, agent, meta, datetime.fromisoformat(at))
            for q, v, score, agent, meta, at in data or ()]
