"""``accord assist ...`` in a subprocess against the fake LLM server (SQLite)."""

from __future__ import annotations

import json

import pytest

from accord.store import make_engine, session_scope, upgrade
from accord.store.datasets import dataset_counts, get_dataset, settings_of
from tests.assist.conftest import LABEL_SETTINGS, make_dataset
from tests.assist.fake_llm import probability_oracle
from tests.conftest import run_cli

P = [0.55, 0.65, 0.75, 0.85, 0.95, 0.97]


@pytest.fixture
def setup(tmp_path, fake_llm):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    upgrade(engine)
    make_dataset(engine, "d", {**LABEL_SETTINGS, "assist": {"auto_accept": "response",
                                                            "thresholds": {"y": 0.9}}},
                 [{"id": f"r{i}", "text": f"review {i} p={p}"} for i, p in enumerate(P)])
    make_dataset(engine, "prompts", {"fields": [{"name": "prompt", "type": "text"}]},
                 [{"id": "q1", "prompt": "Why is the sky blue?"}])
    engine.dispose()
    fake = fake_llm(probability_oracle)
    env = {"ACCORD_DB": url, "ACCORD_LLM_BASE_URL": fake.url, "ACCORD_LLM_MODEL": "fake-1",
           "ACCORD_CACHE_DIR": str(tmp_path / "cache")}
    return env, fake, tmp_path


def _submit_people(url: str) -> None:
    """People agree with the model ("pos") on r2..r5 and not on r0, r1."""
    from sqlalchemy import select

    from accord.store import write_scope
    from accord.store.datasets import get_dataset, settings_of
    from accord.store.models import Record
    from accord.store.users import create_user
    from accord.workflow import save_response

    engine = make_engine(url)
    with write_scope(engine) as s:
        ds = get_dataset(s, "d")
        ann = create_user(s, "ann", "annotator")
        for rec in s.scalars(select(Record).where(Record.dataset_id == ds.id)):
            value = "neg" if rec.external_id in ("r0", "r1") else "pos"
            save_response(s, ds, settings_of(ds), rec, ann, {"y": value}, status="submitted")
    engine.dispose()


def test_prelabel_calibrate_route(setup):
    env, fake, tmp = setup
    first = run_cli("assist", "prelabel", "d", "--question", "y", "--price", "fake-1=1/2",
                    env=env)
    assert first.returncode == 0, first.stderr
    line = first.stdout.strip().splitlines()[-1]
    assert line.startswith("prelabel d as fake-1@p:") and "6 records, 6 written" in line
    assert "tokens" in line and "$0.0" in line and "0 cache hits" in line and line.endswith(" s")
    again = run_cli("assist", "prelabel", "d", "-q", "y", "--json", env=env)
    data = json.loads(again.stdout)
    assert data["cache_hits"] == 6 and data["calls"] == 0 and len(fake.calls) == 6
    route = run_cli("assist", "route", "d", "-q", "y", env=env)
    assert route.returncode == 0, route.stderr
    assert "2 accepted as responses" in route.stdout and "threshold 0.9" in route.stdout
    _submit_people(env["ACCORD_DB"])
    report = tmp / "rel.png"
    calib = run_cli("assist", "calibrate", "d", "-q", "y", "--report", str(report),
                    "--target-precision", "1.0", env=env)
    assert calib.returncode == 0, calib.stderr
    # one bin per suggestion but 0.95 and 0.97 share one: (.55 + .65 + .25 + .15 + 2 * .04) / 6
    assert "6 suggestions, ECE 0.2800, MCE 0.6500, accuracy 0.667" in calib.stdout
    assert "threshold 0.75 gives precision 1.000 on 66.7% of suggestions" in calib.stdout
    assert report.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads(report.with_suffix(".json").read_text())
    assert saved["ece"] == pytest.approx(0.28, abs=1e-6)
    assert saved["threshold"]["threshold"] == 0.75 and len(saved["bins"]) == 10


def test_errors_exit_2_with_a_message(setup):
    env, _, _ = setup
    bad = run_cli("assist", "prelabel", "d", "-q", "nope", env=env)
    assert bad.returncode == 2 and "unknown question 'nope'" in bad.stderr
    down = run_cli("assist", "prelabel", "d", "-q", "y", "--no-cache", "--max-retries", "0",
                   env={**env, "ACCORD_LLM_BASE_URL": "http://127.0.0.1:9/v1"})
    assert down.returncode == 2 and "ConnectError" in down.stderr
    # each retry says what failed and when the next try is (it was silent for minutes)
    retried = run_cli("assist", "prelabel", "d", "-q", "y", "--no-cache", "--max-retries", "2",
                      env={**env, "ACCORD_LLM_BASE_URL": "http://127.0.0.1:9/v1"},
                      fresh_process=True)
    assert retried.returncode == 2, retried.stderr
    assert "ConnectError" in retried.stderr and "retry 1 of 2 in" in retried.stderr
    assert "retry 2 of 2 in" in retried.stderr and "failed after 3 attempts" in retried.stderr


def test_generate_and_judge_commands(setup):
    env, fake, _ = setup
    gen = run_cli("assist", "generate", "prompts", "--prompt-field", "prompt", "--k", "2",
                  "--temperatures", "0.2,1.0", "--into", "pairs", "--kind", "pairwise", env=env)
    assert gen.returncode == 0, gen.stderr
    assert "generate prompts as fake-1: 1 records, 1 written" in gen.stdout
    assert [c.body["temperature"] for c in fake.calls] == [0.2, 1.0]
    engine = make_engine(env["ACCORD_DB"])
    with session_scope(engine) as s:
        ds = get_dataset(s, "pairs")
        assert settings_of(ds).questions[0].type == "pairwise"
        assert dataset_counts(s, ds)["records"] == 1
    engine.dispose()
    judged = run_cli("assist", "judge", "d", "-q", "y", env=env)
    assert judged.returncode == 0, judged.stderr
    assert "judge d as fake-1@p:" in judged.stdout
    assert "no agreement with people yet" in judged.stderr  # a label question, no people yet
