"""Package rules: purity, exported names, doctests, module size."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import accord.quality

PACKAGE_DIR = Path(accord.quality.__file__).parent
MODULES = sorted(
    m.name for m in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="accord.quality.")
)
FORBIDDEN = ("accord.store", "accord.server", "accord.workflow", "accord.io")


def test_quality_never_imports_the_store_server_workflow_or_io():
    code = (
        "import sys, accord.quality, accord.quality.agreement, accord.quality.aggregation\n"
        "import accord.quality.longform, accord.quality.annotators\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad)); print('pandas' in sys.modules, 'pyarrow' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    forbidden, flags = proc.stdout.splitlines()
    assert forbidden == "", f"accord.quality imported {forbidden}"
    assert flags == "False False", "pandas and pyarrow must not be imported by accord.quality"


def test_the_cli_module_imports_no_numerics_at_top_level():
    code = "import sys, accord.cli.quality; print('numpy' in sys.modules or 'scipy' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize(
    "name", ["accord.quality", "accord.quality.agreement", "accord.quality.aggregation"]
)
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    assert len(module.__all__) == len(set(module.__all__))
    for export in module.__all__:
        assert hasattr(module, export), f"{name}.__all__ names missing {export}"
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith("accord.quality")
    }
    assert public <= set(module.__all__), f"public but not exported: {public - set(module.__all__)}"


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_stays_small(name):
    module = importlib.import_module(name)
    lines = Path(module.__file__).read_text().count("\n")
    assert lines <= 400, f"{name} has {lines} lines (budget 400)"
    if not name.rsplit(".", 1)[-1].startswith("_"):
        assert hasattr(module, "__all__"), f"{name} has no __all__"


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
