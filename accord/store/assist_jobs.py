"""Leases on background model work, one row per dataset and kind (``assist_jobs``).

A worker that wants to retrain (e.g. active learning every N new answers)
calls :func:`claim_job`: one UPDATE that succeeds only when no other worker
holds an unexpired lease and at least ``every`` answers came in since the
last run, so any number of server processes run one job at a time per
dataset. :func:`finish_job` records the answers the run saw and frees the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accord.store.models import AssistJob, Response, User

__all__ = ["claim_job", "count_human_answers", "finish_job", "job_state"]

_jobs = AssistJob.__table__


def count_human_answers(session: Session, dataset_id: int) -> int:
    """Submitted responses of people (not model agents) in the dataset."""
    from accord.store.assist_queries import AGENT_USER_PREFIX

    return int(session.scalar(
        select(func.count()).select_from(Response).join(User, User.id == Response.user_id)
        .where(Response.dataset_id == dataset_id, Response.status == "submitted",
               ~User.name.startswith(AGENT_USER_PREFIX))) or 0)


def claim_job(session: Session, dataset_id: int, kind: str, holder: str, now: datetime, *,
              ttl: float, answers: int, every: int) -> bool:
    """Take the lease when it is free and ``answers - answers_seen >= every``.

    Parameters
    ----------
    session : Session
        Its own short write transaction (commit right after).
    ttl : float
        Seconds the lease is held if the worker dies without finishing.
    answers : int
        The answers counted now; ``every`` how many new ones a run needs.

    Returns
    -------
    bool
        Whether this worker holds the lease now.
    """
    conn = session.connection()
    exists = conn.execute(select(_jobs.c.dataset_id).where(
        _jobs.c.dataset_id == dataset_id, _jobs.c.kind == kind)).first()
    if exists is None:
        try:
            with session.begin_nested():
                conn.execute(_jobs.insert().values(dataset_id=dataset_id, kind=kind,
                                                   answers_seen=0, runs=0))
        except IntegrityError:  # another worker created it first
            pass
    result = conn.execute(
        update(_jobs).where(_jobs.c.dataset_id == dataset_id, _jobs.c.kind == kind,
                            or_(_jobs.c.lease_until.is_(None), _jobs.c.lease_until < now),
                            _jobs.c.answers_seen + every <= answers)
        .values(holder=holder, lease_until=now + timedelta(seconds=ttl)))
    return bool(result.rowcount)


def finish_job(session: Session, dataset_id: int, kind: str, holder: str, *,
               answers_seen: int | None) -> None:
    """Free the lease; ``answers_seen`` (when the run succeeded) becomes the new baseline."""
    values: dict[str, object] = {"holder": None, "lease_until": None}
    if answers_seen is not None:
        values["answers_seen"] = answers_seen
        values["runs"] = _jobs.c.runs + 1
    session.connection().execute(update(_jobs).where(
        _jobs.c.dataset_id == dataset_id, _jobs.c.kind == kind, _jobs.c.holder == holder)
        .values(**values))


def job_state(session: Session, dataset_id: int, kind: str) -> dict[str, object] | None:
    """The job's row as a dict (``None`` before its first claim)."""
    row = session.connection().execute(select(_jobs).where(
        _jobs.c.dataset_id == dataset_id, _jobs.c.kind == kind)).mappings().first()
    return None if row is None else dict(row)
