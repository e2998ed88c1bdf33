"""A realistic, populated accord database through the library, and a row-by-row dump
of every table for comparing two databases."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Engine, MetaData, select

from accord.io.importer import import_rows
from accord.schema import parse_settings
from accord.store.aggregates import replace_aggregates
from accord.store.assist_queries import SuggestionItem, put_suggestions
from accord.store.audit import record_event
from accord.store.datasets import add_member, create_dataset, get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.models import Record, Response, utcnow
from accord.store.users import create_token, create_user, get_user
from accord.workflow import next_record, save_response
from accord.workflow.gold import mark_gold
from accord.workflow.review import review_response

SETTINGS = {
    "guidelines": "Label the sentiment. Ünïcode ✓",
    "fields": [{"name": "text", "type": "text"}, {"name": "chat", "type": "chat",
                                                  "required": False}],
    "questions": [{"name": "label", "type": "label", "labels": ["pos", "neg"],
                   "required": True},
                  {"name": "spans", "type": "span", "field": "text", "labels": ["X"]},
                  {"name": "note", "type": "text"}],
    "distribution": {"overlap": 2, "lease_seconds": 600},
}


def populate(engine: Engine, n_records: int = 120) -> None:
    """Users (with passwords and tokens), a dataset with versions and members, records
    with metadata and chat fields, submitted/draft/discarded responses with history,
    reviews, gold, suggestions, aggregates, live leases and audit entries."""
    with write_scope(engine) as s:
        admin = create_user(s, "admin", "admin", "Admin-Pa55")
        create_token(s, admin)
        ds = create_dataset(s, "d", parse_settings(SETTINGS), user_id=admin.id)
        for i in range(4):
            user = create_user(s, f"ann{i}", "annotator", f"Ann-Pa55-{i}")
            add_member(s, ds, user)
            create_token(s, user, name=f"laptop {i}")
        create_user(s, "rev", "reviewer", "Rev-Pa55-x")
        record_event(s, "dataset.create", "dataset", ds.id, user_id=admin.id, dataset_id=ds.id)
    import_rows(engine, "d", ((i + 1, {
        "id": f"r{i}", "text": f"record {i}: snowman ☃ and quotes ' \"",
        "chat": [{"role": "user", "content": f"hi {i}"}] if i % 3 == 0 else None,
        "source": ["web", "mail"][i % 2], "score": i / 7}) for i in range(n_records)))
    now = utcnow()
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        settings = settings_of(ds)
        for i in range(4):
            user = get_user(s, f"ann{i}")
            for k in range(n_records // 3):
                rec = next_record(s, ds, settings, user, now=now)
                if rec is None:
                    break
                status = "submitted" if k % 5 else ("draft" if k % 2 else "discarded")
                values = {"label": ["pos", "neg"][(rec.id + i) % 2], "note": f"{i}/{k}",
                          "spans": [{"start": 0, "end": 6, "label": "X"}]}
                resp = save_response(s, ds, settings, rec, user, values, status=status,
                                     time_spent=1.5, now=now)
                if status == "submitted" and k % 4 == 0:
                    save_response(s, ds, settings, rec, user, {**values, "note": "edited"},
                                  status="submitted", version=resp.version, now=now)
            next_record(s, ds, settings, user, now=now)  # a live lease left open
        reviewer = get_user(s, "rev")
        submitted = s.scalars(select(Response.id).where(Response.status == "submitted")
                              .order_by(Response.id).limit(6)).all()
        for k, rid in enumerate(submitted):
            review_response(s, ds, settings, rid, reviewer, "accept" if k % 2 else "reject",
                            reason=None if k % 2 else "wrong label", now=now)
        mark_gold(s, settings, s.get(Record, n_records), {"label": "pos"})
        put_suggestions(s, "model-v1", [SuggestionItem(r, "label", "pos", 0.25 + r / 1000)
                                        for r in range(1, 30)], now)
        replace_aggregates(s, ds.id, "label", [
            {"record_id": r, "value": "pos", "confidence": 0.9, "agreement": 1.0,
             "n_responses": 2} for r in range(1, 10)], "mv", now)


def dump_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (reflected, so alembic_version and any table a migration
    added are included), ordered by all columns."""
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with session_scope(engine) as s:
        for table in meta.sorted_tables:
            rows = s.execute(select(table)).all()
            out[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return out


def _plain(value: Any) -> Any:
    """Datetimes compared as naive UTC (SQLite stores them without an offset)."""
    from datetime import datetime

    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
