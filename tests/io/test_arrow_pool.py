"""An export process's Arrow pool (accord.io.exporters.arrow_pool): jemalloc, asked for
before pyarrow is loaded, unless the environment names a pool or pyarrow is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_PROBE = """
import sys
{before}
from accord.io.exporters.arrow_pool import jemalloc_for_exports
asked = jemalloc_for_exports()
import pyarrow as pa
print(asked, pa.default_memory_pool().backend_name)
"""


def _pool(before: str = "", **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    environ.update(env, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", _PROBE.format(before=before)], env=environ,
                         capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux wheels have jemalloc")
def test_export_process_uses_jemalloc():
    assert _pool() == ["True", "jemalloc"]


def test_a_pool_named_by_the_environment_is_kept():
    assert _pool(ARROW_DEFAULT_MEMORY_POOL="system") == ["False", "system"]


def test_nothing_changes_once_pyarrow_is_loaded():
    import pyarrow as pa

    default = _pool("import pyarrow")
    assert default[0] == "False" and default[1] != "jemalloc"
    assert default[1] == pa.default_memory_pool().backend_name or \
        os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
