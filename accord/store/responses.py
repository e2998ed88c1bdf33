"""Responses, their history, reviews, gold answers and suggestions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, exists, func, literal_column, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from accord.store.detached import RESPONSE_COLUMNS, RESPONSE_KEYS, detached, load_response
from accord.store.direct import run
from accord.store.models import (
    QUEUE_GOLD,
    QUEUE_OPEN,
    GoldAnswer,
    Record,
    Response,
    ResponseHistory,
    Review,
    Suggestion,
    User,
)
from accord.store.queue import bump_counters, bump_epoch, counter_update, insert_if_new
from accord.store.suggestion_rows import SuggestionRow, suggestion_rows, suggestions_json

_resp_t = Response.__table__
_ADD_HISTORY = ResponseHistory.__table__.insert()

__all__ = ["get_response", "insert_response", "insert_response_row", "stored_version",
           "set_gold_correct", "update_response_versioned", "add_history",
           "response_history", "responses_for_record", "add_review", "reviews_for_response",
           "set_gold", "gold_answer", "suggestions_for_records",
           "get_response_by_id", "judged_responses", "lock_response", "review_queue",
           "user_responses", "record_extras", "SuggestionRow", "insert_response_with_history",
           "mark_unanswered"]


_RESPONSE = select(Response).where(Response.record_id == bindparam("rid"),
                                   Response.user_id == bindparam("uid"))
_RESPONSE_LOCKED = _RESPONSE.with_for_update()


def get_response(session: Session, record_id: int, user_id: int,
                 *, for_update: bool = False) -> Response | None:
    stmt = _RESPONSE_LOCKED if for_update and session.get_bind().dialect.name == "postgresql" \
        else _RESPONSE
    return session.scalar(stmt, {"rid": record_id, "uid": user_id})


def get_response_by_id(session: Session, response_id: int) -> Response | None:
    return session.get(Response, response_id)


def lock_response(session: Session, resp: Response) -> None:
    """Re-read ``resp`` under a row lock (PostgreSQL; SQLite serializes writers), so a
    verdict and an annotator's concurrent edit see each other's committed version."""
    if session.get_bind().dialect.name == "postgresql":
        session.refresh(resp, with_for_update=True)


def insert_response(session: Session, **values: Any) -> Response:
    resp = Response(**values)
    session.add(resp)
    session.flush()
    return resp


_INSERT_RESPONSE = {
    d: insert_if_new(d, _resp_t, [_resp_t.c.record_id, _resp_t.c.user_id])
    .returning(_resp_t.c.id) for d in ("postgresql", "sqlite")}
_VERSION = select(_resp_t.c.version).where(_resp_t.c.id == bindparam("id"))
_SET_GOLD_CORRECT = (update(_resp_t).where(_resp_t.c.id == bindparam("b_id"))
                     .values(gold_correct=bindparam("b_score")))


def insert_response_row(session: Session, row: dict[str, Any]) -> int | None:
    """Insert a response with one Core statement; returns its id, or None when the user
    has a response to the record already (a concurrent save of theirs won)."""
    stmt = _INSERT_RESPONSE[session.get_bind().dialect.name]
    new_id = run(session, stmt, row).scalar()
    return None if new_id is None else int(new_id)


_RESPONSE_ROW = ("record_id", "dataset_id", "user_id", "values", "status", "time_spent",
                 "version", "created_at", "settings_version", "updated_at", "submitted_at")
_HISTORY_ROW = ("user_id", "version", "old_status", "new_status", "old_values", "new_values",
                "changed_at")


def _insert_with_history(bump: bool):  # type: ignore[no-untyped-def]
    """PostgreSQL: :data:`_INSERT_RESPONSE`, its first history row (:func:`add_history`) and,
    with ``bump``, the record's counters (:func:`accord.store.queue.bump_counters`, a
    non-negative claims delta) in ONE statement (data-modifying CTEs), returning the new
    response's id; nothing is written beyond the response's conflict check when the user
    has a response to the record already. The counter UPDATE, the write that may wait for
    another annotator's lock on the record, runs last."""
    ins = (postgresql.insert(_resp_t)
           .values({k: bindparam("r_" + k, type_=_resp_t.c[k].type) for k in _RESPONSE_ROW})
           .on_conflict_do_nothing(index_elements=[_resp_t.c.record_id, _resp_t.c.user_id])
           .returning(_resp_t.c.id).cte("inserted"))
    hist = ResponseHistory.__table__
    history = hist.insert().from_select(
        ["response_id", *_HISTORY_ROW],
        select(ins.c.id, *(bindparam("h_" + k, type_=hist.c[k].type) for k in _HISTORY_ROW))
    ).cte("history")
    stmt = select(ins.c.id).add_cte(history)
    if bump:
        stmt = stmt.add_cte(counter_update().where(exists(select(ins.c.id))).cte("counted"))
    return stmt


_INSERT_WITH_HISTORY = {True: _insert_with_history(True), False: _insert_with_history(False)}


def insert_response_with_history(session: Session, row: dict[str, Any],
                                 history: dict[str, Any], *, overlap: int, d_claims: int,
                                 d_submitted: int) -> int | None:
    """:func:`insert_response_row`, then (when it wrote the row) :func:`add_history` with
    ``history`` (the new response's id added) and, when a delta is not zero,
    :func:`accord.store.queue.bump_counters`: one statement on PostgreSQL, three on SQLite
    (where a statement is a function call). ``d_claims`` must not be negative (giving a
    claim back also moves the queue's epoch: call ``bump_counters``)."""
    if d_claims < 0:
        raise ValueError("insert_response_with_history: a negative claims delta")
    bump = bool(d_claims or d_submitted)
    if session.get_bind().dialect.name == "postgresql":
        # parameters named after no column: accord.store.direct compiles with the names
        # as column keys, which would add them to the counter UPDATE's SET
        params = {**{"r_" + k: v for k, v in row.items()},
                  **{"h_" + k: v for k, v in history.items()}}
        if bump:
            params.update(rid=row["record_id"], overlap=overlap, dc=d_claims, dsub=d_submitted)
        new_id = run(session, _INSERT_WITH_HISTORY[bump], params).scalar()
        return None if new_id is None else int(new_id)
    new_id = insert_response_row(session, row)
    if new_id is None:
        return None
    add_history(session, response_id=new_id, **history)
    if bump:
        bump_counters(session, row["record_id"], overlap, d_claims=d_claims,
                      d_submitted=d_submitted)
    return new_id


def stored_version(session: Session, response_id: int) -> int | None:
    return run(session, _VERSION, {"id": response_id}).scalar()


def set_gold_correct(session: Session, response_id: int, score: float | None) -> None:
    run(session, _SET_GOLD_CORRECT, {"b_id": response_id, "b_score": score})


def update_response_versioned(session: Session, response_id: int, expected_version: int,
                              **values: Any) -> bool:
    """Update only if the stored version is still ``expected_version`` (optimistic locking)."""
    result = session.connection().execute(update(_resp_t).where(
        _resp_t.c.id == response_id, _resp_t.c.version == expected_version)
        .values(version=_resp_t.c.version + 1, **values))
    return result.rowcount == 1


def add_history(session: Session, **values: Any) -> None:
    run(session, _ADD_HISTORY, values)


def response_history(session: Session, response_id: int) -> list[ResponseHistory]:
    return list(session.scalars(select(ResponseHistory).where(
        ResponseHistory.response_id == response_id).order_by(ResponseHistory.version,
                                                             ResponseHistory.id)))


def responses_for_record(session: Session, record_id: int) -> list[tuple[Response, str]]:
    rows = session.execute(select(Response, User.name).join(User, User.id == Response.user_id)
                           .where(Response.record_id == record_id).order_by(Response.id))
    return [(r, name) for r, name in rows]


def user_responses(session: Session, dataset_id: int, user_id: int, *, limit: int = 50,
                   before_id: int | None = None) -> list[Response]:
    stmt = select(Response).where(Response.dataset_id == dataset_id, Response.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(Response.id < before_id)
    return list(session.scalars(stmt.order_by(Response.id.desc()).limit(limit)))


def add_review(session: Session, **values: Any) -> Review:
    review = Review(**values)
    session.add(review)
    session.flush()
    return review


def judged_responses(session: Session, dataset_id: int, record_ids: list[int]) -> list[Response]:
    """The submitted responses of records ``record_ids`` that have a verdict in force
    (``review_state`` set), in id order, row-locked on PostgreSQL (an annotator's
    concurrent edit waits, as for a verdict)."""
    stmt = select(Response).where(Response.dataset_id == dataset_id,
                                  Response.record_id.in_(record_ids),
                                  Response.status == "submitted",
                                  Response.review_state.is_not(None)).order_by(Response.id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def reviews_for_response(session: Session, response_id: int) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.response_id == response_id)
                                .order_by(Review.id)))


def review_queue(session: Session, dataset_id: int, *, annotator_id: int | None = None,
                 reviewer_id: int | None = None, after_record: int = 0,
                 limit: int = 50) -> list[int]:
    """The review queue: ids of the records after record ``after_record`` (in id order)
    that have a submitted response without a verdict in force, by ``annotator_id`` when
    given and never the reviewer's own (a reviewer cannot judge those).

    The cursor is a record id because the queue hands out records: a caller that passes
    over a record continues after it, whoever else answered it and when (a response-id
    cursor skipped the annotator's older responses to later records, issue 20).
    """
    # the status is a literal, so the planner (also PostgreSQL's generic plans) matches the
    # partial index ix_responses_review_queue: one range scan from the cursor
    stmt = select(Response.record_id).where(Response.dataset_id == dataset_id,
                                            Response.status == literal_column("'submitted'"),
                                            Response.review_state.is_(None),
                                            Response.record_id > after_record)
    if annotator_id is not None:
        stmt = stmt.where(Response.user_id == annotator_id)
    if reviewer_id is not None:
        stmt = stmt.where(Response.user_id != reviewer_id)
    return list(session.scalars(stmt.group_by(Response.record_id)
                                .order_by(Response.record_id).limit(limit)))


def set_gold(session: Session, record: Record, values: dict[str, Any] | None) -> None:
    """Make a record gold with ``values`` as its answers, or ordinary again with None."""
    existing = session.get(GoldAnswer, record.id)
    if values is None:
        if existing is not None:
            session.delete(existing)
        record.is_gold = False
        record.queue_state = QUEUE_OPEN
        bump_epoch(session, record.dataset_id)  # open again, maybe behind queue cursors
    else:
        if existing is None:
            session.add(GoldAnswer(record_id=record.id, values=values))
        else:
            existing.values = values
        record.is_gold = True
        record.queue_state = QUEUE_GOLD
    session.flush()


def gold_answer(session: Session, record_id: int) -> dict[str, Any] | None:
    row = session.get(GoldAnswer, record_id)
    return None if row is None else row.values


_sugg = Suggestion.__table__
_SUGGESTIONS = (select(_sugg.c.record_id, _sugg.c.question, _sugg.c.value, _sugg.c.score,
                       _sugg.c.agent, _sugg.c.metadata.label("meta"), _sugg.c.created_at)
                .where(_sugg.c.record_id.in_(bindparam("ids", expanding=True)))
                .order_by(_sugg.c.record_id, _sugg.c.question, _sugg.c.score.desc()))
_SUGGESTIONS_OF_ONE = (select(*_SUGGESTIONS.selected_columns)
                       .where(_sugg.c.record_id == bindparam("id"))
                       .order_by(_sugg.c.question, _sugg.c.score.desc()))


# PostgreSQL: a record's suggestions (one JSON array, best first within a question) and the
# viewer's own response in ONE statement; SQLite runs the two statements, which are
# function calls there
_SUGGESTIONS_JSON = suggestions_json(bindparam("rid")).subquery("s")
_EXTRAS = (select(_SUGGESTIONS_JSON.c.suggestions, *RESPONSE_COLUMNS)
           .select_from(_SUGGESTIONS_JSON.outerjoin(_resp_t, and_(
               _resp_t.c.record_id == bindparam("rid"), _resp_t.c.user_id == bindparam("uid")))))


# a record a finder handed to a user (accord.store.queue.NOT_SEEN: one they have not
# answered) carries this in its ``__dict__`` (no mapped attribute has the name)
_UNANSWERED = "accord_unanswered"


def mark_unanswered(record: Record, user_id: int, suggestions: list[Any] | None) -> None:
    """Note on ``record``, just claimed for ``user_id`` by the queue's finder (which only
    finds records the user has not answered), that they have no response to it and, when
    the claim's statement brought them (PostgreSQL), its suggestions: :func:`record_extras`
    then reads nothing on PostgreSQL and only the suggestions on SQLite."""
    record.__dict__[_UNANSWERED] = (user_id, suggestions)


def record_extras(session: Session, record: Record,
                  user_id: int) -> tuple[list[Any], Response | None]:
    """A record's suggestions (as :func:`suggestions_for_records`) and ``user_id``'s own
    response to it (as :func:`accord.store.detached.load_response`): one round trip on
    PostgreSQL, none for a record :func:`mark_unanswered` marked with its suggestions."""
    record_id = record.id
    known = record.__dict__.get(_UNANSWERED)
    if known is not None and known[0] == user_id:
        suggestions = known[1]
        if suggestions is None:
            suggestions = suggestions_for_records(session, [record_id])[record_id]
        return suggestions, None
    if session.get_bind().dialect.name != "postgresql":
        return (suggestions_for_records(session, [record_id])[record_id],
                load_response(session, record_id, user_id))
    row = run(session, _EXTRAS, {"rid": record_id, "uid": user_id}).first()
    own = None if row[1] is None else detached(Response, RESPONSE_KEYS, row[1:])
    return suggestion_rows(record_id, row[0]), own


def suggestions_for_records(session: Session, record_ids: list[int]) -> dict[int, list[Any]]:
    """Suggestions per record (rows with ``question, value, score, agent, meta,
    created_at``), best score first within a question."""
    out: dict[int, list[Any]] = {rid: [] for rid in record_ids}
    if not record_ids:
        return out
    if len(record_ids) == 1:  # the annotator loop's record: a prepared statement
        rows = run(session, _SUGGESTIONS_OF_ONE, {"id": record_ids[0]}).all()
    else:
        rows = session.connection().execute(_SUGGESTIONS, {"ids": list(record_ids)})
    for row in rows:
        out[row.record_id].append(row)
    return out


def count_submitted(session: Session, dataset_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Response).where(
        Response.dataset_id == dataset_id, Response.status == "submitted")) or 0)
