"""JSONL export of everything about each record, streamed with keyset pagination."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
from sqlalchemy import Engine

from accord.io.atomic import atomic_output
from accord.store.datasets import get_dataset
from accord.store.engine import session_scope
from accord.store.records import iter_records

__all__ = ["export_jsonl"]


def export_jsonl(engine: Engine, dataset: str, out: str | Path, *,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write one JSON object per record: ``external_id``, ``fields``, ``metadata``, ``status``.

    Returns the number of records written.
    """
    n = 0
    with session_scope(engine) as session, atomic_output(out) as fh:
        ds = get_dataset(session, dataset)
        for row in iter_records(session, ds.id):
            fh.write(orjson.dumps({"external_id": row["external_id"], "fields": row["fields"],
                                   "metadata": row["metadata"], "status": row["status"]}))
            fh.write(b"\n")
            n += 1
            if progress is not None and n % 5000 == 0:
                progress(5000)
        if progress is not None:
            progress(n % 5000)
    return n
