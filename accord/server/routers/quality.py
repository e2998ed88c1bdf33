"""Quality: agreement per question, annotator scores, stored consensus, disagreement queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_admin,
    dataset_reviewer,
)
from accord.store.aggregates import aggregate_summary, list_aggregates, replace_aggregates
from accord.store.audit import record_event
from accord.store.datasets import get_dataset
from accord.store.models import Record, utcnow
from accord.workflow.consensus import (
    aggregate_dataset,
    annotator_report,
    collect_answers,
    question_agreement,
)

router = APIRouter(tags=["quality"], route_class=CheckedRoute)


class AggregateIn(BaseModel):
    method: str | None = Field(default=None, pattern="^[a-z]+$")  # None: DEFAULT_METHOD
    questions: list[str] | None = None


@router.get("/datasets/{name}/quality")
def quality(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
            metric: Annotated[str, Query(pattern="^(alpha|fleiss|cohen|scott|gwet|percent)$")]
            = "alpha") -> dict[str, Any]:
    """Agreement per question, annotator scores with flags, and the stored consensus summary."""
    ds = get_dataset(session, ctx.dataset.id)
    agreement = question_agreement(session, ds, ctx.settings, metric=metric)
    agreement.update(_region_agreement(session, ds, ctx.settings))
    return {"agreement": agreement,
            "annotators": annotator_report(session, ds, ctx.settings),
            "aggregates": aggregate_summary(session, ds.id)}


def _region_agreement(session: Any, ds: Any, settings: Any) -> dict[str, dict[str, Any]]:
    """Boxes, polygons and segments: F1 at IoU 0.5 and mean IoU instead of alpha."""
    from accord.quality.region_questions import REGION_AGREEMENT, region_question_agreement

    questions = [q for q in settings.questions if q.type in REGION_AGREEMENT]
    if not questions:
        return {}
    answers = collect_answers(session, ds)
    return {q.name: {"type": q.type, "level": None, **region_question_agreement(
        q.type, [(r, u, v) for r, u, v, _ in answers.get(q.name, [])])} for q in questions}


@router.post("/datasets/{name}/quality/aggregate")
def aggregate(body: AggregateIn, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
              session: WriteSession) -> dict[str, int]:
    """(Re)compute and store the consensus of every aggregatable question."""
    from accord.quality.aggregation import DEFAULT_METHOD

    method = body.method or DEFAULT_METHOD
    ds = get_dataset(session, ctx.dataset.id)
    out = aggregate_dataset(session, ds, ctx.settings, method=method, questions=body.questions)
    out.update(_region_consensus(session, ds, ctx.settings, body.questions))
    record_event(session, "quality.aggregate", "dataset", ds.id, user_id=ctx.user.id,
                 dataset_id=ds.id, details={"method": method, "records": out})
    return out


def _region_consensus(session: Any, ds: Any, settings: Any,
                      wanted: list[str] | None) -> dict[str, int]:
    """Consensus boxes and segments by weighted boxes fusion, stored with method ``wbf``."""
    from accord.quality.region_questions import REGION_CONSENSUS, region_consensus_rows

    questions = [q for q in settings.questions if q.type in REGION_CONSENSUS and
                 (wanted is None or q.name in wanted)]
    if not questions:
        return {}
    answers = collect_answers(session, ds)
    now = utcnow()
    return {q.name: replace_aggregates(session, ds.id, q.name, region_consensus_rows(
        q.type, [(r, u, v) for r, u, v, _ in answers.get(q.name, [])]), "wbf", now)
        for q in questions}


@router.get("/datasets/{name}/quality/disagreements")
def disagreements(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
                  question: str | None = None,
                  max_confidence: Annotated[float, Query(ge=0, le=1)] = 0.8,
                  max_agreement: Annotated[float | None, Query(ge=0, le=1)] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    """The adjudication queue: records whose consensus is least confident first (run
    ``POST .../quality/aggregate`` first)."""
    rows = list_aggregates(session, ctx.dataset.id, question=question,
                           max_confidence=max_confidence, max_agreement=max_agreement,
                           limit=limit, offset=offset)
    out = []
    for a in rows:
        rec = session.get(Record, a.record_id)
        out.append({"record_id": a.record_id, "external_id": rec.external_id if rec else None,
                    "question": a.question, "value": a.value, "confidence": a.confidence,
                    "agreement": a.agreement, "n_responses": a.n_responses,
                    "method": a.method})
    return out
