"""Property: whatever an annotator does (take, submit, skip, let leases expire), the records
they submitted plus the ones they hold never exceed their quota, and they are refused only
when they really are at the quota."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from accord.schema import parse_settings
from accord.store import make_engine, upgrade, write_scope
from accord.store.datasets import add_member, create_dataset, get_dataset, settings_of
from accord.store.models import Lease, Record, Response, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user, get_user
from accord.workflow import save_response
from accord.workflow.workforce import hand_out

_names = itertools.count()
OPS = st.lists(st.sampled_from(["next", "submit", "skip", "expire"]), min_size=1, max_size=25)


def _usage(s, ds_id, user_id, now):  # type: ignore[no-untyped-def]
    submitted = s.scalar(select(func.count()).select_from(Response).where(
        Response.dataset_id == ds_id, Response.user_id == user_id,
        Response.status == "submitted"))
    held = s.scalar(select(func.count()).select_from(Lease).where(
        Lease.dataset_id == ds_id, Lease.user_id == user_id, Lease.counted,
        Lease.expires_at > now))
    return submitted + held


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quota=st.integers(1, 4), ops=OPS)
def test_quota_is_never_exceeded(tmp_path, quota, ops):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(engine)
    name = f"d{next(_names)}"
    with write_scope(engine) as s:
        ds = create_dataset(s, name, parse_settings({
            "fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
            "distribution": {"overlap": 1, "lease_seconds": 60},
            "assignment": {"quota": quota}}))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": "x"}, {}) for i in range(8)],
                       stamp=utcnow())
        add_member(s, ds, create_user(s, f"u-{name}", "annotator"))
    now = utcnow()
    held: int | None = None
    for op in ops:
        with write_scope(engine) as s:
            ds = get_dataset(s, name)
            user = get_user(s, f"u-{name}")
            if op == "next":
                out = hand_out(s, ds, settings_of(ds), user, now=now)
                held = None if out.record is None else out.record.id
                if out.record is None:
                    used = _usage(s, ds.id, user.id, now)
                    assert out.reason in ("quota_reached", "no_records")
                    if out.reason == "quota_reached":
                        assert used == quota
            elif op in ("submit", "skip") and held is not None:
                status = "submitted" if op == "submit" else "discarded"
                save_response(s, ds, settings_of(ds), s.get(Record, held), user,
                              {"y": "a"} if op == "submit" else None, status=status, now=now)
                held = None
            elif op == "expire":
                now += timedelta(seconds=120)
                held = None
            assert _usage(s, ds.id, user.id, now) <= quota
    engine.dispose()
