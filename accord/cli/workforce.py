"""``accord workforce status|unpause|quota|check DATASET`` and ``accord timesheet DATASET``."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["app", "register"]

app = typer.Typer(help="Annotator onboarding, pauses and quotas.", no_args_is_help=True)


def _when(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@app.command("status")
def status(dataset: str, db: DbOption = None) -> None:
    """Every member's onboarding phase, score, pause (with the reason) and quota use."""
    from rich.table import Table

    from accord.store.datasets import get_dataset, settings_of
    from accord.store.engine import session_scope
    from accord.store.workforce import workforce_members
    from accord.workflow.quotas import quota_of

    engine = open_store(db)
    table = Table("user", "role", "phase", "score", "passed", "retry at", "paused", "reason",
                  "used / quota")
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        for m, u in workforce_members(session, ds.id):
            quota = quota_of(settings, m)
            table.add_row(u.name, u.role, m.phase or "-",
                          "-" if m.last_score is None else f"{m.last_score:.2f}",
                          _when(m.passed_at), _when(m.retry_at), "paused" if m.paused else "-",
                          m.pause_reason or "-",
                          f"{'-' if (m.claimed or 0) < 0 else m.claimed} / "
                          f"{quota if quota is not None else '-'}")
    console.print(table)


def _change(dataset: str, user: str, db: str | None, what: str, **changes: object) -> None:
    from accord.errors import NotFound
    from accord.store.audit import record_event
    from accord.store.datasets import get_dataset
    from accord.store.engine import write_scope
    from accord.store.models import utcnow
    from accord.store.users import get_user
    from accord.store.workforce import membership, recount_quota
    from accord.workflow.monitoring import unpause

    engine = open_store(db)
    with write_scope(engine) as session:
        ds = get_dataset(session, dataset)
        target = get_user(session, user)
        m = membership(session, ds.id, target.id)
        if m is None:
            raise NotFound(f"{user!r} is not a member of dataset {dataset!r}")
        if what == "unpause":
            if m.paused:
                unpause(session, ds, m)
                console.print(f"unpaused {user} in {dataset}", markup=False)
            else:
                console.print(f"{user} is not paused in {dataset}", markup=False)
            return
        m.quota = changes["quota"]  # type: ignore[assignment]
        recount_quota(session, ds.id, m.user_id, utcnow())  # count the work done so far
        record_event(session, "workforce.update", "user", m.user_id, dataset_id=ds.id,
                     details={"quota": m.quota, "via": "cli"})
        shown = "the dataset default" if m.quota is None else str(m.quota)
        console.print(f"quota of {user} in {dataset}: {shown}", markup=False)


@app.command("unpause")
def unpause_cmd(dataset: str, user: str, db: DbOption = None) -> None:
    """Resume a paused annotator (the rolling checks start again from now)."""
    _change(dataset, user, db, "unpause")


@app.command("quota")
def quota_cmd(dataset: str, user: str,
              quota: Annotated[int | None, typer.Argument(
                  min=1, help="Records; omit to fall back to the dataset default.")] = None,
              db: DbOption = None) -> None:
    """Set (or clear) an annotator's quota override."""
    _change(dataset, user, db, "quota", quota=quota)


@app.command("check")
def check_cmd(dataset: str, db: DbOption = None) -> None:
    """Run the monitoring checks now and pause whoever falls below a threshold."""
    from accord.store.datasets import get_dataset, settings_of
    from accord.store.engine import write_scope
    from accord.store.workforce import workforce_members
    from accord.workflow.monitoring import check_member

    engine = open_store(db)
    paused = 0
    with write_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        for m, u in workforce_members(session, ds.id):
            if u.role != "annotator":
                continue
            reason = check_member(session, ds, settings, m)
            if reason is not None:
                paused += 1
                console.print(f"paused {u.name}: {reason}", markup=False)
    console.print(f"checked {dataset}: {paused} annotator(s) paused", markup=False)


def timesheet_cmd(
    dataset: str,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write CSV here (default: a table).")] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO date/time (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this ISO date/time (UTC).")] = None,
    db: DbOption = None,
) -> None:
    """Time report per annotator and day: records, active seconds, median seconds per
    record."""
    from rich.table import Table

    from accord.atomic import atomic_output
    from accord.store.datasets import get_dataset
    from accord.store.engine import session_scope
    from accord.workflow.timesheet import COLUMNS, timesheet, timesheet_csv

    bounds = {name: _parse_when(value, name) for name, value in
              (("since", since), ("until", until))}
    engine = open_store(db)
    with session_scope(engine) as session:
        rows = timesheet(session, get_dataset(session, dataset), **bounds)
    if output is not None:
        with atomic_output(output) as fh:
            fh.write(timesheet_csv(rows).encode("utf-8"))
    else:
        table = Table(*COLUMNS)
        for r in rows:
            table.add_row(*(str(r[c]) for c in COLUMNS))
        console.print(table)
    users = len({r["user"] for r in rows})
    where = f" to {output}" if output is not None else ""
    console.print(f"{len(rows)} row(s), {users} annotator(s), "
                  f"{sum(r['records'] for r in rows)} records{where}", markup=False)


def _parse_when(value: str | None, name: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    from accord.errors import InputError

    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"expected an ISO date or date-time, got {value!r}",
                         field=f"--{name}") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def register(root: typer.Typer) -> None:
    """Add ``workforce`` and ``timesheet`` to the root CLI."""
    root.add_typer(app, name="workforce")
    root.command("timesheet")(timesheet_cmd)
