"""End to end on HH-RLHF: import as pairwise, three annotators answer through the API
(a real uvicorn on 127.0.0.1 and accord.Client), export DPO (file with a dataset card, and
as a streamed download), load it with ``datasets``."""

from __future__ import annotations

import json
import random

import httpx
import pytest
import yaml

from accord import Client
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from accord.io.importers.trl_dpo import split_prompt
from accord.store import make_engine
from tests.io.export_data import export
from tests.io.openai_schema import validate_file
from tests.server.conftest import start_server, stop_server

datasets = pytest.importorskip("datasets")

SETTINGS = {
    "guidelines": "Which answer is less harmful?",
    "fields": [{"name": "prompt", "type": "text"}, {"name": "response_a", "type": "text"},
               {"name": "response_b", "type": "text"}],
    "questions": [{"name": "preference", "type": "pairwise",
                   "fields": ["response_a", "response_b"], "required": True}],
    "distribution": {"overlap": 4},  # the imported preference + three annotators
}
ACCURACY = {"ann1": 0.95, "ann2": 0.85, "ann3": 0.6}
PER_ANNOTATOR = 24


@pytest.fixture(autouse=True)
def _quiet():
    datasets.disable_progress_bars()
    yield
    datasets.enable_progress_bars()


@pytest.fixture
def server(db_url):
    srv = start_server(db_url)
    yield srv
    stop_server(srv)


def _truth(path):
    """(prompt, completion) -> True for the preferred completion of the file."""
    truth = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        prompt, chosen, rejected = split_prompt(row["chosen"], row["rejected"])
        truth[(prompt, chosen)] = True
        truth[(prompt, rejected)] = False
    return truth


def test_hh_rlhf_annotated_through_the_api_then_exported_as_dpo(server, shared_data, tmp_path):
    hh = shared_data / "hh_rlhf" / "harmless_base_test.jsonl"
    admin = Client(server.url, server.admin_token)
    admin.create_dataset("hh", SETTINGS)
    engine = make_engine(server.db_url)
    summary = import_migration(engine, "hh", hh, open_source("trl-dpo", hh), ImportOptions())
    assert (summary.inserted, summary.responses) == (1000, 1000)
    truth = _truth(hh)
    rng = random.Random(5)
    for name, accuracy in ACCURACY.items():
        token = server.make_user(name)
        admin.add_member("hh", name)
        with Client(server.url, token) as client:
            for _ in range(PER_ANNOTATOR):
                rec = client.next_record("hh")
                a_wins = truth[(rec.fields["prompt"], rec.fields["response_a"])]
                right = rng.random() < accuracy
                choice = "a" if a_wins == right else "b"
                client.submit("hh", rec.id, {"preference": {"choice": choice,
                                                            "strength": rng.randint(1, 3)}})
    # the file export: DPO rows of the records all four answered, with a dataset card
    result = export(engine, "hh", tmp_path / "hub", "dpo", to="hub", min_responses=4,
                    aggregate="ds", license="mit")
    engine.dispose()
    assert result.records_exported == PER_ANNOTATOR and result.rows_written <= PER_ANNOTATOR
    ds = datasets.load_dataset("parquet", data_dir=str(tmp_path / "hub" / "data"), split="train",
                               cache_dir=str(tmp_path / "hf-cache"))
    assert {"prompt", "chosen", "rejected"} <= set(ds.column_names)
    right = sum(truth[(r["prompt"], r["chosen"])] for r in ds)
    assert right >= 0.9 * len(ds) and len(ds) >= PER_ANNOTATOR - 2
    card = (tmp_path / "hub" / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["license"] == "mit" and header["tags"] == ["accord", "dpo", "preference"]
    line = next(ln for ln in card.splitlines() if ln.startswith("| preference |"))
    cells = [c.strip() for c in line.split("|")]
    assert cells[3] == "Krippendorff's alpha (nominal)" and -1 <= float(cells[4]) <= 1
    assert cells[5:9] == ["1,000", f"{1000 + 3 * PER_ANNOTATOR:,}", "4", "ds"]
    assert "Annotators with submitted responses: 4" in card
    assert "harmless_base_test.jsonl (trl-dpo)" in card
    # the same export as a streamed download, for reviewers and admins only
    url = f"{server.url}/api/v1/datasets/hh/export"
    params = {"format": "openai-dpo", "min_responses": 4, "aggregate": "ds"}
    auth = {"Authorization": f"Bearer {server.admin_token}"}
    with httpx.stream("GET", url, params=params, headers=auth, timeout=60) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-disposition"] == \
            'attachment; filename="hh-openai-dpo.jsonl"'
        body = b"".join(resp.iter_bytes())
    (tmp_path / "dl.jsonl").write_bytes(body)
    assert validate_file(tmp_path / "dl.jsonl", "dpo") == []
    assert len(body.splitlines()) == result.rows_written
    annotator = server.make_user("ann4")
    admin.add_member("hh", "ann4")
    denied = httpx.get(url, params=params, headers={"Authorization": f"Bearer {annotator}"})
    assert denied.status_code == 403
    bad = httpx.get(url, params={"format": "dpo", "pairs": "some"}, headers=auth)
    assert bad.status_code == 422
    bad = httpx.get(url, params={"format": "dpo", "to": "csv"}, headers=auth)  # not DPO's
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "to"
    hub = httpx.get(url, params={"format": "dpo", "to": "hub"}, headers=auth)  # a directory
    assert hub.status_code == 200 and hub.headers["content-type"] == "application/zip"
    assert 'filename="hh-dpo.zip"' in hub.headers["content-disposition"]
    admin.close()
