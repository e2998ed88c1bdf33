"""Quality: agreement per question, annotator scores, stored consensus, disagreement queue."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from accord.schema.questions import AGREEMENT_METRICS
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_admin,
    dataset_reviewer,
)
from accord.store.aggregates import aggregate_summary, list_aggregates
from accord.store.answers import load_answers
from accord.store.audit import record_event
from accord.store.datasets import get_dataset
from accord.store.engine import session_scope
from accord.store.models import Record
from accord.workflow.consensus import (
    Cancelled,
    aggregate_dataset,
    annotator_report,
    dataset_agreement,
    measured_questions,
)

router = APIRouter(tags=["quality"], route_class=CheckedRoute)

_METRIC_PATTERN = "^(" + "|".join(AGREEMENT_METRICS) + ")$"
_DISCONNECT_POLL_SECONDS = 0.1


class AggregateIn(BaseModel):
    method: str | None = Field(default=None, pattern="^[a-z]+$")  # None: each type's default
    questions: list[str] | None = None


@router.get("/datasets/{name}/quality")
async def quality(request: Request, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
                  metric: Annotated[str | None, Query(pattern=_METRIC_PATTERN)] = None
                  ) -> dict[str, Any]:
    """Agreement per question (``alpha`` and ``level``, plus ``metric``/``value``: the
    requested metric, default the type's own), annotator scores with flags, and the stored
    consensus summary. Reviews count (rejected responses out, fixes in); models'
    auto-accepted answers are left out of agreement. The work runs in a worker thread and
    stops when the client disconnects."""
    engine = request.app.state.engine
    dataset_id, settings = ctx.dataset.id, ctx.settings
    stop = threading.Event()

    def work() -> dict[str, Any]:
        with session_scope(engine) as session:
            ds = get_dataset(session, dataset_id)
            names = [q.name for q in measured_questions(settings)]
            names += [q.name for q in settings.questions
                      if q.type in ("label", "pairwise", "rating") and q.name not in names]
            answers = load_answers(session, ds.id, names, seconds=True)
            if stop.is_set():
                raise Cancelled
            agreement = dataset_agreement(session, ds, settings, metric=metric, answers=answers,
                                          cancelled=stop.is_set)
            return {"agreement": agreement,
                    "annotators": annotator_report(session, ds, settings, answers=answers),
                    "aggregates": aggregate_summary(session, ds.id)}

    outcome: dict[str, Any] = {}

    async def watch() -> None:
        while not await request.is_disconnected():
            await anyio.sleep(_DISCONNECT_POLL_SECONDS)
        stop.set()  # the worker stops before its next computation
        tg.cancel_scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        try:
            outcome["body"] = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except Cancelled:
            pass
        except Exception as exc:  # handed to the error handlers below, outside the group
            outcome["error"] = exc
        finally:
            tg.cancel_scope.cancel()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("body", {})  # {}: the client left, nobody reads it


@router.post("/datasets/{name}/quality/aggregate")
def aggregate(body: AggregateIn, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
              session: WriteSession) -> dict[str, int]:
    """(Re)compute and store the consensus of every question with one: ``method`` (an
    aggregator of :data:`accord.quality.aggregation.AGGREGATORS`) where it applies to the
    question's type, the type's default consensus elsewhere and without ``method``."""
    ds = get_dataset(session, ctx.dataset.id)
    out = aggregate_dataset(session, ds, ctx.settings, method=body.method,
                            questions=body.questions)
    record_event(session, "quality.aggregate", "dataset", ds.id, user_id=ctx.user.id,
                 dataset_id=ds.id, details={"method": body.method or "default",
                                            "records": out})
    return out


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
