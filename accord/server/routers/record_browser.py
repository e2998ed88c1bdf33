"""The admin record browser's endpoints: similar records ("More like this") and bulk actions.

Mounted before ``records`` so ``/records/similar`` is not taken for a record id.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from accord.errors import InputError
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_admin,
    dataset_reviewer,
)
from accord.server.schemas import RecordPublic
from accord.server.views import record_public
from accord.store.aggregates import consensus_values
from accord.store.audit import record_event
from accord.store.models import Record, User
from accord.store.priorities import set_priorities
from accord.store.records import delete_records
from accord.workflow.gold import mark_gold
from accord.workflow.review import send_to_review

router = APIRouter(tags=["records"], route_class=CheckedRoute)


class SimilarHit(BaseModel):
    score: float = Field(description="cosine similarity, -1..1")
    record: RecordPublic


class SimilarPage(BaseModel):
    vector: str = Field(description="name of the stored vectors searched")
    index: str = Field(description="exact | hnsw")
    records: list[SimilarHit]


@router.get("/datasets/{name}/records/similar", response_model=SimilarPage)
def similar(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
            record: Annotated[int | None, Query(ge=1, description="a record id")] = None,
            q: Annotated[str | None, Query(max_length=2000, description="free text")] = None,
            k: Annotated[int, Query(ge=1, le=100)] = 10,
            vector: Annotated[str | None, Query(max_length=256)] = None) -> SimilarPage:
    """The ``k`` records most similar to a record (``record=ID``, itself left out) or to a
    text (``q=TEXT``, embedded with the model of the stored vectors), by cosine similarity
    of the vectors ``accord assist embed`` stored. 409 ``no_vectors`` when there are none."""
    try:
        from accord.assist.similarity import similar_records
    except ImportError:
        raise InputError("similarity search needs numpy: pip install 'accord[similarity]'",
                         field="record") from None
    if record is not None:
        rec = session.get(Record, record)
        if rec is None or rec.dataset_id != ctx.dataset.id:
            from accord.errors import NotFound

            raise NotFound(f"record {record} does not exist in dataset {ctx.dataset.name!r}")
    found = similar_records(session, ctx.dataset.id, ctx.dataset.name, record_id=record,
                            text=q, k=k, vector=vector)
    hits = []
    for rid, score in found["hits"]:
        rec = session.get(Record, rid)
        if rec is None or rec.dataset_id != ctx.dataset.id:  # deleted since the index was built
            continue
        hits.append(SimilarHit(score=score, record=record_public(
            session, rec, settings=ctx.settings, viewer=ctx.user, all_responses=True)))
    return SimilarPage(vector=found["vector"], index=found["index"], records=hits)


class BulkAction(BaseModel):
    action: Literal["priority", "gold", "review", "delete"]
    ids: list[int] = Field(min_length=1, max_length=10_000)
    priority: float | None = Field(default=None, description="for action priority")
    comment: str | None = Field(default=None, max_length=10_000,
                                description="for action review: a note in the review history")


class BulkResult(BaseModel):
    action: str
    records: int
    responses: int | None = Field(default=None, description="for action review: how many "
                                  "judged responses went back to review")


@router.post("/datasets/{name}/records/bulk", response_model=BulkResult)
def bulk(body: BulkAction, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
         session: WriteSession) -> BulkResult:
    """One action on many records (admins): ``priority`` (with ``priority``), ``gold``
    (known answers = each record's stored consensus; records without one are refused),
    ``review`` (send the records' judged responses back to the review queue, with an
    optional ``comment``: :func:`accord.workflow.review.send_to_review`) or ``delete``.
    All or nothing: one transaction."""
    ids = sorted(set(body.ids))
    sent = None
    found = set(session.scalars(select(Record.id).where(Record.dataset_id == ctx.dataset.id,
                                                        Record.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InputError(f"records {missing[:10]} are not in dataset {ctx.dataset.name!r}",
                         field="ids")
    if body.action == "priority":
        if body.priority is None:
            raise InputError("action priority needs a priority (a number; higher is handed "
                             "out first)", field="priority")
        n = set_priorities(session, ctx.dataset.id, {i: body.priority for i in ids})
    elif body.action == "gold":
        answers = consensus_values(session, ctx.dataset.id, ids)
        without = [i for i in ids if i not in answers]
        if without:
            raise InputError(f"records {without[:10]} have no stored consensus to use as "
                             "gold answers; compute consensus first (Dashboard -> Compute "
                             "consensus, or accord quality aggregate)", field="ids")
        for rid in ids:
            mark_gold(session, ctx.settings, session.get(Record, rid), answers[rid])
        n = len(ids)
    elif body.action == "review":
        n = len(ids)
        sent = send_to_review(session, ctx.dataset, ids, session.get(User, ctx.user.id),
                              comment=body.comment)
    else:
        n = delete_records(session, ctx.dataset.id, ids)
    record_event(session, f"records.bulk_{body.action}", "dataset", ctx.dataset.id,
                 user_id=ctx.user.id, dataset_id=ctx.dataset.id,
                 details={"records": n, "ids": ids[:100], "priority": body.priority,
                          "responses": sent})
    return BulkResult(action=body.action, records=n, responses=sent)
