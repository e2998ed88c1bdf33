"""An annotator's own standing in a dataset: their progress and their rejected responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from accord.server.checked_route import CheckedRoute
from accord.server.deps import DatasetCtx, ReadSession, dataset_annotator
from accord.store.verdicts import rejected_responses
from accord.workflow.progress import annotator_progress

router = APIRouter(tags=["annotate"], route_class=CheckedRoute)


class Progress(BaseModel):
    user: str
    done: int
    records: int
    completed_records: int
    left: int
    drafts: int
    skipped: int
    gold_answered: int
    quota: int | None


class RejectedResponse(BaseModel):
    response_id: int
    record_id: int
    external_id: str
    version: int
    values: dict[str, Any]
    updated_at: datetime
    review_id: int
    reviewer: str | None
    reason: str | None
    comment: str | None
    reviewed_at: datetime


@router.get("/datasets/{name}/my/progress", response_model=Progress)
def my_progress(ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
                session: ReadSession) -> Progress:
    """Where the caller stands: ``done`` of ``records`` (the statistics' counting), and
    ``left``: records still needing responses that they have not answered or skipped
    (at most what their quota leaves)."""
    return Progress(**annotator_progress(session, ctx.dataset, ctx.settings, ctx.user))


@router.get("/datasets/{name}/my/rejected", response_model=list[RejectedResponse])
def my_rejected(ctx: Annotated[DatasetCtx, Depends(dataset_annotator)], session: ReadSession,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[RejectedResponse]:
    """The caller's own responses whose verdict in force is a rejection, latest first, with
    the reviewer's reason and comment. Open the record, fix it and submit again: the new
    version goes back to the review queue and the rejection no longer applies."""
    rows = rejected_responses(session.connection(), ctx.dataset.id, ctx.user.id, limit=limit)
    return [RejectedResponse(response_id=r.id, record_id=r.record_id,
                             external_id=r.external_id, version=r.version, values=r.values,
                             updated_at=r.updated_at, review_id=r.review_id,
                             reviewer=r.reviewer, reason=r.reason, comment=r.comment,
                             reviewed_at=r.reviewed_at) for r in rows]
