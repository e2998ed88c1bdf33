"""Rewrite one question's stored values everywhere a dataset keeps them (label renames).

Responses, reviewers' fixes, suggestions, gold answers and stored consensus
values of one question are passed through ``change(value) -> value`` in the
caller's transaction, page by page (keyset on the primary key); rows whose
value does not change are not written. Response history keeps what was
answered at the time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accord.store.models import Aggregate, GoldAnswer, Record, Response, Review, Suggestion

__all__ = ["rewrite_question_values"]

_PAGE = 2000


def _rewrite_dicts(session: Session, table: Any, key: Any, column: Any, where: list[Any],
                   question: str, change: Callable[[Any], Any]) -> int:
    """Rows whose JSON ``column`` is ``{question: value, ...}``."""
    n, last = 0, None
    while True:
        stmt = select(key, column).where(*where).order_by(key).limit(_PAGE)
        if last is not None:
            stmt = stmt.where(key > last)
        rows = session.execute(stmt).all()
        if not rows:
            return n
        for rid, values in rows:
            if isinstance(values, dict) and question in values:
                new = change(values[question])
                if new != values[question]:
                    session.execute(update(table).where(key == rid)
                                    .values({column.key: {**values, question: new}}))
                    n += 1
        last = rows[-1][0]


def _rewrite_column(session: Session, table: Any, key: Any, column: Any, where: list[Any],
                    change: Callable[[Any], Any]) -> int:
    """Rows whose JSON ``column`` is the question's value itself."""
    n, last = 0, None
    while True:
        stmt = select(key, column).where(*where).order_by(key).limit(_PAGE)
        if last is not None:
            stmt = stmt.where(key > last)
        rows = session.execute(stmt).all()
        if not rows:
            return n
        for rid, value in rows:
            new = change(value)
            if new != value:
                session.execute(update(table).where(key == rid).values({column.key: new}))
                n += 1
        last = rows[-1][0]


def rewrite_question_values(session: Session, dataset_id: int, question: str,
                            change: Callable[[Any], Any]) -> dict[str, int]:
    """Apply ``change`` to every stored value of ``question`` in the dataset.

    Returns
    -------
    dict
        Rows rewritten per kind: ``responses``, ``fixes``, ``suggestions``, ``gold``,
        ``consensus``.
    """
    records = select(Record.id).where(Record.dataset_id == dataset_id)
    resp, rev, sug = Response.__table__, Review.__table__, Suggestion.__table__
    gold, agg = GoldAnswer.__table__, Aggregate.__table__
    return {
        "responses": _rewrite_dicts(session, resp, resp.c.id, resp.c["values"],
                                    [resp.c.dataset_id == dataset_id], question, change),
        "fixes": _rewrite_dicts(session, rev, rev.c.id, rev.c["values"],
                                [rev.c.dataset_id == dataset_id, rev.c["values"].is_not(None)],
                                question, change),
        "suggestions": _rewrite_column(session, sug, sug.c.id, sug.c.value,
                                       [sug.c.record_id.in_(records),
                                        sug.c.question == question], change),
        "gold": _rewrite_dicts(session, gold, gold.c.record_id, gold.c["values"],
                               [gold.c.record_id.in_(records)], question, change),
        "consensus": _rewrite_column(session, agg, agg.c.id, agg.c.value,
                                     [agg.c.dataset_id == dataset_id,
                                      agg.c.question == question], change),
    }
