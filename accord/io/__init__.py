"""Importers and exporters (streaming, batched)."""

from accord.io.exporters import export_jsonl
from accord.io.importer import ImportOptions, ImportSummary, import_file, import_rows

__all__ = ["ImportOptions", "ImportSummary", "import_file", "import_rows", "export_jsonl"]
