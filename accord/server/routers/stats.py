"""Statistics per dataset and annotator, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from accord.server.checked_route import CheckedRoute
from accord.server.deps import AdminUser, DatasetCtx, ReadSession, dataset_reviewer
from accord.server.schemas import AuditEntryPublic
from accord.store.audit import list_events
from accord.store.datasets import get_dataset
from accord.workflow import dataset_stats

router = APIRouter(tags=["stats"], route_class=CheckedRoute)


@router.get("/datasets/{name}/stats")
def stats(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
          bucket: Annotated[str, Query(pattern="^(hour|day)$")] = "hour") -> dict[str, Any]:
    """Progress, per-annotator counts and throughput, median time per record, gold accuracy,
    review correction rate and a completion estimate."""
    ds = get_dataset(session, ctx.dataset.id)
    return dataset_stats(session, ds, ctx.settings, bucket=bucket)


@router.get("/datasets/{name}/dashboard")
def dashboard(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
              session: ReadSession) -> dict[str, Any]:
    """What changed since yesterday (submitted responses, review verdicts and completed
    records in the last 24 hours and the 24 before) and, per label-like question, how
    many counted answers chose each label."""
    from accord.workflow.dashboard import answer_distributions, changes_since_yesterday

    ds = get_dataset(session, ctx.dataset.id)
    return {"changes": changes_since_yesterday(session, ds, ctx.settings),
            "distributions": answer_distributions(session, ds, ctx.settings)}


@router.get("/audit", response_model=list[AuditEntryPublic])
def audit(_: AdminUser, session: ReadSession, dataset: str | None = None,
          action: str | None = None, before: int | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntryPublic]:
    """The audit log, newest first (keyset: pass the last id as ``before``)."""
    dataset_id = get_dataset(session, dataset).id if dataset else None
    return [AuditEntryPublic(id=e.id, at=e.at, user=name, action=e.action,
                             object_type=e.object_type, object_id=e.object_id,
                             dataset_id=e.dataset_id, details=e.details)
            for e, name in list_events(session, dataset_id=dataset_id, action=action,
                                       before_id=before, limit=limit)]
