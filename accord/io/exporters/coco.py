"""``coco``: COCO object-detection JSON from ``bbox``, ``polygon`` and ``keypoints`` questions.

One image per record with submitted answers (``id`` the record id, ``file_name``
the image field's value: a path under the media root, a URL, or the external
id for a data URI; ``coco_url`` for http(s) images; ``width``/``height`` from
the record's metadata or fields when known). Categories, numbered from 1 in
settings order: one per label of each bbox and polygon question (its
``supercategory`` is the question), one per label of a keypoints question (or
one named after the question) with its ``keypoints`` names and 1-based
``skeleton``. Annotations: ``bbox`` ``[x, y, w, h]``, ``area``, ``iscrowd`` 0,
``segmentation`` ``[[x1, y1, x2, y2, ...]]`` for polygons, ``keypoints``
``[x, y, v, ...]`` (``v`` 2 visible, 0 not marked) with ``num_keypoints``.

What is exported per record (``--status`` and review fixes apply):

- boxes: the consensus of the annotators by weighted boxes fusion (a box is
  kept when at least half the annotators drew it; its ``score`` is that share);
- polygons and keypoints: the answer of the medoid annotator (highest mean F1
  with the others: polygon IoU, object keypoint similarity; the first answer
  with two annotators). A keypoints instance without a label goes to the
  category of the question's first label.

With ``--all-responses`` every annotator's answer is exported instead, each
annotation carrying ``annotator``. The file is written
under a temporary name and renamed (images streamed, annotations spooled to a
temporary file, so memory stays flat).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.selection import usable_values
from accord.schema.media_refs import media_ref_kind
from accord.schema.questions import types_with_role

__all__ = ["FORMAT", "CocoLayout", "CocoSink", "coco_categories"]



def coco_categories(questions: list[Any]) -> tuple[list[dict[str, Any]], dict[tuple[str, Any],
                                                                              int]]:
    """COCO categories for the image questions and the ``(question, label) -> id`` map.

    Examples
    --------
    >>> from accord.schema import parse_settings
    >>> s = parse_settings({"fields": [{"name": "img", "type": "image"}], "questions": [
    ...     {"name": "b", "type": "bbox", "field": "img", "labels": ["car", "bus"]},
    ...     {"name": "k", "type": "keypoints", "field": "img", "points": ["h", "t"],
    ...      "skeleton": [["h", "t"]]}]})
    >>> cats, ids = coco_categories(s.questions)
    >>> [(c["id"], c["name"]) for c in cats], cats[2]["skeleton"], ids[("b", "bus")]
    ([(1, 'car'), (2, 'bus'), (3, 'k')], [[1, 2]], 2)
    """
    cats: list[dict[str, Any]] = []
    ids: dict[tuple[str, Any], int] = {}
    for q in questions:
        if q.type in ("bbox", "polygon"):
            for label in q.labels:
                ids[(q.name, label)] = len(cats) + 1
                cats.append({"id": len(cats) + 1, "name": label, "supercategory": q.name})
        elif q.type == "keypoints":
            index = {p: i + 1 for i, p in enumerate(q.points)}
            skeleton = [[index[a], index[b]] for a, b in q.skeleton]
            for label in (list(q.labels) if q.labels else [None]):
                ids[(q.name, label)] = len(cats) + 1
                cats.append({"id": len(cats) + 1, "name": q.name if label is None else label,
                             "supercategory": q.name, "keypoints": list(q.points),
                             "skeleton": skeleton})
    return cats, ids


class CocoSink:
    """Writes one COCO file: images as they come, annotations spooled, categories last."""

    def __init__(self, fh: BinaryIO, layout: CocoLayout) -> None:
        self.fh = fh
        self.layout = layout
        self.rows = 0
        self.annotations = 0
        self._spool = tempfile.TemporaryFile()
        fh.write(b'{"info":' + orjson.dumps(layout.info) + b',"licenses":[],"images":[\n')

    def write(self, row: dict[str, Any]) -> None:
        if self.rows:
            self.fh.write(b",\n")
        self.fh.write(orjson.dumps(row["image"]))
        self.rows += 1
        for ann in row["annotations"]:
            self.annotations += 1
            ann["id"] = self.annotations
            if self.annotations > 1:
                self._spool.write(b",\n")
            self._spool.write(orjson.dumps(ann))

    def close(self) -> None:
        self.fh.write(b'\n],"annotations":[\n')
        self._spool.seek(0)
        shutil.copyfileobj(self._spool, self.fh, 1 << 20)
        self._spool.close()
        self.fh.write(b'\n],"categories":' + orjson.dumps(self.layout.categories) + b"}\n")


class CocoLayout:
    """What the COCO sink needs besides the rows (passed as the builder's ``schema``)."""

    def __init__(self, info: dict[str, Any], categories: list[dict[str, Any]]) -> None:
        self.info = info
        self.categories = categories

    def open_sink(self, fh: BinaryIO) -> CocoSink:
        return CocoSink(fh, self)


def _size(record: Any) -> dict[str, int]:
    out = {}
    for key in ("width", "height"):
        for source in (record.metadata or {}, record.fields):
            v = source.get(key)
            if isinstance(v, str) and v.isdigit():
                v = int(v)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                out[key] = int(v)
                break
    return out


def _bounds(points: list[list[float]]) -> list[float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        from accord.errors import InputError

        self.ctx = ctx
        settings = ctx.settings
        chosen = [q for q in settings.questions if q.type in types_with_role("regions")]
        if ctx.options.question is not None:
            chosen = [q for q in chosen if q.name == ctx.options.question]
            if not chosen:
                raise InputError(f"question {ctx.options.question!r} is not a bbox, polygon or "
                                 "keypoints question", field="--question")
        if not chosen:
            raise InputError("the coco format needs a bbox, polygon or keypoints question; the "
                             f"dataset's questions are "
                             f"{[f'{q.name} ({q.type})' for q in settings.questions]}",
                             field="--question")
        fields = sorted({q.field for q in chosen})
        if len(fields) > 1:
            raise InputError(f"the image questions annotate different image fields {fields}; "
                             "pick one question with --question", field="--question")
        self.field = fields[0]
        self.questions = chosen
        self.all = ctx.options.all_responses
        categories, self.category_ids = coco_categories(chosen)
        from datetime import UTC, datetime

        self.layout = CocoLayout({"description": f"accord export of {ctx.dataset}",
                                  "date_created": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "version": "1.0"}, categories)

    def _image(self, record: Any) -> dict[str, Any] | None:
        ref = record.fields.get(self.field)
        kind = media_ref_kind(ref, "image")
        if kind is None:
            return None
        image: dict[str, Any] = {"id": record.id, "file_name": ref if kind != "data" else
                                 record.external_id}
        if kind == "url":
            image["coco_url"] = ref
        image.update(_size(record))
        image["accord_external_id"] = record.external_id
        return image

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        image = self._image(record)
        if image is None:
            return []
        status = self.ctx.options.status
        answers = [(r.user, v) for r in record.responses if r.status == "submitted"
                   and (v := usable_values(r.values, r.fix, r.review_state, status)) is not None]
        if not answers:
            return []
        anns: list[dict[str, Any]] = []
        for q in self.questions:
            given = [(user, v[q.name]) for user, v in answers if v.get(q.name) is not None]
            if not given:
                continue
            if self.all:
                for user, value in given:
                    anns.extend({**a, "annotator": user} for a in self._annotations(q, value,
                                                                                      record.id))
            else:
                anns.extend(self._annotations(q, self._consensus(q, given, record.id),
                                              record.id))
        return [{"image": image, "annotations": anns}]

    def _consensus(self, q: Any, given: list[tuple[str, Any]], record_id: int) -> Any:
        if q.type == "bbox":
            from accord.quality.region_questions import region_consensus_rows

            rows = region_consensus_rows("bbox", [(record_id, u, v) for u, v in given])
            return rows[0]["value"] if rows else []
        if len(given) > 2:
            from accord.quality.region_questions import REGION_AGREEMENT

            agreement = REGION_AGREEMENT[q.type]

            def mean_f1(i: int) -> float:
                return sum(agreement([(0, "a", given[i][1]), (0, "b", v)]).mean_f1
                           for j, (_, v) in enumerate(given) if j != i) / (len(given) - 1)
            return given[max(range(len(given)), key=lambda i: (mean_f1(i), -i))][1]
        return given[0][1]

    def _annotations(self, q: Any, value: list[dict[str, Any]],
                     image_id: int) -> list[dict[str, Any]]:
        out = []
        for item in value:
            label = item.get("label")
            if q.type == "keypoints" and q.labels and label is None:
                label = next(iter(q.labels))  # an unlabelled instance: the first label
            base: dict[str, Any] = {"image_id": image_id,
                                    "category_id": self.category_ids[(q.name, label)],
                                    "iscrowd": 0}
            if q.type == "bbox":
                box = [item["x"], item["y"], item["w"], item["h"]]
                base.update(bbox=box, area=item["w"] * item["h"])
            elif q.type == "polygon":
                from accord.quality.geometry import polygon_area

                pts = item["points"]
                base.update(segmentation=[[c for p in pts for c in p]], bbox=_bounds(pts),
                            area=polygon_area([tuple(p) for p in pts]))
            else:
                visible = [item["points"][p] for p in q.points if p in item["points"]]
                flat: list[float] = []
                for p in q.points:
                    xy = item["points"].get(p)
                    flat.extend([xy[0], xy[1], 2] if xy is not None else [0, 0, 0])
                bbox = _bounds(visible)
                base.update(keypoints=flat, num_keypoints=len(visible), bbox=bbox,
                            area=bbox[2] * bbox[3])
            if item.get("score") is not None:
                base["score"] = item["score"]
            out.append(base)
        return out

    def columns(self) -> list[str]:
        return ["image", "annotations"]

    def schema(self) -> CocoLayout:
        return self.layout


FORMAT = ExportFormat("coco", "images", ("coco",), _Builder,
                      "COCO JSON (images, categories, boxes, polygons, keypoints) from consensus",
                      load={"full": True})
