"""The examples in the prep docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.prep.test_imports import MODULES


@pytest.mark.parametrize("name", [m for m in MODULES if m not in ("accord.prep.executors.ray",)])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
