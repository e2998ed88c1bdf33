"""A constructed dataset for the dataset-health report, written through the real store.

60 records with metadata ``source`` (web/mail/forum) and ``lang`` (en for the
first 40, fr after, none for every 10th record), four annotators with
attributes (locale en-GB/en-US, expertise lists), three answers per record
and a model suggestion per record. Labels depend on the source on purpose.
The same answers are returned as plain Python rows so tests can recompute
every number independently (scipy, :mod:`accord.quality`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from accord.schema import parse_settings
from accord.store.datasets import create_dataset
from accord.store.engine import write_scope
from accord.store.imported_responses import (
    ImportedSuggestion,
    ensure_users,
    insert_submitted_fast,
    recount_records,
    write_suggestions,
)
from accord.store.models import Record, User, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import set_user_attributes

SETTINGS = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "sentiment", "type": "label", "labels": ["pos", "neg", "neutral"]},
        {"name": "topics", "type": "multi_label", "labels": ["price", "service"]},
        {"name": "stars", "type": "rating", "min": 1, "max": 5},
        {"name": "note", "type": "text", "required": False},
    ],
    "distribution": {"overlap": 3},
}
SOURCES = ["web", "mail", "forum"]
ATTRIBUTES = {"ann0": {"locale": "en-GB", "expertise": ["retail"]},
              "ann1": {"locale": "en-GB", "expertise": ["law", "retail"]},
              "ann2": {"locale": "en-US"},
              "ann3": {"locale": "en-US", "expertise": ["retail"]}}


def record_meta(i: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"source": SOURCES[i % 3]}
    if i % 10:
        meta["lang"] = "en" if i < 40 else "fr"
    return meta


def answer(i: int, k: int) -> dict[str, Any]:
    """Annotator ``k``'s answer to record ``i``: web leans pos, mail neg, forum mixed."""
    source = SOURCES[i % 3]
    if source == "web":
        sentiment = "pos" if (i + k) % 5 else "neg"
    elif source == "mail":
        sentiment = "neg" if (i * k) % 4 != 1 else "neutral"
    else:
        sentiment = ["pos", "neg", "neutral"][(i + 2 * k) % 3]
    topics = ["price"] if (i + k) % 2 else ["price", "service"]
    if i % 7 == 0:
        topics = []
    return {"sentiment": sentiment, "topics": topics, "stars": 1 + (i + k) % 5 if k != 2
            else 1 + i % 5, "note": f"<b>{i}</b>"}


def annotators_of(i: int) -> list[int]:
    """Three of the four annotators per record."""
    return [k for k in range(4) if k != i % 4]


def suggestion(i: int) -> str:
    return "pos" if SOURCES[i % 3] != "mail" else ("neg" if i % 2 else "pos")


def build(engine: Engine, name: str = "health", n: int = 60) -> list[dict[str, Any]]:
    """Create the dataset; return its answers as rows ``{record, annotator, ...values}``."""
    stamp = utcnow()
    rows: list[dict[str, Any]] = []
    with write_scope(engine) as s:
        ds = create_dataset(s, name, parse_settings(SETTINGS))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"text {i}"}, record_meta(i))
                                  for i in range(n)], stamp=stamp)
        users = ensure_users(s, list(ATTRIBUTES))
        for user_name, attrs in ATTRIBUTES.items():
            set_user_attributes(s, s.get(User, users[user_name]), attrs)
        ids = s.scalars(select(Record.id).where(Record.dataset_id == ds.id)
                        .order_by(Record.id)).all()
        batch = []
        for i, rid in enumerate(ids):
            for k in annotators_of(i):
                values = answer(i, k)
                batch.append((rid, users[f"ann{k}"], values, 10.0))
                rows.append({"record": i, "annotator": f"ann{k}", **values})
        insert_submitted_fast(s, ds.id, batch, stamp=stamp)
        recount_records(s, ds.id, overlap=3)
        write_suggestions(s, [ImportedSuggestion(rid, "sentiment", suggestion(i), 0.9, "model-a")
                              for i, rid in enumerate(ids)], stamp=stamp)
    return rows
