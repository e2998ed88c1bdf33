"""``accord quality agree|aggregate --dataset``: agreement straight from submitted responses."""

from __future__ import annotations

import csv
import json

from accord.schema import parse_settings
from accord.store import make_engine, upgrade, write_scope
from accord.store.datasets import create_dataset, get_dataset, settings_of
from accord.store.models import Record, utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_user
from accord.workflow import next_record, save_response
from tests.conftest import run_cli


def _populate(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", parse_settings({
            "fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]},
                          {"name": "stars", "type": "rating"}],
            "distribution": {"overlap": 2}}))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": "t"}, {}) for i in range(4)],
                       stamp=utcnow())
        users = [create_user(s, n, "annotator") for n in ("u1", "u2")]
    for k, user in enumerate(users):
        for _ in range(4):
            with write_scope(engine) as s:
                ds = get_dataset(s, "d")
                rec = next_record(s, ds, settings_of(ds), s.merge(user))
                label = "b" if (k == 1 and rec.external_id == "r3") else "a"
                save_response(s, ds, settings_of(ds), s.get(Record, rec.id), s.merge(user),
                              {"y": label, "stars": 4}, status="submitted")
    engine.dispose()


def test_agree_and_aggregate_from_a_dataset(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    _populate(url)
    res = run_cli("quality", "agree", "--dataset", "d", "--question", "y", "--metric", "percent",
                  "--json", "--db", url)
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)
    assert result["metric"] == "percent" and result["value"] == 0.75 and result["n_items"] == 4
    out = tmp_path / "agg.csv"
    res = run_cli("quality", "aggregate", "--dataset", "d", "--question", "y", "--method", "mv",
                  "-o", str(out), "--db", url)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 4 and {r["label"] for r in rows} == {"a"}
    missing = run_cli("quality", "agree", "--dataset", "d", "--db", url)
    assert missing.returncode == 2 and "choose one with --question" in missing.stderr
    both = run_cli("quality", "agree", str(out), "--dataset", "d", "--db", url)
    assert both.returncode == 2 and "either an INPUT file or --dataset" in both.stderr
