"""Review: everyone's responses to a record, history, the review queue, verdicts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from accord.errors import NotFound
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_annotator,
    dataset_reviewer,
)
from accord.server.schemas import HistoryEntry, RecordPublic, ReviewIn, ReviewPublic
from accord.server.views import record_public
from accord.store.datasets import get_dataset
from accord.store.models import Record, Review, User
from accord.store.responses import (
    get_response_by_id,
    response_history,
    review_queue,
    reviews_for_response,
)
from accord.store.users import get_user
from accord.store.verdicts import review_in_force
from accord.workflow import review_response
from accord.workflow.gold import values_match

router = APIRouter(tags=["review"], route_class=CheckedRoute)


def _disagrees(session, record_id: int) -> bool:  # type: ignore[no-untyped-def]
    from accord.store.responses import responses_for_record

    subs = [r.values for r, _ in responses_for_record(session, record_id)
            if r.status == "submitted"]
    if len(subs) < 2:
        return False
    questions = set().union(*subs)
    return any(not all(values_match(subs[0].get(q), s.get(q)) for s in subs[1:])
               for q in questions)


def _response_in(session, ctx: DatasetCtx, response_id: int):  # type: ignore[no-untyped-def]
    resp = get_response_by_id(session, response_id)
    if resp is None or resp.dataset_id != ctx.dataset.id:
        raise NotFound(f"response {response_id} does not exist in dataset {ctx.dataset.name!r}")
    return resp


def _user_name(session, user_id: int | None) -> str | None:  # type: ignore[no-untyped-def]
    who = session.get(User, user_id) if user_id else None
    return who.name if who else None


@router.get("/datasets/{name}/review/next", response_model=RecordPublic,
            responses={204: {"description": "review queue is empty"}})
def next_for_review(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
                    annotator: str | None = None,
                    disagreement: Annotated[bool, Query(
                        description="only records where submitted responses differ")] = False,
                    after: Annotated[int, Query(ge=0, description=(
                        "a record id: the next record after it (pass the record you leave "
                        "for later)"))] = 0) -> RecordPublic | Response:
    """The first record (in id order, after record ``after``) with a submitted response
    that has no verdict and that the caller may judge (by ``annotator`` when given; never
    the caller's own), optionally only records where annotators disagree
    (:func:`accord.store.responses.review_queue` decides)."""
    annotator_id = get_user(session, annotator).id if annotator else None
    cursor = after
    while True:
        batch = review_queue(session, ctx.dataset.id, annotator_id=annotator_id,
                             reviewer_id=ctx.user.id, after_record=cursor, limit=200)
        if not batch:
            return Response(status_code=204)
        for record_id in batch:
            if disagreement and not _disagrees(session, record_id):
                continue
            rec = session.get(Record, record_id)
            return record_public(session, rec, settings=ctx.settings,
                                 viewer=ctx.user, all_responses=True)
        cursor = batch[-1]


@router.post("/datasets/{name}/responses/{response_id}/review", response_model=ReviewPublic,
             status_code=201)
def review(response_id: int, body: ReviewIn, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
           session: WriteSession) -> ReviewPublic:
    """Accept, reject (with a reason) or fix (with corrected values) version ``version`` of
    a submitted response, with an optional ``comment`` on any verdict: 409
    ``stale_version`` when the annotator changed it since, 403 ``own_response`` for your
    own (docs/api.md)."""
    ds = get_dataset(session, ctx.dataset.id)
    reviewer = session.get(User, ctx.user.id)
    rv = review_response(session, ds, ctx.settings, response_id, reviewer, body.verdict,
                         version=body.version, reason=body.reason, values=body.values,
                         comment=body.comment, remote=True)
    return _review_public(rv, reviewer.name, in_force=True)


def _review_public(rv: Review, reviewer: str | None, *, in_force: bool) -> ReviewPublic:
    return ReviewPublic(id=rv.id, response_id=rv.response_id,
                        response_version=rv.response_version, in_force=in_force,
                        reviewer=reviewer, verdict=rv.verdict, reason=rv.reason,
                        values=rv.values, comment=rv.comment, created_at=rv.created_at)


@router.get("/datasets/{name}/responses/{response_id}/reviews", response_model=list[ReviewPublic])
def reviews(response_id: int, ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
            session: ReadSession) -> list[ReviewPublic]:
    """The review history of a response, oldest first: every verdict with its reviewer,
    time, reason, comment, fixed values, the response version it judged and whether it is
    the verdict in force. Reviewers see any response of their datasets; an annotator only
    their own (404 for anyone else's, as if it did not exist)."""
    resp = _response_in(session, ctx, response_id)
    if not ctx.can_review and resp.user_id != ctx.user.id:
        raise NotFound(f"response {response_id} does not exist in dataset {ctx.dataset.name!r}")
    rows = reviews_for_response(session, response_id)
    current = review_in_force([(rv.id, rv.response_version, rv.verdict) for rv in rows],
                              resp.version)
    return [_review_public(rv, _user_name(session, rv.reviewer_id), in_force=rv.id == current)
            for rv in rows]


@router.get("/datasets/{name}/responses/{response_id}/history", response_model=list[HistoryEntry])
def history(response_id: int, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
            session: ReadSession) -> list[HistoryEntry]:
    """Every change of a response: version, who, when, old and new values and status."""
    _response_in(session, ctx, response_id)
    out = []
    for h in response_history(session, response_id):
        entry = HistoryEntry.model_validate(h)
        entry.user = _user_name(session, h.user_id)
        out.append(entry)
    return out
