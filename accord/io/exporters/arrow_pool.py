"""The Arrow memory pool of an export process: jemalloc instead of Arrow's default.

Arrow's default pool on Linux (mimalloc) keeps a heap per thread that allocates from it,
and an export allocates from four (the page readers' JSON reader, the caller's splits,
the Parquet writer's encoding): at 1M records x 3 responses its live Arrow memory was
4-16 MB while mimalloc held 32-73 MB resident, and the Parquet export's peak RSS passed
300 MB on both backends. With jemalloc, which hands unused pages back on its own, the
peak was 42-45 MB lower on PostgreSQL and 17-24 MB lower on SQLite at the same CPU
(docs/benchmarks.md, "Parquet export under 300 MB").

Arrow reads its default pool from ``ARROW_DEFAULT_MEMORY_POOL`` once, when pyarrow is
first loaded, and pyarrow's own ``set_memory_pool`` reaches only what pyarrow calls
(with it, the Parquet writer's and the JSON reader's internal buffers still came from
mimalloc: 303-306 MB). So the export entry point asks for the pool before anything
imports pyarrow, as it turns SQLite's memory statistics off before the first connection
(:func:`accord.store.export.sqlite.memory_statistics_off`).
"""

from __future__ import annotations

import os
import sys

__all__ = ["jemalloc_for_exports"]

_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def jemalloc_for_exports() -> bool:
    """Make jemalloc the process's Arrow pool, if pyarrow is not loaded yet, the
    environment names no pool and the platform's pyarrow builds have jemalloc (Linux);
    returns whether the variable is now set to it. A process-wide choice: for the
    ``accord export`` process (and the export benchmark), not for a server."""
    if "pyarrow" in sys.modules or not sys.platform.startswith("linux"):
        return os.environ.get(_VARIABLE) == "jemalloc"
    os.environ.setdefault(_VARIABLE, "jemalloc")
    return os.environ[_VARIABLE] == "jemalloc"
