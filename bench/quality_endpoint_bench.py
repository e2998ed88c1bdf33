"""``GET /api/v1/datasets/{name}/quality?metric=M`` on 300 records x 50 annotators.

    python bench/quality_endpoint_bench.py [--records 300] [--annotators 50]

Every annotator answers every record (a 3-label question and a 1-5 rating);
a real uvicorn server on SQLite answers the endpoint for each metric, and the
wall time of each request is printed as a markdown table. Then one
``?metric=cohen`` request is abandoned after 0.05 s, and the server's CPU time
over the next seconds shows whether it kept computing for a client that left.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SETTINGS = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "sentiment", "type": "label", "labels": ["pos", "neg", "neutral"]},
                  {"name": "stars", "type": "rating", "min": 1, "max": 5}],
    "distribution": {"overlap": 50},
}
METRICS = ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")


def populate(url: str, n_records: int, n_annotators: int, seed: int = 0) -> str:
    """The dataset and its answers; returns an admin token."""
    from sqlalchemy import select

    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import create_dataset
    from accord.store.imported_responses import ensure_users, insert_submitted_fast
    from accord.store.models import Record, utcnow
    from accord.store.records import RecordRow, upsert_records
    from accord.store.users import create_token, create_user

    rng = random.Random(seed)
    labels = ["pos", "neg", "neutral"]
    engine = make_engine(url)
    upgrade(engine)
    stamp = utcnow()
    with write_scope(engine) as s:
        token = create_token(s, create_user(s, "admin", "admin", "admin-password-1"))
        ds = create_dataset(s, "bench", parse_settings(SETTINGS))
        uids = list(ensure_users(s, [f"ann{k}" for k in range(n_annotators)]).values())
        upsert_records(s, ds.id, [RecordRow(f"rec-{i}", {"text": f"record {i}"}, {})
                                  for i in range(n_records)], stamp=stamp)
        ids = s.scalars(select(Record.id).where(Record.dataset_id == ds.id)).all()
        rows = []
        for rid in ids:
            for uid in uids:
                label = labels[rid % 3] if rng.random() < 0.7 else rng.choice(labels)
                rows.append((rid, uid, {"sentiment": label, "stars": rng.randint(1, 5)}, 5.0))
        insert_submitted_fast(s, ds.id, rows, stamp=stamp)
    engine.dispose()
    return token


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--annotators", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        token = populate(url, args.records, args.annotators)
        port = _port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "accord.server.app:app_from_env", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env={**os.environ, "ACCORD_DB": url})
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            h = {"Authorization": f"Bearer {token}"}
            endpoint = f"{base}/api/v1/datasets/bench/quality"
            httpx.get(endpoint, headers=h, timeout=600)  # warm-up (imports)
            print(f"| metric | seconds | sentiment | stars |  ({args.records} records x "
                  f"{args.annotators} annotators, load {os.getloadavg()[0]:.1f})")
            print("|---|---:|---:|---:|")
            for metric in METRICS:
                started = time.perf_counter()
                res = httpx.get(endpoint, headers=h, params={"metric": metric}, timeout=600)
                seconds = time.perf_counter() - started
                body = res.json()
                if res.status_code != 200:
                    print(f"| {metric} | {seconds:.2f} | {res.status_code} "
                          f"{body['error']['message']} | |")
                    continue
                shown = ["n/a" if v is None else f"{v:.4f}" for v in
                         (body["agreement"][q]["value"] for q in ("sentiment", "stars"))]
                print(f"| {metric} | {seconds:.2f} | {shown[0]} | {shown[1]} |")
            before = _cpu_seconds(proc.pid)
            try:
                httpx.get(endpoint, headers=h, params={"metric": "cohen"}, timeout=0.05)
            except httpx.TimeoutException:
                pass
            time.sleep(3)
            print(f"\nabandoned ?metric=cohen after 0.05 s: server CPU over the next 3 s "
                  f"{_cpu_seconds(proc.pid) - before:.2f} s")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
