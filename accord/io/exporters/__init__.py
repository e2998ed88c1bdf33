"""Exporters: one module per format, each streaming records to an atomic output file."""

from __future__ import annotations

from accord.io.exporters.jsonl import export_jsonl

__all__ = ["EXPORT_FORMATS", "export_jsonl"]

EXPORT_FORMATS = ("jsonl",)
