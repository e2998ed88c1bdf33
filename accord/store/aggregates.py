"""Submitted answers in long form, and the stored consensus (aggregates) per record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from accord.store.models import Aggregate, Record, Response, User

__all__ = ["submitted_answers", "replace_aggregates", "list_aggregates", "aggregate_summary",
           "consensus_values"]


def submitted_answers(session: Session, dataset_id: int, *, batch_size: int = 5000
                      ) -> Iterator[tuple[int, str, dict[str, Any], float]]:
    """``(record_id, user name, values, time_spent)`` of every submitted response to a
    non-gold record, by keyset pages."""
    last = 0
    stmt = (select(Response.id, Response.record_id, User.name, Response.values,
                   Response.time_spent)
            .join(User, User.id == Response.user_id)
            .join(Record, Record.id == Response.record_id)
            .where(Response.dataset_id == dataset_id, Response.status == "submitted",
                   Record.is_gold.is_(False)))
    while True:
        rows = session.execute(stmt.where(Response.id > last).order_by(Response.id)
                               .limit(batch_size)).all()
        if not rows:
            return
        for _, record_id, name, values, spent in rows:
            yield record_id, name, values, spent
        last = rows[-1][0]


def replace_aggregates(session: Session, dataset_id: int, question: str,
                       rows: list[dict[str, Any]], method: str, now: datetime) -> int:
    """Replace the question's aggregates with ``rows`` (record_id, value, confidence,
    agreement, n_responses)."""
    session.execute(delete(Aggregate).where(Aggregate.dataset_id == dataset_id,
                                            Aggregate.question == question))
    if rows:
        session.execute(Aggregate.__table__.insert(), [
            {"dataset_id": dataset_id, "question": question, "method": method,
             "computed_at": now, **row} for row in rows])
    return len(rows)


def list_aggregates(session: Session, dataset_id: int, *, question: str | None = None,
                    max_confidence: float | None = None, max_agreement: float | None = None,
                    limit: int = 50, offset: int = 0) -> list[Aggregate]:
    """Aggregates ordered from least to most confident (the disagreement queue)."""
    stmt = select(Aggregate).where(Aggregate.dataset_id == dataset_id)
    if question is not None:
        stmt = stmt.where(Aggregate.question == question)
    if max_confidence is not None:
        stmt = stmt.where(Aggregate.confidence <= max_confidence)
    if max_agreement is not None:
        stmt = stmt.where(Aggregate.agreement <= max_agreement)
    return list(session.scalars(stmt.order_by(Aggregate.confidence, Aggregate.agreement,
                                              Aggregate.record_id).offset(offset).limit(limit)))


def aggregate_summary(session: Session, dataset_id: int) -> dict[str, dict[str, Any]]:
    rows = session.execute(select(Aggregate.question, Aggregate.method, func.count(),
                                  func.avg(Aggregate.confidence), func.max(Aggregate.computed_at))
                           .where(Aggregate.dataset_id == dataset_id)
                           .group_by(Aggregate.question, Aggregate.method)).all()
    return {q: {"method": m, "records": n, "mean_confidence": c, "computed_at": at}
            for q, m, n, c, at in rows}


def consensus_values(session: Session, dataset_id: int, record_ids: list[int]
                     ) -> dict[int, dict[str, Any]]:
    """``{record id: {question: stored consensus value}}`` for the records that have one."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(record_ids), 900):
        rows = session.execute(select(Aggregate.record_id, Aggregate.question, Aggregate.value)
                               .where(Aggregate.dataset_id == dataset_id,
                                      Aggregate.record_id.in_(record_ids[start:start + 900])))
        for rid, question, value in rows:
            out.setdefault(rid, {})[question] = value
    return out
