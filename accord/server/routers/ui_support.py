"""Small endpoints the web UI needs: the caller's recent responses, the guidelines version
they acknowledged, the gold-failure review queue and settings validation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from accord.errors import InputError
from accord.schema import settings_from_text
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    AdminUser,
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_annotator,
    dataset_reviewer,
)
from accord.store.models import Record
from accord.store.ui_state import (
    gold_failures,
    guidelines_seen,
    recent_responses,
    set_guidelines_seen,
)
from accord.store.users import get_user

router = APIRouter(tags=["ui"], route_class=CheckedRoute)


class RecentResponse(BaseModel):
    response_id: int
    record_id: int
    external_id: str
    status: str
    version: int
    updated_at: datetime
    preview: str


class GuidelinesSeen(BaseModel):
    version: int = Field(ge=0)
    stored: bool = True


class GoldFailure(BaseModel):
    response_id: int
    record_id: int
    external_id: str
    user: str
    gold_correct: float
    review_state: str | None


class SettingsText(BaseModel):
    text: str = Field(max_length=1_000_000)


def _preview(record: Record, limit: int = 90) -> str:
    """The start of the record's first textual field, for a list entry."""
    for value in record.fields.values():
        if isinstance(value, str) and value.strip():
            text = value
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            text = str(value[0].get("content", ""))
        else:
            continue
        text = " ".join(text.split())
        return text if len(text) <= limit else text[:limit - 1] + "…"
    return ""


@router.get("/datasets/{name}/my/responses", response_model=list[RecentResponse])
def my_responses(ctx: Annotated[DatasetCtx, Depends(dataset_annotator)], session: ReadSession,
                 limit: Annotated[int, Query(ge=1, le=200)] = 20,
                 before: Annotated[datetime | None, Query(
                     description="cursor: the updated_at of the last entry seen")] = None
                 ) -> list[RecentResponse]:
    """The caller's own responses in this dataset, most recently changed first (to go back
    to a previous record)."""
    rows = recent_responses(session, ctx.dataset.id, ctx.user.id, limit=limit,
                            before_updated=before)
    return [RecentResponse(response_id=r.id, record_id=rec.id, external_id=rec.external_id,
                           status=r.status, version=r.version, updated_at=r.updated_at,
                           preview=_preview(rec)) for r, rec in rows]


@router.get("/datasets/{name}/guidelines/seen", response_model=GuidelinesSeen)
def get_seen(ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
             session: ReadSession) -> GuidelinesSeen:
    """The guidelines version the caller last acknowledged (0: never). ``stored`` is false
    for admins who are not members: the UI then remembers it in the browser."""
    seen = guidelines_seen(session, ctx.dataset.id, ctx.user.id)
    return GuidelinesSeen(version=seen or 0, stored=seen is not None)


@router.put("/datasets/{name}/guidelines/seen", response_model=GuidelinesSeen)
def put_seen(body: GuidelinesSeen, ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
             session: WriteSession) -> GuidelinesSeen:
    """Acknowledge having read guidelines ``version`` (at most the current version)."""
    if body.version > ctx.dataset.settings_version:
        raise InputError(f"version {body.version} does not exist; the current version is "
                         f"{ctx.dataset.settings_version}", field="version")
    stored = set_guidelines_seen(session, ctx.dataset.id, ctx.user.id, body.version)
    return GuidelinesSeen(version=body.version, stored=stored)


@router.get("/datasets/{name}/review/gold-failures", response_model=list[GoldFailure])
def review_gold_failures(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
                         session: ReadSession, annotator: str | None = None,
                         include_reviewed: bool = False,
                         after: Annotated[int, Query(ge=0, description="response-id cursor")]
                         = 0,
                         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[GoldFailure]:
    """Submitted answers to gold records that missed a gold answer (unreviewed first by
    default), oldest first: a review queue."""
    annotator_id = get_user(session, annotator).id if annotator else None
    rows = gold_failures(session, ctx.dataset.id, annotator_id=annotator_id,
                         include_reviewed=include_reviewed, after_id=after, limit=limit)
    return [GoldFailure(response_id=r.id, record_id=rec.id, external_id=rec.external_id,
                        user=user, gold_correct=r.gold_correct or 0.0,
                        review_state=r.review_state) for r, rec, user in rows]


@router.post("/settings/validate")
def validate_settings(body: SettingsText, _: AdminUser) -> dict[str, Any]:
    """Parse settings given as YAML or JSON text; return them normalized (422 lists every
    problem with its path)."""
    return {"settings": settings_from_text(body.text).to_dict()}
