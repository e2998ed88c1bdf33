"""prep stands alone: no store, server or workflow imports; public names exist."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from tests.prep.conftest import REPO

MODULES = [
    "accord.prep",
    "accord.prep.config",
    "accord.prep.chain",
    "accord.prep.dedupe_exact",
    "accord.prep.dedupe_near",
    "accord.prep.filters",
    "accord.prep.fix",
    "accord.prep.jsonio",
    "accord.prep.language",
    "accord.prep.lsh",
    "accord.prep.minhash",
    "accord.prep.output",
    "accord.prep.pii",
    "accord.prep.pii_eval",
    "accord.prep.pii_recognizers",
    "accord.prep.pipeline",
    "accord.prep.reader",
    "accord.prep.record_text",
    "accord.prep.report",
    "accord.prep.result",
    "accord.prep.shingles",
    "accord.prep.step",
    "accord.prep.synthetic",
    "accord.prep.executors",
    "accord.prep.executors.base",
    "accord.prep.executors.local",
    "accord.prep.executors.ray",
]

_CHECK = """
import sys
from accord.prep import PrepConfig, run_prep
config = PrepConfig(dedupe_near=True, pii="redact", languages=("en", "de"), min_chars=1, workers=1)
res = run_prep([{"text": "Mail jo@example.com, the weather is lovely today."}] * 2, config,
               against=[{"text": "something else entirely"}])
assert len(res.records) == 1, res.rejects
bad = sorted(m for m in sys.modules
             if m.split(".")[:2] in (["accord", "store"], ["accord", "server"],
                                     ["accord", "workflow"]))
print("BAD", bad)
"""


def test_prep_never_imports_store_server_or_workflow() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _CHECK],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "BAD []" in proc.stdout, proc.stdout


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, f"{name} has an empty __all__"
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.__all__ lists {public!r}, which does not exist"


def test_cli_module_imports_no_heavy_library() -> None:
    code = (
        "import sys, accord.cli.prep; "
        "print(sorted(m for m in ('presidio_analyzer', 'ray', 'lingua', 'ftfy', 'numpy') "
        "if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
