"""The ``cuboids`` JSONL export read back: point-cloud records with every annotator's cuboids.

Each line is a frame as written by ``accord export --format cuboids``
(:mod:`accord.io.exporters.cuboids`): ``external_id``, ``point_cloud``,
``field`` and ``annotations`` (``[{user, cuboids: {question: value}}]``).
Each annotation becomes a submitted response of the user
``imported:cuboids:<user>``; the consensus in the file is not imported (it
is recomputed from the answers). With ``--create`` the dataset gets the
point-cloud field named in the file and one cuboid question per question
name found, labelled with the labels used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord, MigratedResponse
from accord.schema import Settings, parse_settings

__all__ = ["CuboidsSource"]


class CuboidsSource:
    format = "cuboids"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self.path.open("rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    row = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    raise InputError(f"not valid JSON: {exc}", path=str(self.path),
                                     line=n) from None
                if not isinstance(row, dict) or not isinstance(row.get("external_id"), str) \
                        or not isinstance(row.get("annotations", []), list):
                    raise InputError("expected {external_id, point_cloud, field, annotations: "
                                     "[{user, cuboids}]}", path=str(self.path), line=n)
                yield n, row

    def infer_settings(self) -> Settings:
        field = None
        labels: dict[str, dict[str, None]] = {}
        for _, row in self._lines():
            field = field or row.get("field")
            for ann in row.get("annotations", []):
                for q, value in ((ann or {}).get("cuboids") or {}).items():
                    for c in value if isinstance(value, list) else []:
                        if isinstance(c, dict) and isinstance(c.get("label"), str):
                            labels.setdefault(q, {})[c["label"]] = None
        if not labels:
            raise InputError("no cuboids to make labels from", path=str(self.path))
        field = field if isinstance(field, str) else "scan"
        return parse_settings({"fields": [{"name": field, "type": "point_cloud"}],
                               "questions": [{"name": q, "type": "cuboid", "field": field,
                                              "labels": list(ls)} for q, ls in labels.items()]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        questions = {q.name: q for q in settings.questions if q.type == "cuboid"}
        if not questions:
            raise InputError("importing cuboids needs a cuboid question; the dataset's questions "
                             f"are {[q.name for q in settings.questions]}", path=str(self.path),
                             field="questions")
        field = next(iter(questions.values())).field
        for n, row in self._lines():
            responses = []
            for ann in row.get("annotations", []):
                if not isinstance(ann, dict) or not isinstance(ann.get("user"), str):
                    yield MigratedRecord(n, {}, error=InputError(
                        "an annotation needs a user and cuboids", path=str(self.path), line=n))
                    break
                values = {q: v for q, v in (ann.get("cuboids") or {}).items() if q in questions}
                if values:
                    responses.append(MigratedResponse(ann["user"], values))
            else:
                yield MigratedRecord(n, {"external_id": row["external_id"],
                                         field: row.get("point_cloud")},
                                     row.get("metadata") or {}, responses=responses)
