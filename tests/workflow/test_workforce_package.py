"""The workforce modules: doctests pass, every ``__all__`` name exists, modules stay small."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = ["accord.schema.workforce", "accord.store.workforce", "accord.workflow.onboarding",
           "accord.workflow.monitoring", "accord.workflow.quotas",
           "accord.workflow.assignment_rules", "accord.workflow.timesheet",
           "accord.workflow.workforce", "accord.server.routers.workforce",
           "accord.cli.workforce"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_exports_and_size(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    for exported in getattr(module, "__all__", []):
        assert hasattr(module, exported), f"{name}.__all__ names missing {exported!r}"
    assert len(Path(module.__file__).read_text().splitlines()) <= 400


def test_cli_attribute_parsing():
    from accord.cli.users import parse_attrs
    from accord.errors import InputError

    assert parse_attrs(["languages=en, fr", "expertise=law,", "locale=en-GB", "old="]) == {
        "languages": ["en", "fr"], "expertise": ["law"], "locale": "en-GB", "old": None}
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_attrs(["=en"])
