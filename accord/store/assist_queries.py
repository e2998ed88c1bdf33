"""The store side of model assistance: suggestions with metadata, and the human answers,
gold answers and few-shot examples that assistance is measured against and learns from.

Model agents answer as users named ``model:<model>``; every "human" query here
leaves those users out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.store.models import GoldAnswer, Record, Response, Suggestion, User

__all__ = [
    "AGENT_USER_PREFIX",
    "model_user_ids",
    "SuggestionItem",
    "SuggestionRow",
    "delete_agent_suggestions",
    "few_shot_examples",
    "gold_values",
    "human_values",
    "put_suggestions",
    "question_agents",
    "question_suggestions",
    "record_ids",
    "records_by_ids",
    "update_suggestion_meta",
]

AGENT_USER_PREFIX = "model:"
_IN_CHUNK = 900


class SuggestionItem(NamedTuple):
    """One suggestion to write."""

    record_id: int
    question: str
    value: Any
    score: float | None
    meta: dict[str, Any] | None = None


class SuggestionRow(NamedTuple):
    record_id: int
    value: Any
    score: float | None
    agent: str
    meta: dict[str, Any] | None


def put_suggestions(session: Session, agent: str, items: list[SuggestionItem],
                    now: datetime) -> int:
    """Add or replace ``agent``'s suggestions (one per record and question), with metadata:
    each item replaces the agent's suggestion for its record and question, and nothing else.

    Raises
    ------
    InputError
        Two items name the same record and question (``suggestions[j]`` is the item's
        position in ``items``); nothing is written.
    """
    if not items:
        return 0
    first: dict[tuple[int, str], int] = {}
    for j, item in enumerate(items):
        i = first.setdefault((item.record_id, item.question), j)
        if i != j:
            raise InputError(
                f"suggestions[{j}]: record {item.record_id} and question {item.question!r} "
                f"were already given at suggestions[{i}]; an agent has one suggestion per "
                "record and question", field="question")
    table = Suggestion.__table__
    by_question: dict[str, list[int]] = {}
    for item in items:
        by_question.setdefault(item.question, []).append(item.record_id)
    conn = session.connection()
    for question, ids in by_question.items():
        for start in range(0, len(ids), _IN_CHUNK):
            conn.execute(delete(table).where(table.c.record_id.in_(ids[start:start + _IN_CHUNK]),
                                             table.c.agent == agent,
                                             table.c.question == question))
    conn.execute(table.insert(), [
        {"record_id": i.record_id, "question": i.question, "value": i.value, "score": i.score,
         "agent": agent, "metadata": i.meta, "created_at": now} for i in items])
    return len(items)


def delete_agent_suggestions(session: Session, dataset_id: int, question: str, agent: str) -> int:
    """Delete ``agent``'s suggestions for ``question`` on the dataset's records (a rerun that
    covers fewer records must not leave the old ones behind)."""
    table = Suggestion.__table__
    ids = select(Record.id).where(Record.dataset_id == dataset_id).scalar_subquery()
    result = session.connection().execute(delete(table).where(
        table.c.record_id.in_(ids), table.c.agent == agent, table.c.question == question))
    return int(result.rowcount or 0)


def update_suggestion_meta(session: Session, agent: str, question: str,
                           updates: dict[int, dict[str, Any]]) -> int:
    """Merge ``{record id: {key: value}}`` into the metadata of ``agent``'s suggestions."""
    table = Suggestion.__table__
    ids = sorted(updates)
    conn = session.connection()
    n = 0
    for start in range(0, len(ids), _IN_CHUNK):
        rows = conn.execute(select(table.c.id, table.c.record_id, table.c.metadata).where(
            table.c.record_id.in_(ids[start:start + _IN_CHUNK]), table.c.agent == agent,
            table.c.question == question)).all()
        params = [{"b_id": sid, "b_meta": {**(meta or {}), **updates[rid]}}
                  for sid, rid, meta in rows]
        if params:
            conn.execute(update(table).where(table.c.id == bindparam("b_id"))
                         .values(metadata=bindparam("b_meta", type_=table.c.metadata.type)),
                         params)
        n += len(params)
    return n


def question_agents(session: Session, dataset_id: int, question: str) -> list[tuple[str, int]]:
    """Agents with suggestions for ``question``: ``(agent, count)``, most recent first."""
    rows = session.execute(
        select(Suggestion.agent, func.count(), func.max(Suggestion.id))
        .join(Record, Record.id == Suggestion.record_id)
        .where(Record.dataset_id == dataset_id, Suggestion.question == question)
        .group_by(Suggestion.agent).order_by(func.max(Suggestion.id).desc())).all()
    return [(agent, int(n)) for agent, n, _ in rows]


def question_suggestions(session: Session, dataset_id: int, question: str,
                         agent: str) -> list[SuggestionRow]:
    """``agent``'s suggestions for ``question`` in record order."""
    rows = session.execute(
        select(Suggestion.record_id, Suggestion.value, Suggestion.score, Suggestion.agent,
               Suggestion.meta)
        .join(Record, Record.id == Suggestion.record_id)
        .where(Record.dataset_id == dataset_id, Suggestion.question == question,
               Suggestion.agent == agent).order_by(Suggestion.record_id)).all()
    return [SuggestionRow(*row) for row in rows]


def model_user_ids(session: Session) -> set[int]:
    """Ids of the agent users (``model:<model>``) that auto-accepted suggestions are
    submitted as (:mod:`accord.assist.routing`)."""
    return set(session.scalars(select(User.id).where(User.name.startswith(AGENT_USER_PREFIX))))


def human_values(session: Session, dataset_id: int, question: str) -> dict[int, list[Any]]:
    """Values people submitted for ``question``: ``{record id: [value, ...]}``."""
    rows = session.execute(
        select(Response.record_id, Response.values)
        .join(User, User.id == Response.user_id)
        .where(Response.dataset_id == dataset_id, Response.status == "submitted",
               ~User.name.startswith(AGENT_USER_PREFIX))
        .order_by(Response.record_id, Response.id))
    out: dict[int, list[Any]] = {}
    for rid, values in rows:
        if isinstance(values, dict) and values.get(question) is not None:
            out.setdefault(rid, []).append(values[question])
    return out


def gold_values(session: Session, dataset_id: int, question: str) -> dict[int, Any]:
    """Gold answers for ``question``: ``{record id: value}``."""
    rows = session.execute(select(GoldAnswer.record_id, GoldAnswer.values)
                           .join(Record, Record.id == GoldAnswer.record_id)
                           .where(Record.dataset_id == dataset_id))
    return {rid: values[question] for rid, values in rows
            if isinstance(values, dict) and values.get(question) is not None}


def few_shot_examples(session: Session, dataset_id: int, question: str,
                      limit: int) -> list[tuple[int, dict[str, Any], Any]]:
    """Up to ``limit`` submitted human answers to ``question``, newest first, one per record:
    ``(record id, fields, value)``."""
    if limit <= 0:
        return []
    stmt = (select(Response.record_id, Record.fields, Response.values)
            .join(Record, Record.id == Response.record_id)
            .join(User, User.id == Response.user_id)
            .where(Response.dataset_id == dataset_id, Response.status == "submitted",
                   ~User.name.startswith(AGENT_USER_PREFIX))
            .order_by(Response.submitted_at.desc(), Response.id.desc()).limit(limit * 20))
    out: list[tuple[int, dict[str, Any], Any]] = []
    seen: set[int] = set()
    for rid, fields, values in session.execute(stmt):
        if rid in seen or not isinstance(values, dict) or values.get(question) is None:
            continue
        seen.add(rid)
        out.append((rid, fields, values[question]))
        if len(out) == limit:
            break
    return out


def record_ids(session: Session, dataset_id: int, *, only_pending: bool = False,
               limit: int | None = None) -> list[int]:
    """Ids of the dataset's records in id order (optionally only pending ones)."""
    stmt = select(Record.id).where(Record.dataset_id == dataset_id)
    if only_pending:
        stmt = stmt.where(Record.status == "pending")
    stmt = stmt.order_by(Record.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def records_by_ids(session: Session, ids: Iterable[int]) -> list[tuple[int, str, dict[str, Any]]]:
    """``(id, external_id, fields)`` of the given records, in id order."""
    ids = sorted(ids)
    out: list[tuple[int, str, dict[str, Any]]] = []
    for start in range(0, len(ids), _IN_CHUNK):
        out.extend((rid, ext, fields) for rid, ext, fields in session.execute(
            select(Record.id, Record.external_id, Record.fields)
            .where(Record.id.in_(ids[start:start + _IN_CHUNK])).order_by(Record.id)))
    return out
