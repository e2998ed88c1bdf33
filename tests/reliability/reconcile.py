"""Recompute every record's counters from the responses and leases tables and compare.

The distribution queue keeps denormalized counters on ``records`` (see
accord/store/queue.py): ``claims`` = counted leases + submitted responses,
``submitted`` = submitted responses, ``status`` = completed iff submitted >=
overlap, ``queue_state`` from those. After any crash, and after any amount of
concurrency, they must agree exactly with the rows they summarize; this module
is the oracle the reliability tests use.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope
from accord.store.models import (
    QUEUE_DONE,
    QUEUE_FULL,
    QUEUE_GOLD,
    QUEUE_OPEN,
    Lease,
    Record,
    Response,
    ResponseHistory,
)


@dataclass
class Reconciliation:
    """Totals and every disagreement found (``problems`` empty means consistent)."""

    records: int = 0
    submitted: int = 0
    leases: int = 0
    completed: int = 0
    over_assigned: int = 0
    problems: list[str] = field(default_factory=list)

    def assert_ok(self) -> None:
        assert not self.problems, "\n".join(self.problems[:40])


def reconcile(engine: Engine, dataset: str, *, allow_over_assignment: bool = False
              ) -> Reconciliation:
    """Compare ``records`` counters of ``dataset`` with ``responses`` and ``leases``.

    Checks, per record: ``submitted`` = submitted responses; ``claims`` =
    counted leases + submitted responses; ``status``; ``queue_state``; no
    lease held by a user who already submitted or discarded; ``claims <=
    overlap`` unless ``allow_over_assignment``. Per response: its history
    has exactly ``version`` rows, numbered 1..version. Duplicate (record,
    user) responses are reported too (the unique constraint should make them
    impossible).
    """
    out = Reconciliation()
    with session_scope(engine) as s:
        ds = get_dataset(s, dataset)
        overlap = settings_of(ds).distribution.overlap
        sub = Counter(dict(s.execute(
            select(Response.record_id, func.count()).where(
                Response.dataset_id == ds.id, Response.status == "submitted")
            .group_by(Response.record_id)).all()))
        counted = Counter(dict(s.execute(
            select(Lease.record_id, func.count()).where(
                Lease.dataset_id == ds.id, Lease.counted.is_(True))
            .group_by(Lease.record_id)).all()))
        out.leases = sum(counted.values())
        for rid, users in s.execute(
                select(Response.record_id, func.count()).where(Response.dataset_id == ds.id)
                .group_by(Response.record_id, Response.user_id).having(func.count() > 1)).all():
            out.problems.append(f"record {rid}: {users} responses by one user")
        finished = s.execute(select(Lease.record_id, Lease.user_id).join(
            Response, (Response.record_id == Lease.record_id)
            & (Response.user_id == Lease.user_id)).where(
            Lease.dataset_id == ds.id, Response.status.in_(("submitted", "discarded")))).all()
        for rid, uid in finished:
            out.problems.append(f"record {rid}: user {uid} holds a lease after answering")
        rows = s.execute(select(Record.id, Record.claims, Record.submitted, Record.status,
                                Record.queue_state, Record.is_gold)
                         .where(Record.dataset_id == ds.id)).all()
        for rid, claims, submitted, status, state, gold in rows:
            out.records += 1
            _check_record(out, rid, claims, submitted, status, state, bool(gold), overlap,
                          sub[rid], counted[rid], allow_over_assignment)
        out.submitted = sum(sub.values())
        history = s.execute(
            select(Response.id, Response.version, func.count(ResponseHistory.id),
                   func.min(ResponseHistory.version), func.max(ResponseHistory.version))
            .join(ResponseHistory, ResponseHistory.response_id == Response.id, isouter=True)
            .where(Response.dataset_id == ds.id).group_by(Response.id, Response.version)).all()
        for resp_id, version, n, lo, hi in history:
            if n != version or (n and (lo != 1 or hi != version)):
                out.problems.append(f"response {resp_id}: version {version} but history has "
                                    f"{n} rows (versions {lo}..{hi})")
    return out


def _check_record(out: Reconciliation, rid: int, claims: int, submitted: int, status: str,
                  state: int, gold: bool, overlap: int, n_sub: int, n_leases: int,
                  allow_over: bool) -> None:
    if gold:
        if state != QUEUE_GOLD:
            out.problems.append(f"record {rid}: gold with queue_state {state}")
        return
    if submitted != n_sub:
        out.problems.append(f"record {rid}: submitted={submitted}, responses say {n_sub}")
    if claims != n_sub + n_leases:
        out.problems.append(f"record {rid}: claims={claims}, leases+responses say "
                            f"{n_leases}+{n_sub}")
    want_status = "completed" if n_sub >= overlap else "pending"
    if status != want_status:
        out.problems.append(f"record {rid}: status {status!r}, {n_sub} of {overlap} "
                            f"submitted says {want_status!r}")
    out.completed += status == "completed"
    want_state = QUEUE_DONE if n_sub >= overlap else \
        QUEUE_FULL if n_sub + n_leases >= overlap else QUEUE_OPEN
    if state != want_state:
        out.problems.append(f"record {rid}: queue_state {state}, expected {want_state}")
    if n_sub + n_leases > overlap:
        out.over_assigned += 1
        if not allow_over:
            out.problems.append(f"record {rid}: over-assigned: {n_leases} leases + {n_sub} "
                                f"submitted > overlap {overlap}")


def submitted_values(engine: Engine, dataset: str) -> dict[tuple[int, str], dict]:
    """``{(record_id, user name): values}`` of every submitted response."""
    from accord.store.models import User

    with session_scope(engine) as s:
        ds = get_dataset(s, dataset)
        rows = s.execute(select(Response.record_id, User.name, Response.values)
                         .join(User, User.id == Response.user_id)
                         .where(Response.dataset_id == ds.id, Response.status == "submitted"))
        return {(rid, name): values for rid, name, values in rows}
