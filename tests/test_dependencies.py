"""Declared dependencies match the imports (pyproject.toml against the source), the optional ones
are really optional, and docs/development.md says why each extra is one."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions as _packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
EXTRAS: dict[str, list[str]] = PROJECT["optional-dependencies"]

# declared but never imported by name, each for a reason
NOT_IMPORTED = {
    "python-multipart": "FastAPI parses uploaded files with it",
    "psycopg": "SQLAlchemy loads it for postgresql+psycopg:// URLs",
    "pytest-timeout": "a pytest plugin (the timeout ini option)",
    "pytest-xdist": "a pytest plugin (pytest -n 2: parts of the suite on two workers)",
    "types-pyyaml": "type information for mypy",
    "ruff": "run by tests/test_structure.py",
    "mypy": "run by tests/test_structure.py",
    "import-linter": "run by tests/test_structure.py (module importlinter)",
    "onnx": "onnxruntime's quantizer imports it when accord exports the embedding model",
}
# imported but not declared, each for a reason
UNDECLARED: dict[str, str] = {}


# import name -> distribution for optional packages whose names differ, so the check holds
# where they are not installed (a fresh `make test` venv has no bench extra)
DISTRIBUTION_OF = {"crowdkit": "crowd-kit", "faiss": "faiss-cpu", "llama_cpp": "llama-cpp-python"}


packages_distributions = functools.cache(_packages_distributions)


def _name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def _declared(*groups: str) -> set[str]:
    reqs = PROJECT["dependencies"] if "core" in groups else []
    reqs += [r for g in groups if g != "core" for r in EXTRAS[g] if not r.startswith("accord[")]
    return {_name(r) for r in reqs}


@functools.cache
def _imported(top: str) -> set[str]:
    """Third-party distributions imported by the Python files under ``top``."""
    modules = set()
    for path in (REPO / top).rglob("*.py"):
        if "data" in path.relative_to(REPO).parts[:2]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    dists = packages_distributions()
    found = set()
    for mod in modules - set(sys.stdlib_module_names) - {"accord", "tests", "bench", "tools"}:
        if mod in UNDECLARED:
            continue
        if mod not in dists:
            if (REPO / top / mod).exists() or (REPO / top / f"{mod}.py").exists():
                continue  # a module of the folder itself (bench/peak_rss.py)
            found.add(_name(DISTRIBUTION_OF.get(mod, mod)))  # not installed here (bench only)
            continue
        found |= {_name(d) for d in dists[mod]}
    return found


RUNTIME = ("core", "postgres", "data", "hf", "quality", "prep", "assist", "similarity",
           "distributed")


def test_every_import_of_accord_is_declared():
    missing = _imported("accord") - _declared(*RUNTIME)
    assert not missing, f"accord imports undeclared packages: {sorted(missing)}"


def test_every_declared_dependency_is_used():
    used = _imported("accord") | _imported("tests") | _imported("bench")
    unused = _declared(*RUNTIME, "test", "bench", "local-llm") - used - set(NOT_IMPORTED)
    assert not unused, f"declared but imported nowhere: {sorted(unused)}"


def test_tests_and_benches_declare_what_they_import():
    tests = _imported("tests") - _declared(*RUNTIME, "test", "local-llm")
    assert not tests, f"tests import packages outside the test extra: {sorted(tests)}"
    bench = _imported("bench") - _declared(*RUNTIME, "test", "bench")
    assert not bench, f"benches import undeclared packages: {sorted(bench)}"


def test_the_core_runs_without_any_extra():
    """The server app and the CLI import with every optional package blocked."""
    blocked = sorted({m for g in RUNTIME if g != "core" for m in _modules_of(g)})
    code = f"""
import importlib.abc, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError("blocked optional package " + name)
sys.meta_path.insert(0, Block())
from accord.server.app import create_app
from accord.store import make_engine, upgrade
import accord.cli, accord.client, accord.schema
engine = make_engine("sqlite://")
upgrade(engine)
create_app(engine)
engine.dispose()
print("ok")
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, timeout=300)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-3000:]


def _modules_of(extra: str) -> set[str]:
    dists = packages_distributions()
    names = _declared(extra) - _declared("core")
    return {mod for mod, ds in dists.items() if any(_name(d) in names for d in ds)}


def test_docs_say_why_each_extra_is_optional():
    text = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    section = text.split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1) for m in re.finditer(r"^\| `([a-z-]+)` \|", section, re.M)}
    assert rows == set(EXTRAS) - {"all"}, (
        f"docs/development.md 'Dependencies' lists {sorted(rows)}, "
        f"pyproject has {sorted(set(EXTRAS) - {'all'})}")
