"""Helpers for the export tests: datasets answered through the real workflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accord.io.exporters import ExportOptions, export_dataset
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import add_member, create_dataset, get_dataset, settings_of
from accord.store.models import User, utcnow
from accord.store.records import RecordRow, get_record_by_external_id, upsert_records
from accord.store.users import create_user
from accord.workflow import review_response, save_response
from accord.workflow.gold import mark_gold

PAIRWISE = {
    "guidelines": "Pick the better answer.",
    "fields": [{"name": "prompt", "type": "text"}, {"name": "response_a", "type": "text"},
               {"name": "response_b", "type": "text"}],
    "questions": [{"name": "preference", "type": "pairwise",
                   "fields": ["response_a", "response_b"]},
                  {"name": "quality", "type": "rating", "min": 1, "max": 5},
                  {"name": "rewrite", "type": "text", "field": "response_a"}],
    "distribution": {"overlap": 3},
}


def setup(engine: Any, name: str, settings: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Create a dataset and its records: rows are ``{"id", **fields, "meta": {...}}``."""
    with write_scope(engine) as s:
        ds = create_dataset(s, name, parse_settings(settings))
        upsert_records(s, ds.id, [RecordRow(str(r["id"]), {k: v for k, v in r.items()
                                                           if k not in ("id", "meta")},
                                            r.get("meta", {})) for r in rows], stamp=utcnow())


def big_text_dataset(url: str, n: int) -> None:
    """Dataset ``big`` of ``n`` unanswered records of about 4 KB of text each (about 4 KB
    of JSONL per record: streaming tests that need many pages), on a migrated database."""
    from accord.store import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    settings = parse_settings({"fields": [{"name": "text", "type": "text"}],
                               "questions": [{"name": "ok", "type": "label",
                                              "labels": ["yes", "no"]}]})
    with write_scope(engine) as s:
        ds = create_dataset(s, "big", settings)
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"{i} " + "x" * 4000}, {})
                                  for i in range(n)], stamp=utcnow())
    engine.dispose()


def _user(s: Any, name: str, role: str) -> User:
    from sqlalchemy import select

    user = s.scalar(select(User).where(User.name == name))
    return user if user is not None else create_user(s, name, role)


def submit(engine: Any, name: str, external_id: str, user: str, values: dict[str, Any],
           status: str = "submitted") -> int:
    """Save a response through accord.workflow; returns its id."""
    with write_scope(engine) as s:
        ds = get_dataset(s, name)
        u = _user(s, user, "annotator")
        add_member(s, ds, u)
        rec = get_record_by_external_id(s, ds.id, external_id)
        return save_response(s, ds, settings_of(ds), rec, u, values, status=status).id


def review(engine: Any, name: str, response_id: int, verdict: str, *,
           values: dict[str, Any] | None = None, reason: str | None = None,
           comment: str | None = None) -> None:
    with write_scope(engine) as s:
        ds = get_dataset(s, name)
        reviewer = _user(s, "rev", "reviewer")
        review_response(s, ds, settings_of(ds), response_id, reviewer, verdict, values=values,
                        reason=reason, comment=comment)


def gold(engine: Any, name: str, external_id: str, values: dict[str, Any]) -> None:
    with write_scope(engine) as s:
        ds = get_dataset(s, name)
        mark_gold(s, settings_of(ds), get_record_by_external_id(s, ds.id, external_id), values)


def export(engine: Any, name: str, out: Path, fmt: str, **options: Any) -> Any:
    return export_dataset(engine, name, out, ExportOptions(fmt=fmt, **options))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def pairwise_dataset(engine: Any, name: str = "pw", n: int = 12) -> None:
    """n records; u1 and u2 prefer A on even records, B on odd ones; u3 always says B."""
    setup(engine, name, PAIRWISE, [{"id": f"r{i}", "prompt": f"Question {i}?",
                                    "response_a": f"good answer {i}",
                                    "response_b": f"bad answer {i}", "meta": {"source": "t.jsonl"}}
                                   for i in range(n)])
    for i in range(n):
        side = "a" if i % 2 == 0 else "b"
        for user, choice, strength in (("u1", side, 3), ("u2", side, 2), ("u3", "b", 1)):
            submit(engine, name, f"r{i}", user, {
                "preference": {"choice": choice, "strength": strength},
                "quality": 5 if choice == "a" else 2, "rewrite": f"{user} rewrote {i}"})


def session(engine: Any) -> Any:
    return session_scope(engine)
