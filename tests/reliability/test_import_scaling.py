"""Importing into a big dataset must not read the whole dataset per batch (PostgreSQL).

The importer looks up which external ids already exist, 900 at a time
(accord/store/records.py ``_existing``). On PostgreSQL that lookup must use
the unique ``(dataset_id, external_id)`` index. The test counts the rows
PostgreSQL actually read from ``records`` (``pg_stat_user_tables``) while
10,000 new records go into a dataset of 30,000: a linear import reads the
dataset at most about once; one that scans it per 900-id chunk reads
hundreds of thousands of rows, and a 1M-record import then takes hours.
"""

from __future__ import annotations

import time

import pytest

from accord.io.importer import import_rows
from accord.store import make_engine
from tests.reliability.harness import seed


def _rows_read(plain_url: str) -> int:
    import psycopg

    time.sleep(1.5)  # statistics are flushed to shared memory about once a second
    with psycopg.connect(plain_url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
                           "FROM pg_stat_user_tables WHERE relname = 'records'").fetchone()
        return int(row[0]) if row else 0


@pytest.mark.postgres
def test_postgres_import_does_not_scan_the_dataset_per_batch(pg_server):
    url = pg_server.create_database("import_scaling")
    seed(url)
    for k in range(6):  # the existing dataset: 30,000 records
        engine = make_engine(url)
        import_rows(engine, "d", ((i + 1, {"id": f"old{k}-{i}", "text": "x"})
                                  for i in range(5000)))
        engine.dispose()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    before = _rows_read(plain)
    engine = make_engine(url)
    summary = import_rows(engine, "d", ((i + 1, {"id": f"new{i}", "text": "x"})
                                        for i in range(10_000)))
    engine.dispose()
    read = _rows_read(plain) - before
    assert summary.inserted == 10_000
    # once over the dataset is fine (e.g. counting it); once per 900-id lookup is not
    assert read <= 2 * (30_000 + summary.inserted), (
        f"importing 10,000 new records into 30,000 read {read:,} rows of 'records': the "
        "existing-id lookup scans the dataset instead of using the (dataset_id, external_id) "
        "index")
