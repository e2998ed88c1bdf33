"""Active learning every N answers in the background: the dataset lease (store/assist_jobs)
and the loop `accord serve` runs (cli/relearn)."""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import select

from accord.cli.relearn import KIND, relearn_due
from accord.store import session_scope, write_scope
from accord.store.assist_jobs import claim_job, finish_job, job_state
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Record, utcnow
from accord.store.priorities import priorities_of
from accord.store.users import create_user
from accord.store.vectors import set_vectors
from accord.workflow import save_response
from tests.assist.conftest import make_dataset

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["neg", "pos"]}],
            "assist": {"active_learning": {"question": "y", "every": 4, "vector": "tiny",
                                           "batch": 3}}}


def test_one_holder_at_a_time_and_only_after_every_new_answers(engine):
    ds_id = make_dataset(engine, "d", SETTINGS, [{"id": 1, "text": "x"}])
    now = utcnow()
    with write_scope(engine) as s:
        assert claim_job(s, ds_id, KIND, "a", now, ttl=60, answers=4, every=4)
    with write_scope(engine) as s:
        assert not claim_job(s, ds_id, KIND, "b", now, ttl=60, answers=9, every=4)  # held
    with write_scope(engine) as s:
        finish_job(s, ds_id, KIND, "a", answers_seen=4)
    with write_scope(engine) as s:
        assert not claim_job(s, ds_id, KIND, "b", now, ttl=60, answers=7, every=4)  # 3 new
        assert claim_job(s, ds_id, KIND, "b", now, ttl=60, answers=8, every=4)
    later = now + timedelta(seconds=61)  # "b" died: its lease expires, "c" takes over
    with write_scope(engine) as s:
        assert claim_job(s, ds_id, KIND, "c", later, ttl=60, answers=8, every=4)
        finish_job(s, ds_id, KIND, "b", answers_seen=8)  # too late: not b's lease any more
    with session_scope(engine) as s:
        state = job_state(s, ds_id, KIND)
    assert state["holder"] == "c" and state["answers_seen"] == 4 and state["runs"] == 1


def test_relearn_runs_once_per_every_answers(engine):
    rng = np.random.default_rng(0)
    make_dataset(engine, "d", SETTINGS, [{"id": i, "text": f"r{i}"} for i in range(30)])
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        recs = list(s.scalars(select(Record).where(Record.dataset_id == ds.id)
                              .order_by(Record.id)))
        set_vectors(s, ds.id, "tiny", {r.id: rng.normal(size=4).tolist() for r in recs})
        ann = create_user(s, "ann", "annotator")
        for rec in recs[:3]:
            save_response(s, ds, settings_of(ds), rec, ann, {"y": "pos"}, status="submitted")
        ds_id = ds.id
    assert relearn_due(engine) == []  # 3 answers: not due
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        save_response(s, ds, settings_of(ds), recs[3], s.get(type(ann), ann.id), {"y": "neg"},
                      status="submitted")
    results: list = []
    threads = [threading.Thread(target=lambda: results.extend(relearn_due(engine)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and results[0].used == "typiclust" and results[0].answered == 4
    with session_scope(engine) as s:
        state = job_state(s, ds_id, KIND)
        pr = priorities_of(s, ds_id)
    assert state["runs"] == 1 and state["answers_seen"] == 4 and state["holder"] is None
    assert sorted(p for p in pr.values() if p > 1) == pytest.approx([4 / 3, 5 / 3, 2.0])
    assert relearn_due(engine) == []  # nothing new since


def test_serve_reorders_in_the_background(tmp_path):
    """A real `accord serve --relearn-interval`: four answers through the API, then the
    records' priorities change without any command."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    from accord import Client
    from accord.store import make_engine
    from accord.store.datasets import add_member
    from accord.store.users import create_token
    from tests.dbs import migrated
    from tests.server.conftest import free_port

    url = migrated(f"sqlite:///{tmp_path / 'serve.db'}")
    engine = make_engine(url)
    rng = np.random.default_rng(1)
    make_dataset(engine, "d", SETTINGS, [{"id": i, "text": f"r{i}"} for i in range(12)])
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        set_vectors(s, ds.id, "tiny", {r.id: rng.normal(size=4).tolist() for r in s.scalars(
            select(Record).where(Record.dataset_id == ds.id))})
        ann = create_user(s, "ann", "annotator")
        add_member(s, ds, ann)
        token = create_token(s, ann)
        ds_id = ds.id
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "accord", "serve", "--db", url, "--port",
                             str(port), "--relearn-interval", "0.2"],
                            env={**os.environ}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with Client(base, token) as client:
            for label in ("pos", "neg", "pos", "neg"):
                rec = client.next_record("d")
                client.submit("d", rec.id, {"y": label})
        deadline = time.time() + 30
        state = None
        while time.time() < deadline:
            with session_scope(engine) as s:
                state = job_state(s, ds_id, KIND)
            if state is not None and state["runs"] == 1:
                break
            time.sleep(0.1)
        assert state is not None and state["runs"] == 1 and state["answers_seen"] == 4
        with session_scope(engine) as s:
            assert sorted(p for p in priorities_of(s, ds_id).values() if p > 1) == \
                pytest.approx([4 / 3, 5 / 3, 2.0])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()
        engine.dispose()
