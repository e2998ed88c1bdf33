"""Importers for migrating from other tools: records together with their answers.

``accord import DATASET FILE --format F`` with F one of
:data:`accord.io.catalog.MIGRATION_FORMATS` (see docs/import.md).
:func:`open_source` picks the reader;
:func:`~accord.io.importers.migration.import_migration` writes everything in
one transaction.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.catalog import MIGRATION_FORMATS, MIGRATION_SOURCES
from accord.io.importers.migration import (
    MigratedRecord,
    MigratedResponse,
    MigrationSummary,
    import_migration,
)

__all__ = [
    "MIGRATION_FORMATS",
    "MigratedRecord",
    "MigratedResponse",
    "MigrationSummary",
    "import_migration",
    "open_source",
]


def open_source(fmt: str, path: str | Path) -> Any:
    """The migration source reading ``path`` in format ``fmt``.

    Raises
    ------
    InputError
        Unknown format or missing file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(p))
    if fmt not in MIGRATION_SOURCES:
        raise InputError(f"unknown migration format {fmt!r}; expected one of "
                         f"{', '.join(MIGRATION_FORMATS)}", field="--format")
    module, cls = MIGRATION_SOURCES[fmt].split(":")
    return getattr(importlib.import_module(f"accord.io.importers.{module}"), cls)(p)
