"""Exporters: one module per format, each streaming records to an atomic output.

:func:`export_dataset` runs an export (see :mod:`accord.io.exporters.run`);
:data:`FORMATS` maps each ``--format`` name (:data:`accord.io.catalog.EXPORT_FORMATS`)
to its :class:`ExportFormat`.
"""

from __future__ import annotations

import importlib

from accord.io.catalog import CONTAINERS, EXPORT_FORMATS, export_module
from accord.io.exporters.base import ExportFormat
from accord.io.exporters.jsonl import export_jsonl
from accord.io.exporters.options import ExportOptions, options_from_mapping, parse_split
from accord.io.exporters.run import ExportSummary, export_dataset

__all__ = ["EXPORT_FORMATS", "FORMATS", "ExportFormat", "ExportOptions", "ExportSummary",
           "checked", "export_dataset", "export_jsonl", "options_from_mapping",
           "parse_split"]


def checked(name: str, fmt: ExportFormat) -> ExportFormat:
    """``fmt`` if it is the catalog's format ``name`` with containers the catalog knows."""
    if fmt.name != name:
        raise RuntimeError(f"{export_module(name)}.FORMAT is named {fmt.name!r}, not {name!r}")
    unknown = [c for c in fmt.containers if c not in CONTAINERS]
    if unknown:
        raise RuntimeError(f"export format {name!r}: unknown container {unknown[0]!r}")
    return fmt


FORMATS: dict[str, ExportFormat] = {
    name: checked(name, importlib.import_module(export_module(name)).FORMAT)
    for name in EXPORT_FORMATS}
