"""Datasets: create from settings, update settings (new version), guideline versions, members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.schema import parse_settings
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    AdminUser,
    CurrentUser,
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_admin,
    dataset_reader,
)
from accord.server.schemas import (
    DatasetCreate,
    DatasetPublic,
    MemberChange,
    SettingsVersionPublic,
    UserPublic,
)
from accord.store.audit import record_event
from accord.store.datasets import (
    add_member,
    create_dataset,
    dataset_counts,
    delete_dataset,
    get_dataset,
    list_datasets,
    members,
    remove_member,
    settings_data,
    settings_history,
)
from accord.store.models import Dataset
from accord.store.retry import retry_write
from accord.store.users import get_user

router = APIRouter(tags=["datasets"], route_class=CheckedRoute)


def _public(ds: Dataset, counts: dict[str, int] | None = None) -> DatasetPublic:
    return DatasetPublic(id=ds.id, name=ds.name, settings=settings_data(ds.settings),
                         settings_version=ds.settings_version, created_at=ds.created_at,
                         counts=counts)


@router.get("/datasets", response_model=list[DatasetPublic])
def datasets(user: CurrentUser, session: ReadSession) -> list[DatasetPublic]:
    """Datasets the caller can see (admins: all; others: where they are members)."""
    return [_public(ds, dataset_counts(session, ds)) for ds in list_datasets(session, user=user)]


@router.post("/datasets", response_model=DatasetPublic, status_code=201)
def create(body: DatasetCreate, admin: AdminUser, session: WriteSession) -> DatasetPublic:
    settings = parse_settings(body.settings)
    ds = create_dataset(session, body.name, settings, user_id=admin.id)
    record_event(session, "dataset.create", "dataset", ds.id, user_id=admin.id, dataset_id=ds.id)
    return _public(ds)


@router.get("/datasets/{name}", response_model=DatasetPublic)
def show(ctx: Annotated[DatasetCtx, Depends(dataset_reader)],
         session: ReadSession) -> DatasetPublic:
    ds = get_dataset(session, ctx.dataset.id)
    return _public(ds, dataset_counts(session, ds))


@router.put("/datasets/{name}/settings", response_model=DatasetPublic)
def put_settings(body: dict, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                 session: WriteSession) -> DatasetPublic:
    """Replace the settings; saved as a new version (guidelines are versioned with them)."""
    settings = parse_settings(body)
    ds = get_dataset(session, ctx.dataset.id)
    from accord.workflow.settings_edit import save_settings

    version = save_settings(session, ds, settings, user_id=ctx.user.id)
    record_event(session, "dataset.settings", "dataset", ds.id, user_id=ctx.user.id,
                 dataset_id=ds.id, details={"version": version.version})
    return _public(ds)


class LabelRename(BaseModel):
    question: str = Field(min_length=1, max_length=64)
    mapping: dict[str, str] = Field(description="{old label: new label}; a new label that "
                                    "exists already merges the two")


@router.post("/datasets/{name}/settings/rename-labels")
def rename_labels_route(body: LabelRename, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                        session: WriteSession) -> dict[str, Any]:
    """Rename labels of a question: the settings are saved as a new version and every
    stored answer (responses, fixes, suggestions, gold, consensus) is rewritten in the same
    transaction."""
    from accord.workflow.settings_edit import rename_labels

    ds = get_dataset(session, ctx.dataset.id)
    out = rename_labels(session, ds, ctx.settings, body.question, body.mapping,
                        user_id=ctx.user.id)
    record_event(session, "dataset.rename_labels", "dataset", ds.id, user_id=ctx.user.id,
                 dataset_id=ds.id, details={"question": body.question, "mapping": body.mapping,
                                            **out})
    return out


@router.get("/datasets/{name}/settings/versions", response_model=list[SettingsVersionPublic])
def versions(ctx: Annotated[DatasetCtx, Depends(dataset_reader)],
             session: ReadSession) -> list[SettingsVersionPublic]:
    ds = get_dataset(session, ctx.dataset.id)
    return [SettingsVersionPublic.model_validate(v).model_copy(
        update={"settings": settings_data(v.settings)}) for v in settings_history(session, ds)]


@router.delete("/datasets/{name}", status_code=204)
def delete(ctx: Annotated[DatasetCtx, Depends(dataset_admin)], request: Request) -> None:
    """Delete the dataset with its records and responses. On PostgreSQL a delete that
    deadlocks with annotators at work is retried (accord/store/retry.py)."""

    def work(session: Session) -> None:
        record_event(session, "dataset.delete", "dataset", ctx.dataset.id,
                     user_id=ctx.user.id, details={"name": ctx.dataset.name})
        delete_dataset(session, ctx.dataset.name)

    retry_write(request.app.state.engine, work)


@router.get("/datasets/{name}/members", response_model=list[UserPublic])
def list_members(ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                 session: ReadSession) -> list[UserPublic]:
    ds = get_dataset(session, ctx.dataset.id)
    return [UserPublic.model_validate(u) for u in members(session, ds)]


@router.post("/datasets/{name}/members", response_model=list[UserPublic])
def add(body: MemberChange, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
        session: WriteSession) -> list[UserPublic]:
    ds = get_dataset(session, ctx.dataset.id)
    user = get_user(session, body.user)
    add_member(session, ds, user)
    record_event(session, "member.add", "dataset", ds.id, user_id=ctx.user.id, dataset_id=ds.id,
                 details={"user": user.name})
    return [UserPublic.model_validate(u) for u in members(session, ds)]


@router.delete("/datasets/{name}/members/{user}", status_code=204)
def remove(user: str, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
           session: WriteSession) -> None:
    ds = get_dataset(session, ctx.dataset.id)
    remove_member(session, ds, get_user(session, user))
    record_event(session, "member.remove", "dataset", ds.id, user_id=ctx.user.id,
                 dataset_id=ds.id, details={"user": user})
