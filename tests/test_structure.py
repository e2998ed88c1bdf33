"""The structure rules, checked by the tools inside ``make test`` (and so CI).

- ``ruff check``: the rule set in pyproject.toml ([tool.ruff.lint]).
- ``mypy``: strict on the packages listed in [tool.mypy] ``files``.
- ``lint-imports``: the layer chain and the forbidden imports in [tool.importlinter].
- No test, benchmark or tool reads a path outside the repository.

Each test fails with the tool's own output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "bench", "tools")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=REPO, capture_output=True, text=True, timeout=600)


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        pytest.fail(f"{module} is not installed: pip install -e '.[test]' (in the test extra)")


def test_ruff_finds_nothing():
    _require("ruff")
    res = _run(sys.executable, "-m", "ruff", "check", "--no-cache", "accord", *SCANNED)
    assert res.returncode == 0, f"ruff check failed:\n{res.stdout}{res.stderr}"


def test_mypy_finds_nothing():
    _require("mypy")
    res = _run(sys.executable, "-m", "mypy")
    assert res.returncode == 0, f"mypy failed:\n{res.stdout}{res.stderr}"


def test_import_contracts_are_kept():
    _require("importlinter")
    res = _run(sys.executable, "-c",
               "import sys; from importlinter.cli import lint_imports_command; "
               "sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()")
    assert res.returncode == 0, f"lint-imports found a broken contract:\n{res.stdout}{res.stderr}"


# -- nothing outside the repository ---------------------------------------------------------

_OUTSIDE = re.compile(  # the old data folder, a ".." path part, a home or work directory
    r"""shared/data|\.\./shared|["']\.\.["']\s*/|["'](?:/work|/home|/root|/mnt)/""")
_FROM_FILE = re.compile(
    r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parents?\b(?:\[\d+\])?)+)")
_ROOT_NAME = re.compile(r"^(\w+)\s*(?::\s*\w+\s*)?=\s*Path\(__file__\)[^\n]*$", re.M)


def _levels(chain: str) -> int:
    """How many directories ``.parent`` / ``.parents[k]`` go up."""
    return sum(int(k) + 1 if k else 1 for k in re.findall(r"\.parents?(?:\[(\d+)\])?", chain))


def path_escapes(rel: Path, text: str) -> list[str]:
    """The places in ``text`` (the file at ``rel`` in the repo) that point outside the repo."""
    found = [f"{rel}: {m.group(0)!r}" for m in _OUTSIDE.finditer(text)]
    top = len(rel.parts)  # going up this many directories from the file reaches the repo root
    roots = {}
    for m in _FROM_FILE.finditer(text):
        if _levels(m.group(1)) > top:
            found.append(f"{rel}: {m.group(0)} goes above the repository")
    for m in _ROOT_NAME.finditer(text):
        chain = _FROM_FILE.search(m.group(0))
        if chain:
            roots[m.group(1)] = _levels(chain.group(1))
    for name, up in roots.items():
        for m in re.finditer(rf"\b{name}((?:\.parents?\b(?:\[\d+\])?)+)", text):
            if up + _levels(m.group(1)) > top:
                found.append(f"{rel}: {m.group(0)} goes above the repository")
    return found


def test_path_escapes_are_recognized():
    assert path_escapes(Path("tests/conftest.py"),
                        'REPO = Path(__file__).resolve().parents[1]\nD = REPO.parent / "x"\n')
    assert path_escapes(Path("bench/b.py"), 'D = Path(__file__).resolve().parents[1].parent\n')
    assert path_escapes(Path("tests/a/b.py"), 'D = Path(__file__).parent.parent.parent.parent\n')
    assert path_escapes(Path("tools/t.py"), 'SHARED = ROOT / ".." / "shared" / "data"\n')
    assert path_escapes(Path("tests/t.py"), 'open("/work/main/x.jsonl")\n')
    assert not path_escapes(Path("tests/a/b.py"),
                            'REPO = Path(__file__).resolve().parents[2]\nD = REPO / "tests"\n')
    assert not path_escapes(Path("tests/t.py"), 'bad = ["../x.png", "/etc/passwd"]\n')


def test_no_test_bench_or_tool_reads_outside_the_repository():
    found = []
    for top in SCANNED:
        for path in sorted((REPO / top).rglob("*")):
            rel = path.relative_to(REPO)
            if not path.is_file() or rel.parts[:2] == ("tests", "data") or path.suffix == ".pyc":
                continue
            if path.resolve() == Path(__file__).resolve():
                continue  # this file spells the patterns out
            found += path_escapes(rel, path.read_text(encoding="utf-8", errors="replace"))
    assert not found, "paths outside the repository:\n" + "\n".join(found)
