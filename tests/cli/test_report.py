"""``accord report`` and the health check of ``accord export`` (real CLI, real SQLite)."""

from __future__ import annotations

import json

import pytest

from accord.store import make_engine, upgrade
from tests.conftest import run_cli
from tests.quality.health_fixture import build


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build(engine)
    engine.dispose()
    return url


def test_report_writes_markdown_and_json(url, tmp_path):
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    res = run_cli("report", "health", "--slice", "source", "--group-by", "locale", "-o", str(md),
                  "--json", str(js), "--min-records", "10", "--db", url)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("report health: 60 records, 180 responses, 3 questions, "
                                 "1 slices, ")
    assert str(md) in res.stdout and str(js) in res.stdout
    text = md.read_text()
    assert text.startswith("# Dataset health: **health**")
    assert "| forum | 20 | 20 | 60 | 4 | – |" in text  # coverage, no gap at --min-records 10
    data = json.loads(js.read_text())
    assert data["slices"] == ["source"] and data["groups"] == ["locale"]
    assert data["options"]["min_records"] == 10
    assert [q["name"] for q in data["questions"]] == ["sentiment", "topics", "stars"]


def test_report_prints_markdown_to_stdout_and_summary_to_stderr(url):
    res = run_cli("report", "health", "--question", "sentiment", "--db", url)
    assert res.returncode == 0, res.stderr
    assert "## Question **sentiment** (label)" in res.stdout
    assert "## Question **stars**" not in res.stdout
    assert "report health: 60 records" in res.stderr


def test_report_errors_exit_2_with_a_message(url):
    res = run_cli("report", "nope", "--db", url)
    assert res.returncode == 2
    assert "dataset 'nope' does not exist" in res.stderr and "health" not in res.stderr
    res = run_cli("report", "health", "--question", "bogus", "--db", url)
    assert res.returncode == 2 and "unknown question 'bogus'" in res.stderr
    res = run_cli("report", "health", "--majority-share", "1.5", "--db", url)
    assert res.returncode == 2 and "--majority-share" in res.stderr


def test_export_prints_health_warnings_unless_disabled(url, tmp_path):
    out = tmp_path / "out.jsonl"
    res = run_cli("export", "health", "--format", "jsonl", "-o", str(out), "--db", url)
    assert res.returncode == 0, res.stderr
    assert "warning: source='forum': only 20 records (fewer than 30)" in res.stderr
    assert "skip this check with --no-health-check" in res.stderr
    assert len(out.read_text().splitlines()) == 60
    res = run_cli("export", "health", "--format", "jsonl", "-o", str(out), "--no-health-check",
                  "--db", url)
    assert res.returncode == 0, res.stderr
    assert "warning:" not in res.stderr
