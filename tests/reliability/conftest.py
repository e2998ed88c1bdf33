"""Reliability tests: crash safety, concurrency, fuzzing, security, backup.

Tests marked ``soak`` (long crash loops, load, the 512 MiB upload) run only
with ``make soak`` (``pytest -m soak tests/reliability``) or ``ACCORD_SOAK=1``;
everywhere else they are skipped, so ``pytest`` alone stays CI-sized.
"""

from __future__ import annotations

import os

import pytest


def _soak_selected(config: pytest.Config) -> bool:
    expr = config.getoption("-m") or ""
    return os.environ.get("ACCORD_SOAK") == "1" or ("soak" in expr and "not soak" not in expr)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _soak_selected(config):
        return
    skip = pytest.mark.skip(reason="soak test: run with 'make soak' or ACCORD_SOAK=1")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)
