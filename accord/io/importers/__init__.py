"""Importers for migrating from other tools: records together with their answers.

``accord import DATASET FILE --format label-studio|argilla|openai-chat|trl-dpo|conll|coco|
kitti|cuboids|mot|coco-video``
(see docs/import.md). :func:`open_source` picks the reader;
:func:`~accord.io.importers.migration.import_migration` writes everything in
one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.errors import InputError
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

MIGRATION_FORMATS = ("label-studio", "argilla", "openai-chat", "trl-dpo", "conll", "coco",
                     "kitti", "cuboids", "mot", "coco-video")


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
    if fmt == "label-studio":
        from accord.io.importers.label_studio import LabelStudioSource

        return LabelStudioSource(p)
    if fmt == "argilla":
        from accord.io.importers.argilla import ArgillaSource

        return ArgillaSource(p)
    if fmt == "openai-chat":
        from accord.io.importers.openai_chat import OpenAIChatSource

        return OpenAIChatSource(p)
    if fmt == "trl-dpo":
        from accord.io.importers.trl_dpo import TrlDpoSource

        return TrlDpoSource(p)
    if fmt == "conll":
        from accord.io.importers.conll import ConllSource

        return ConllSource(p)
    if fmt == "coco":
        from accord.io.importers.coco import CocoSource

        return CocoSource(p)
    if fmt == "kitti":
        from accord.io.importers.kitti import KittiSource

        return KittiSource(p)
    if fmt == "mot":
        from accord.io.importers.mot import MotSource

        return MotSource(p)
    if fmt == "coco-video":
        from accord.io.importers.coco_video import CocoVideoSource

        return CocoVideoSource(p)
    if fmt == "cuboids":
        from accord.io.importers.cuboids import CuboidsSource

        return CuboidsSource(p)
    raise InputError(f"unknown migration format {fmt!r}; expected one of "
                     f"{', '.join(MIGRATION_FORMATS)}", field="--format")
