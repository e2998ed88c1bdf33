"""The CLI's tables in a pipe or a file: not squeezed into a terminal's 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

_TABLE = ("from rich.table import Table; from accord.cli.console import console; "
          "t = Table('rule'); [t.add_column(h) for h in ('coverage', 'overlaps', 'conflicts', "
          "'accuracy (responses)', 'learned accuracy', 'accuracy (gold)')]; "
          "t.add_row('a rule with a long name', *['12.5%'] * 6); console.print(t)")


@pytest.mark.parametrize(("columns", "cut"), [(None, False), ("80", True)])
def test_a_piped_table_keeps_its_headers_unless_columns_says_otherwise(columns, cut):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(REPO)
    if columns is not None:
        env["COLUMNS"] = columns
    out = subprocess.run([sys.executable, "-c", _TABLE], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout
    whole = all(h in out for h in ("accuracy (responses)", "learned accuracy",
                                    "a rule with a long name"))
    assert whole is not cut, out
    assert max(len(line) for line in out.splitlines()) <= (80 if cut else 200)
