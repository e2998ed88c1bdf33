"""A dataset with records and annotators written straight through the store, for tests
that measure the annotator loop below the API (its pages, its round trips)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from accord.schema import Settings
from accord.store import write_scope
from accord.store.datasets import add_member, create_dataset
from accord.store.models import utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_token, create_user

__all__ = ["dataset_with_annotators"]


def dataset_with_annotators(engine: Engine, name: str, settings: Settings, records: int,
                            annotators: list[str]) -> list[str]:
    """Dataset ``name`` with ``records`` records (external ids ``r0``..., a text field
    ``text``) and one member annotator per name; returns their API tokens, in order."""
    with write_scope(engine) as s:
        ds = create_dataset(s, name, settings)
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"text {i}"}, {})
                                  for i in range(records)], stamp=utcnow())
        tokens = []
        for who in annotators:
            user = create_user(s, who, "annotator")
            add_member(s, ds, user)
            tokens.append(create_token(s, user))
    return tokens
