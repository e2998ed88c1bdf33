"""The assist package's public names, import weight and module sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import accord.assist

ROOT = Path(accord.assist.__file__).parent


def test_all_names_resolve():
    exported = [n for names in accord.assist._EXPORTS.values() for n in names]
    assert sorted(accord.assist.__all__) == sorted(exported)
    assert len(set(exported)) == len(exported)
    for name in accord.assist.__all__:
        assert getattr(accord.assist, name) is not None, name
    assert callable(accord.assist.prelabel) and callable(accord.assist.judge)


def test_assist_works_without_loading_torch():
    code = ("import sys, accord.assist as a; from accord.cli import build_app; build_app(); "
            "a.prioritize; a.route; a.calibrate; a.generate_candidates; "
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_modules_stay_small():
    files = list(ROOT.glob("*.py")) + [ROOT.parent / "cli" / "assist.py"]
    sizes = {f.name: len(f.read_text().splitlines()) for f in files}
    assert max(sizes.values()) <= 400, sizes
    assert "utils.py" not in sizes and "helpers.py" not in sizes


def test_assist_section_is_documented():
    docs = ROOT.parents[1] / "docs"
    settings_doc = (docs / "settings.md").read_text()
    assert "## Assist" in settings_doc and "auto_accept" in settings_doc
    guide = (docs / "assist.md").read_text()
    for command in ("prelabel", "calibrate", "route", "generate", "judge", "embed",
                    "prioritize", "edits"):
        assert f"accord assist {command}" in guide, command


def test_docstring_examples():
    import doctest
    import importlib

    failed = {}
    for path in sorted(ROOT.glob("*.py")):
        module = importlib.import_module(f"accord.assist.{path.stem}") \
            if path.stem != "__init__" else accord.assist
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        if result.failed:
            failed[path.stem] = result.failed
    assert not failed, failed
