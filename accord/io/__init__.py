"""Importers and exporters (streaming, batched).

The names below are loaded on first use, so that importing a light submodule
(:mod:`accord.io.catalog`, :mod:`accord.io.readers`) does not pull in every
exporter.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ImportOptions", "ImportSummary", "import_file", "import_rows", "export_jsonl"]

_HOMES = {"ImportOptions": "accord.io.importer", "ImportSummary": "accord.io.importer",
          "import_file": "accord.io.importer", "import_rows": "accord.io.importer",
          "export_jsonl": "accord.io.exporters"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'accord.io' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
