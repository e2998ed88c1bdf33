"""Exporters: one module per format, each streaming records to an atomic output.

:func:`export_dataset` runs an export (see :mod:`accord.io.exporters.run`);
:data:`FORMATS` maps each ``--format`` name to its :class:`ExportFormat`.
"""

from __future__ import annotations

from accord.io.exporters import (
    audio_segments,
    coco,
    coco_video,
    conll,
    csv,
    cuboids,
    dpo,
    hf,
    jsonl,
    kitti,
    kto,
    label_studio,
    mot,
    openai_chat,
    openai_dpo,
    parquet,
    reward,
    sft_messages,
    sft_prompt_completion,
)
from accord.io.exporters.base import ExportFormat
from accord.io.exporters.jsonl import export_jsonl
from accord.io.exporters.options import ExportOptions, options_from_mapping, parse_split
from accord.io.exporters.run import ExportSummary, export_dataset

__all__ = ["EXPORT_FORMATS", "FORMATS", "ExportFormat", "ExportOptions", "ExportSummary",
           "export_dataset", "export_jsonl", "options_from_mapping", "parse_split"]

FORMATS: dict[str, ExportFormat] = {m.FORMAT.name: m.FORMAT for m in (
    jsonl, csv, parquet, hf, sft_messages, sft_prompt_completion, dpo, kto, reward, openai_chat,
    openai_dpo, conll, label_studio, coco, audio_segments, kitti, cuboids, mot, coco_video)}

EXPORT_FORMATS = tuple(FORMATS)
