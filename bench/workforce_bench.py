"""Workforce gate overhead: next + submit through the library on SQLite, with and without
the workforce rules.

    python bench/workforce_bench.py [N_RECORDS] [--db URL] [--calls 1000]

Builds one dataset of N records (default 200,000; metadata ``language`` is ``en`` for
90 % of them, ``fr`` for 10 %) per scenario and measures next-record and submit latency
(p50/p99 ms) of one annotator calling ``hand_out`` + ``save_response`` + ``after_submit``
in a loop, each call in its own transaction, and the SQL statements per next-record
transaction (auth excluded: the dataset and user lookups are included):

- ``plain``: no workforce settings (``hand_out`` adds the membership lookup);
- ``next_record``: the queue alone (``accord.workflow.next_record``), the baseline;
- ``ack+quota``: guidelines acknowledged, a quota (conditional UPDATE per record);
- ``match 90 %`` / ``match 10 %``: an assignment rule matching 90 % / 10 % of the
  records (the JSON filter on the queue scan).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from peak_rss import peak_rss_mb  # bench/ is sys.path[0] when a bench runs as a script
from sqlalchemy import event

from accord.schema import parse_settings
from accord.store import make_engine, upgrade, write_scope
from accord.store.datasets import add_member, create_dataset, get_dataset, settings_of
from accord.store.models import Record, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user, get_user, set_user_attributes
from accord.workflow import next_record, save_response
from accord.workflow.onboarding import acknowledge_guidelines
from accord.workflow.workforce import after_submit, hand_out

BASE = {"guidelines": "Read me.",
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}],
        "distribution": {"overlap": 1, "lease_seconds": 600}}
RULE = {"match": [{"metadata": "language", "attribute": "languages"}]}
SCENARIOS = {
    "next_record": ({}, None, True),
    "plain": ({}, None, False),
    "ack+quota": ({"onboarding": {"require_guidelines_ack": True},
                   "assignment": {"quota": 1_000_000}}, None, False),
    "match 90 %": ({"assignment": RULE}, ["en"], False),
    "match 10 %": ({"assignment": RULE}, ["fr"], False),
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _build(db: str, n: int, name: str, extra: dict, languages: list[str] | None) -> None:
    engine = make_engine(db)
    upgrade(engine)
    with write_scope(engine) as s:
        ds = create_dataset(s, name, parse_settings({**BASE, **extra}))
        batch: list[RecordRow] = []
        for i in range(n):
            batch.append(RecordRow(f"r{i}", {"text": f"record {i}"},
                                   {"language": "fr" if i % 10 == 0 else "en"}))
            if len(batch) == 20_000:
                upsert_records(s, ds.id, batch, stamp=utcnow())
                batch = []
        if batch:
            upsert_records(s, ds.id, batch, stamp=utcnow())
        user = create_user(s, f"ann-{name}", "annotator")
        add_member(s, ds, user)
        if languages:
            set_user_attributes(s, user, {"languages": languages})
        acknowledge_guidelines(s, ds, user)
    engine.dispose()


def _run(db: str, name: str, calls: int,
         baseline: bool) -> tuple[list[float], list[float], list[int]]:
    engine = make_engine(db)
    statements = [0]
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.__setitem__(0, statements[0] + 1))
    nexts, submits, counts = [], [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        statements[0] = 0
        with write_scope(engine) as s:
            ds = get_dataset(s, name)
            user = get_user(s, f"ann-{name}")
            if baseline:
                rec = next_record(s, ds, settings_of(ds), user)
            else:
                rec = hand_out(s, ds, settings_of(ds), user).record
            rid = rec.id
        t1 = time.perf_counter()
        counts.append(statements[0])
        with write_scope(engine) as s:
            ds = get_dataset(s, name)
            user = get_user(s, f"ann-{name}")
            rec = s.get(Record, rid)
            resp = save_response(s, ds, settings_of(ds), rec, user, {"y": "a"},
                                 status="submitted")
            after_submit(s, ds, settings_of(ds), rec, user, resp)
        t2 = time.perf_counter()
        nexts.append((t1 - t0) * 1000)
        submits.append((t2 - t1) * 1000)
    engine.dispose()
    return nexts, submits, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="?", type=int, default=200_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="accord-wf-bench-")
    db = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
    print(f"{args.records:,} records per dataset, {args.calls} next+submit cycles, {db}")
    print(f"{'scenario':<14} {'next p50':>9} {'next p99':>9} {'submit p50':>11} "
          f"{'submit p99':>11} {'cycles/s':>9} {'SQL/next':>9}")
    for i, (label, (extra, languages, baseline)) in enumerate(SCENARIOS.items()):
        name = f"wf{i}"
        _build(db, args.records, name, extra, languages)
        nexts, submits, counts = _run(db, name, args.calls, baseline)
        rate = len(nexts) / ((sum(nexts) + sum(submits)) / 1000)
        print(f"{label:<14} {statistics.median(nexts):>9.2f} {_pct(nexts, .99):>9.2f} "
              f"{statistics.median(submits):>11.2f} {_pct(submits, .99):>11.2f} {rate:>9.0f} "
              f"{statistics.median(counts):>9.0f}")
    rss = peak_rss_mb()
    print(f"peak RSS {rss:.0f} MiB (milliseconds per call, one annotator, in-process)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
