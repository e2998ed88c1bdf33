"""The names of the formats accord reads and writes, declared once and cheap to import.

The CLI's ``--help`` texts, the readers, the migration importers and the
exporters' registry all take their lists from here, so a format added in one
place shows up everywhere (and a help text cannot fall behind the code). Nothing
here imports a format's implementation: ``accord --help`` stays fast.

* :data:`READ_FORMATS`: what ``accord import`` reads as plain records
  (:func:`accord.io.readers.read_rows`);
* :data:`MIGRATION_FORMATS`: other tools' files read with their answers
  (:data:`MIGRATION_SOURCES` names each one's reader for
  :func:`accord.io.importers.open_source`);
* :data:`EXPORT_FORMATS`: ``accord export --format`` names; the module
  ``accord.io.exporters.<name with - as _>`` defines each one's ``FORMAT``
  (:data:`accord.io.exporters.FORMATS` is built from this list);
* :data:`CONTAINERS`: ``--to`` values; each export format allows some of them.
"""

from __future__ import annotations

__all__ = ["CONTAINERS", "EXPORT_FORMATS", "MIGRATION_FORMATS", "MIGRATION_SOURCES",
           "READ_FORMATS", "export_module", "names"]

READ_FORMATS: tuple[str, ...] = ("jsonl", "json", "csv", "parquet", "hf")

MIGRATION_SOURCES: dict[str, str] = {
    "label-studio": "label_studio:LabelStudioSource",
    "argilla": "argilla:ArgillaSource",
    "openai-chat": "openai_chat:OpenAIChatSource",
    "trl-dpo": "trl_dpo:TrlDpoSource",
    "conll": "conll:ConllSource",
    "coco": "coco:CocoSource",
    "kitti": "kitti:KittiSource",
    "cuboids": "cuboids:CuboidsSource",
    "mot": "mot:MotSource",
    "coco-video": "coco_video:CocoVideoSource",
}
"""Each migration format's reader, ``module:Class`` under :mod:`accord.io.importers`."""

MIGRATION_FORMATS: tuple[str, ...] = tuple(MIGRATION_SOURCES)

EXPORT_FORMATS: tuple[str, ...] = (
    "jsonl", "csv", "parquet", "hf", "sft-messages", "sft-prompt-completion", "dpo", "kto",
    "reward", "openai-chat", "openai-dpo", "conll", "label-studio", "coco", "audio-segments",
    "kitti", "cuboids", "mot", "coco-video")

CONTAINERS: dict[str, str] = {
    "jsonl": "JSON Lines",
    "csv": "CSV",
    "parquet": "one Parquet file",
    "hub": "Parquet shards + dataset card",
    "disk": "save_to_disk + dataset card",
    "json": "one JSON document",
    "conll": "CoNLL columns",
    "coco": "COCO JSON",
    "zip": "ZIP archive",
}


def export_module(name: str) -> str:
    """The module defining export format ``name``'s ``FORMAT``."""
    return "accord.io.exporters." + name.replace("-", "_")


def names(values: tuple[str, ...] | dict[str, str]) -> str:
    """``a, b, c`` for a help text."""
    return ", ".join(values)
