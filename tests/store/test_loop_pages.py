"""The pages the annotator loop's two transactions write on SQLite: each b-tree a next or a
submit appends to the WAL is one whose content changed (docs/benchmarks.md, "Sequential
loop CPU (issue 22 item 4, fifth pass)")."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from sqlalchemy import select

from accord.schema import parse_settings
from accord.store import make_engine, session_scope
from accord.store.access import caller_with_dataset
from accord.store.datasets import hold_dataset
from accord.store.detached import load_record
from accord.store.engine import NOT_NOW, write_now
from accord.store.models import QUEUE_DONE, QUEUE_FULL, QUEUE_OPEN, Record
from accord.workflow import save_response
from accord.workflow.workforce import hand_out
from tests.annotators import dataset_with_annotators
from tests.dbs import migrated

SETTINGS = parse_settings({"fields": [{"name": "text", "type": "text"}],
                           "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
                           "distribution": {"overlap": 2}})
# what a next and a submit change besides the record's counters (and, when the record
# changes state, its status and queue-state index entries)
NEXT = {"queue_cursors", "leases", "ix_leases_expiry", "ix_leases_user", "records"}
SUBMIT = {"leases", "ix_leases_expiry", "ix_leases_user", "records", "responses",
          "sqlite_autoindex_responses_1", "ix_responses_dataset_id", "ix_responses_user",
          "ix_responses_review_queue", "response_history", "ix_response_history_response_id"}


def _pages(wal: Path, offset: int) -> tuple[list[int], int]:
    """The page numbers of the WAL frames from byte ``offset`` on, and the WAL's end."""
    data = wal.read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    pages, at = [], max(offset, 32)
    while at + 24 + page_size <= len(data):
        pages.append(struct.unpack(">I", data[at:at + 4])[0])
        at += 24 + page_size
    return pages, at


def test_the_loop_writes_no_index_entry_that_stays_the_same(sqlite_url):
    """Two annotators, overlap 2, each takes and submits the same record: the first
    claim and first submission leave the record's state as it was and write no page of
    ix_records_queue or ix_records_status; the second claim fills the record, the second
    submission completes it (the state and its index entries change). The lease lives in
    one b-tree (WITHOUT ROWID, migration 0015)."""
    engine = make_engine(migrated(sqlite_url))
    try:
        tokens = dataset_with_annotators(engine, "loop", SETTINGS, 4, ["a", "b"])
        wal = Path(f"{engine.url.database}-wal")

        def unit(token, work):  # type: ignore[no-untyped-def]
            def body(s):  # type: ignore[no-untyped-def]
                user, access = caller_with_dataset(s, token, "loop", kind="api", hold=True)
                ds, settings, _member = access()
                hold_dataset(s, ds)
                return work(s, ds, settings, user)

            _, start = _pages(wal, 0) if wal.exists() else ([], 0)
            out = write_now(engine, body)
            assert out is not NOT_NOW
            return out, _pages(wal, start)[0]

        def next_(s, ds, settings, user):  # type: ignore[no-untyped-def]
            return hand_out(s, ds, settings, user).record.id

        def submit(rid):  # type: ignore[no-untyped-def]
            def work(s, ds, settings, user):  # type: ignore[no-untyped-def]
                return save_response(s, ds, settings, load_record(s, rid), user, {"y": "a"},
                                     status="submitted", remote=True).version
            return work

        def state(rid):  # type: ignore[no-untyped-def]
            with session_scope(engine) as s:
                return tuple(s.execute(select(Record.queue_state, Record.status)
                                       .where(Record.id == rid)).one())

        for token in tokens:  # every b-tree has its rows (the first insert writes more)
            first, _ = unit(token, next_)
            unit(token, submit(first))
        written = []
        rid, pages = unit(tokens[0], next_)
        written.append(pages)
        assert state(rid) == (QUEUE_OPEN, "pending")
        again, pages = unit(tokens[1], next_)
        written.append(pages)
        assert again == rid and state(rid) == (QUEUE_FULL, "pending")
        _, pages = unit(tokens[0], submit(rid))
        written.append(pages)
        assert state(rid) == (QUEUE_FULL, "pending")
        _, pages = unit(tokens[1], submit(rid))
        written.append(pages)
        assert state(rid) == (QUEUE_DONE, "completed")
        engine.dispose()  # checkpoints the WAL into the file, where dbstat reads the b-trees
        with sqlite3.connect(engine.url.database) as conn:
            names = dict(conn.execute("SELECT pageno, name FROM dbstat"))
        conn.close()
        # page 1 (sqlite_schema) is written when the file grows
        trees = [{names.get(p, "?") for p in pages} - {"sqlite_schema"} for pages in written]
        assert trees[0] == NEXT
        assert trees[1] == NEXT | {"ix_records_queue"}
        assert trees[2] == SUBMIT
        assert trees[3] == SUBMIT | {"ix_records_queue", "ix_records_status"}
    finally:
        engine.dispose()
