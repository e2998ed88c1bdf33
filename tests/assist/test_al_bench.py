"""bench/al_bench.py's two-phase strategies (``typiclust20+margin``), run in a child
interpreter: importing the bench sets its one-BLAS-thread environment, which must not leak
into the test process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHECK = """
import sys
sys.path.insert(0, "bench")
from al_bench import phase
two = {i: "ab"[i % 2] for i in range(10)}
one = {i: "a" for i in range(30)}
print(phase("typiclust20+margin", {}), phase("typiclust20+margin", two),
      phase("typiclust20+margin", {**two, **{i: "a" for i in range(10, 20)}}),
      phase("random10+balanced-margin", two), phase("random10+balanced-margin", one),
      phase("margin", one), phase("margin", two), phase("auto", {}))
"""


def test_two_phase_strategies():
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.split()
    # the start until N answers of two classes, then the second strategy; plain uncertainty
    # strategies start at random until two classes are seen; auto is passed through
    assert out == ["typiclust", "typiclust", "margin", "balanced-margin", "random", "random",
                   "margin", "auto"]
    bad = subprocess.run([sys.executable, "bench/al_bench.py", "--strategies",
                          "typiclust20+smart"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown strategy 'typiclust20+smart'" in bad.stderr
