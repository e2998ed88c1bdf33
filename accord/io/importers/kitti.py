"""KITTI object labels (a ZIP or a directory of ``label_2/*.txt``) as point-cloud records.

Each label file is a frame and becomes a record: external id the
``external_id`` of the frame in ``frames.jsonl`` (written by ``accord export
--format kitti``), else the file's stem; the point-cloud field the frame's
``point_cloud`` there, else ``velodyne/<stem>.bin`` (KITTI's layout, under the
media root). Its objects become a *suggestion* of the agent ``kitti-import``
for the dataset's cuboid question (not an answer), turned back into the
LiDAR frame (:mod:`accord.io.kitti_labels`); ``DontCare`` lines are skipped.
With ``--create`` the dataset gets a ``scan`` point-cloud field and a
``cuboids`` question labelled with the object types found.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord
from accord.io.kitti_labels import kitti_to_cuboid
from accord.schema import Settings, parse_settings

__all__ = ["AGENT", "KittiSource"]

AGENT = "kitti-import"


class KittiSource:
    format = "kitti"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._frames: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] | None = None

    def _files(self) -> tuple[list[tuple[str, str]], bytes | None]:
        """``[(name, text)]`` of the label files (sorted) and ``frames.jsonl`` if present."""
        if self.path.is_dir():
            labels = sorted(self.path.glob("label_2/*.txt")) or sorted(self.path.glob("*.txt"))
            index = self.path / "frames.jsonl"
            return ([(str(p), p.read_text("utf-8")) for p in labels],
                    index.read_bytes() if index.is_file() else None)
        try:
            with zipfile.ZipFile(self.path) as z:
                names = sorted(n for n in z.namelist() if n.endswith(".txt"))
                index = z.read("frames.jsonl") if "frames.jsonl" in z.namelist() else None
                return [(f"{self.path}:{n}", z.read(n).decode("utf-8")) for n in names], index
        except zipfile.BadZipFile:
            raise InputError("expected a ZIP of KITTI label files (label_2/<frame>.txt) or a "
                             "directory of them", path=str(self.path)) from None

    def _load(self) -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
        if self._frames is not None:
            return self._frames
        files, index = self._files()
        if not files:
            raise InputError("no KITTI label files (label_2/<frame>.txt) found",
                             path=str(self.path))
        known: dict[str, dict[str, Any]] = {}
        for n, line in enumerate((index or b"").splitlines(), 1):
            if line.strip():
                try:
                    entry = orjson.loads(line)
                    known[str(entry["frame"])] = entry
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    raise InputError("expected {frame, external_id, point_cloud}",
                                     path=f"{self.path}:frames.jsonl", line=n) from None
        frames = []
        for name, text in files:
            stem = PurePosixPath(name.split(":")[-1]).stem
            cuboids = []
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    c = kitti_to_cuboid(line, path=name, line_no=n)
                    if c is not None:
                        cuboids.append(c)
            entry = known.get(stem, {})
            frames.append((str(entry.get("external_id", stem)),
                           {"point_cloud": entry.get("point_cloud", f"velodyne/{stem}.bin")},
                           cuboids))
        self._frames = frames
        return frames

    def infer_settings(self) -> Settings:
        labels = list(dict.fromkeys(c["label"] for _, _, cs in self._load() for c in cs))
        if not labels:
            raise InputError("no objects to make labels from", path=str(self.path))
        return parse_settings({"fields": [{"name": "scan", "type": "point_cloud"}],
                               "questions": [{"name": "cuboids", "type": "cuboid",
                                              "field": "scan", "labels": labels}]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        question = next((q for q in settings.questions if q.type == "cuboid"), None)
        if question is None:
            raise InputError("importing KITTI labels needs a cuboid question; the dataset's "
                             f"questions are {[q.name for q in settings.questions]}",
                             path=str(self.path), field="questions")
        for external_id, refs, cuboids in self._load():
            scores = [c["score"] for c in cuboids if "score" in c]
            suggestions = [(question.name, cuboids, sum(scores) / len(scores) if scores
                            else None, AGENT)] if cuboids else []
            yield MigratedRecord(None, {"external_id": external_id,
                                        question.field: refs["point_cloud"]},
                                 suggestions=suggestions)
