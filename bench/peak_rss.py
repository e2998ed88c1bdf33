"""Peak resident memory of a process, as the benchmarks report it.

``getrusage(RUSAGE_SELF).ru_maxrss`` survives ``fork`` + ``exec``: a child
started by a benchmark that first populated a database in the parent reports
the parent's peak as its own. ``VmHWM`` in ``/proc/PID/status`` belongs to the
process's current address space, which ``exec`` replaces, so it is the
child's own peak.
"""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak RSS in MiB of ``pid`` (default: this process); ``ru_maxrss`` off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid != "self":
        return float("nan")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
