"""Fixtures for the prep tests: the PII test data and the real CLI (Ray: tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PII_DATA = REPO / "tests" / "data" / "pii" / "synth_dataset_v2.jsonl"


@pytest.fixture(scope="session")
def pii_dataset() -> Path:
    """presidio-research synthetic PII data in ``tests/data/pii``; fails loudly when missing."""
    if not PII_DATA.is_file():
        pytest.fail(f"PII test data not found at {PII_DATA} (see tests/data/pii/SOURCE.md)")
    return PII_DATA


def run_prep_cli(
    *args: str | Path, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``accord prep ...`` in a subprocess with the real CLI."""
    if (REPO / "accord" / "__main__.py").is_file():
        cmd = [sys.executable, "-m", "accord", "prep"]
    else:
        cmd = [sys.executable, "-c", "from accord.cli import main; main()", "prep"]
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [*cmd, *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=env,
        timeout=timeout,
    )
