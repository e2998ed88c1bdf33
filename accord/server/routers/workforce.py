"""The workforce: the caller's onboarding status and guidelines acknowledgement; for admins,
the members' phase, pauses and quotas, unpausing, on-demand checks; the time report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from accord.errors import NotFound
from accord.server.attachment import attachment
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_admin,
    dataset_annotator,
    dataset_reviewer,
)
from accord.store.audit import record_event
from accord.store.datasets import get_dataset
from accord.store.models import utcnow
from accord.store.users import get_user
from accord.store.workforce import membership, recount_quota, workforce_members
from accord.workflow.monitoring import check_member, pause, unpause
from accord.workflow.onboarding import acknowledge_guidelines
from accord.workflow.quotas import quota_of
from accord.workflow.timesheet import timesheet, timesheet_csv
from accord.workflow.workforce import onboarding_status

router = APIRouter(tags=["workforce"], route_class=CheckedRoute)


class OnboardingStatus(BaseModel):
    """Where the caller stands; ``state`` is ``ok`` or the reason they get no record."""

    state: str
    message: str
    phase: str | None
    done: int
    needed: int
    retry_at: datetime | None
    last_score: float | None
    pause_reason: str | None
    guidelines_version: int
    guidelines_seen: int
    member: bool
    quota: int | None
    used: int | None


class MemberStanding(BaseModel):
    user: str
    role: str
    attributes: dict[str, Any] | None
    phase: str | None
    attempts: int
    last_score: float | None
    passed_at: datetime | None
    failed_at: datetime | None
    retry_at: datetime | None
    paused: bool
    pause_reason: str | None
    paused_at: datetime | None
    guidelines_seen: int
    quota: int | None
    quota_override: int | None
    used: int | None  # records counted against the quota; null while no quota applies


class MemberChange(BaseModel):
    """Admin changes to a member; omitted keys stay as they are."""

    quota: int | None = Field(default=None, ge=1, le=100_000_000,
                              description="quota override; null: the dataset default")
    paused: bool | None = None
    reason: str | None = Field(default=None, max_length=2000)
    reset_onboarding: bool = Field(default=False,
                                   description="start onboarding again (clears a failure)")


class CheckResult(BaseModel):
    user: str
    reason: str


def _status(session, ctx: DatasetCtx) -> OnboardingStatus:  # type: ignore[no-untyped-def]
    ds = get_dataset(session, ctx.dataset.id)
    return OnboardingStatus(**onboarding_status(session, ds, ctx.settings, ctx.user))


@router.get("/datasets/{name}/onboarding", response_model=OnboardingStatus)
def status(ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
           session: WriteSession) -> OnboardingStatus:
    """The caller's onboarding state: the reason the next-record call hands out nothing
    (``needs_guidelines_ack``, ``training``, ``qualification``, ``qualification_failed``
    with ``retry_at``, ``paused``, ...) with a message to show, progress and quota."""
    return _status(session, ctx)


@router.post("/datasets/{name}/onboarding/acknowledge", response_model=OnboardingStatus)
def acknowledge(ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
                session: WriteSession) -> OnboardingStatus:
    """Acknowledge the dataset's current guidelines."""
    ds = get_dataset(session, ctx.dataset.id)
    if acknowledge_guidelines(session, ds, ctx.user):
        record_event(session, "guidelines.acknowledge", "dataset", ds.id, user_id=ctx.user.id,
                     dataset_id=ds.id, details={"version": ds.settings_version})
    return _status(session, ctx)


@router.get("/datasets/{name}/workforce", response_model=list[MemberStanding])
def members(ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
            session: ReadSession) -> list[MemberStanding]:
    """Every member's onboarding phase, pass/fail, pause (with the reason) and quota use."""
    out = []
    for m, u in workforce_members(session, ctx.dataset.id):
        out.append(MemberStanding(
            user=u.name, role=u.role, attributes=u.attributes, phase=m.phase,
            attempts=m.attempts or 0, last_score=m.last_score, passed_at=m.passed_at,
            failed_at=m.failed_at, retry_at=m.retry_at, paused=bool(m.paused),
            pause_reason=m.pause_reason, paused_at=m.paused_at,
            guidelines_seen=m.guidelines_seen or 0, quota=quota_of(ctx.settings, m),
            quota_override=m.quota, used=None if (m.claimed or 0) < 0 else m.claimed))
    return out


def _member(session, ctx: DatasetCtx, user: str):  # type: ignore[no-untyped-def]
    target = get_user(session, user)
    m = membership(session, ctx.dataset.id, target.id)
    if m is None:
        raise NotFound(f"{user!r} is not a member of dataset {ctx.dataset.name!r}")
    return get_dataset(session, ctx.dataset.id), m


@router.patch("/datasets/{name}/workforce/{user}", response_model=list[MemberStanding])
def change_member(user: str, body: MemberChange,
                  ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                  session: WriteSession) -> list[MemberStanding]:
    """Set or clear a member's quota override, pause or unpause them, or restart their
    onboarding."""
    ds, m = _member(session, ctx, user)
    changes: dict[str, Any] = {}
    if "quota" in body.model_fields_set:
        m.quota = body.quota
        changes["quota"] = body.quota
        recount_quota(session, ds.id, m.user_id, utcnow())  # count the work done so far
    if body.paused is True and not m.paused:
        pause(session, ds, m, body.reason or "paused by an admin", by=ctx.user.id)
    elif body.paused is False and m.paused:
        unpause(session, ds, m, by=ctx.user.id)
    if body.reset_onboarding:
        m.phase = m.phase_started_at = m.retry_at = None
        changes["reset_onboarding"] = True
    if changes:
        record_event(session, "workforce.update", "user", m.user_id, user_id=ctx.user.id,
                     dataset_id=ds.id, details=changes)
    session.flush()
    return members(ctx, session)


@router.post("/datasets/{name}/workforce/{user}/unpause", response_model=list[MemberStanding])
def unpause_member(user: str, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                   session: WriteSession) -> list[MemberStanding]:
    """Resume a paused member; the rolling checks start again from now."""
    ds, m = _member(session, ctx, user)
    if m.paused:
        unpause(session, ds, m, by=ctx.user.id)
    return members(ctx, session)


@router.post("/datasets/{name}/workforce/check", response_model=list[CheckResult])
def check(ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
          session: WriteSession) -> list[CheckResult]:
    """Run the monitoring checks (gold accuracy, attention checks, agreement with the
    consensus) for every member now; returns who was paused."""
    ds = get_dataset(session, ctx.dataset.id)
    out = []
    for m, u in workforce_members(session, ds.id):
        if u.role != "annotator":
            continue
        reason = check_member(session, ds, ctx.settings, m)
        if reason is not None:
            out.append(CheckResult(user=u.name, reason=reason))
    return out


@router.get("/datasets/{name}/timesheet", response_model=None)
def time_report(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
                format: Annotated[Literal["json", "csv"], Query()] = "json",
                since: datetime | None = None,
                until: datetime | None = None) -> dict[str, Any] | PlainTextResponse:
    """Per annotator and UTC day: records submitted, active seconds (sum of time spent) and
    median seconds per record; ``?format=csv`` for a CSV file."""
    rows = timesheet(session, get_dataset(session, ctx.dataset.id), since=since, until=until)
    if format == "csv":
        return PlainTextResponse(timesheet_csv(rows), media_type="text/csv",
                                 headers=attachment(f"{ctx.dataset.name}-timesheet.csv"))
    return {"dataset": ctx.dataset.name, "rows": rows}
