"""COCO JSON (``images``, ``annotations``, ``categories``) as image records with suggestions.

Each image becomes a record: external id the image ``id``, the image field its
``file_name`` (a path under the server's media root), else its ``coco_url`` /
``flickr_url``; ``width``, ``height`` and ``coco_id`` go to the metadata. Its
annotations become *suggestions* of the agent ``coco-import`` (not
answers): boxes for the dataset's bbox question, polygon ``segmentation``
lists for its polygon question, ``keypoints`` triplets (``v > 0``) for its
keypoints question. A detection's ``score`` stays on its box and the
suggestion's score is the mean of them. RLE segmentations (``iscrowd`` 1)
contribute their box only.

With ``--create`` the dataset gets an ``image`` field, a ``boxes`` bbox
question labelled with the category names, a ``regions`` polygon question
when there are polygons and a ``pose`` keypoints question when a category has
keypoints (names and skeleton from the first such category).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord
from accord.schema import Settings, parse_settings

__all__ = ["AGENT", "CocoSource", "CocoJsonFile"]

AGENT = "coco-import"


def _number_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, (int, float)) and
                                           not isinstance(v, bool) for v in value)


class CocoJsonFile:
    """A COCO-style JSON file (COCO, COCO-video): the object loaded once, its ``top`` list
    required, its other lists checked and its categories indexed by id (``data["_cats"]``);
    errors name the file and the key."""

    top = "images"
    expected = "a COCO object with an 'images' list"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None

    def _error(self, message: str, field: str | None = None) -> InputError:
        return InputError(message, path=str(self.path), field=field)

    def _load(self) -> dict[str, Any]:
        if self._data is not None:
            return self._data
        try:
            data = orjson.loads(self.path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise self._error(f"not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get(self.top), list):
            raise self._error(f"expected {self.expected}", field=self.top)
        for key in ("images", "annotations", "categories"):
            if not isinstance(data.get(key, []), list):
                raise self._error(f"expected a list, got {type(data[key]).__name__}", field=key)
        cats = {}
        for i, c in enumerate(data.get("categories", [])):
            if not isinstance(c, dict) or "id" not in c or not isinstance(c.get("name"), str):
                raise self._error(f"category {i}: expected {{id, name}}, got {c!r}"[:200],
                                  field="categories")
            cats[c["id"]] = c
        data["_cats"] = cats
        self._data = self._checked(data)
        return self._data

    def _checked(self, data: dict[str, Any]) -> dict[str, Any]:
        """What a format adds to the common checks (COCO: nothing)."""
        return data


class CocoSource(CocoJsonFile):
    format = "coco"

    def infer_settings(self) -> Settings:
        data = self._load()
        cats = data["_cats"]
        names = list(dict.fromkeys(c["name"] for c in cats.values()))
        if not names:
            raise self._error("no categories to make labels from", field="categories")
        anns = data.get("annotations", [])
        questions: list[dict[str, Any]] = [
            {"name": "boxes", "type": "bbox", "field": "image", "labels": names}]
        if any(isinstance(a, dict) and isinstance(a.get("segmentation"), list) and
               a["segmentation"] for a in anns):
            questions.append({"name": "regions", "type": "polygon", "field": "image",
                              "labels": names})
        kp = next((c for c in cats.values() if c.get("keypoints")), None)
        if kp is not None:
            points = [str(p) for p in kp["keypoints"]]
            skeleton = [[points[a - 1], points[b - 1]] for a, b in kp.get("skeleton") or []
                        if 0 < a <= len(points) and 0 < b <= len(points)]
            kp_labels = [c["name"] for c in cats.values() if c.get("keypoints")]
            questions.append({"name": "pose", "type": "keypoints", "field": "image",
                              "points": points, "skeleton": skeleton,
                              "labels": list(dict.fromkeys(kp_labels))})
        return parse_settings({"fields": [{"name": "image", "type": "image"}],
                               "questions": questions})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        data = self._load()
        cats = data["_cats"]
        first = {t: next((q for q in settings.questions if q.type == t), None)
                 for t in ("bbox", "polygon", "keypoints")}
        if first["bbox"] is None and first["polygon"] is None and first["keypoints"] is None:
            raise self._error("importing COCO needs a bbox, polygon or keypoints question; the "
                              f"dataset's questions are {[q.name for q in settings.questions]}",
                              field="questions")
        field = next(q for q in first.values() if q is not None).field
        by_image: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for i, a in enumerate(data.get("annotations", [])):
            if isinstance(a, dict):
                by_image[a.get("image_id")].append((i, a))
            else:
                raise self._error(f"annotation {i}: expected an object, got {a!r}"[:200],
                                  field="annotations")
        for n, image in enumerate(data["images"]):
            try:
                yield self._record(n, image, by_image, cats, first, field)
            except InputError as exc:
                yield MigratedRecord(None, {}, error=exc)

    def _record(self, n: int, image: Any, by_image: dict[Any, list[tuple[int, dict[str, Any]]]],
                cats: dict[Any, dict[str, Any]], first: dict[str, Any],
                field: str) -> MigratedRecord:
        if not isinstance(image, dict) or "id" not in image:
            raise self._error(f"image {n}: expected an object with an 'id', got {image!r}"[:200],
                              field="images")
        ref = image.get("file_name") or image.get("coco_url") or image.get("flickr_url")
        if not isinstance(ref, str) or not ref:
            raise self._error(f"image {image['id']!r}: no file_name, coco_url or flickr_url",
                              field="images")
        meta = {k: image[k] for k in ("width", "height") if k in image}
        meta["coco_id"] = image["id"]
        values: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i, a in by_image.get(image["id"], []):
            cat = cats.get(a.get("category_id"))
            if cat is None:
                raise self._error(f"annotation {a.get('id', i)!r} of image {image['id']!r}: "
                                  f"unknown category_id {a.get('category_id')!r}",
                                  field="annotations")
            score = a.get("score")
            extra = {"score": score} if isinstance(score, (int, float)) else {}
            bbox = a.get("bbox")
            if first["bbox"] is not None and _number_list(bbox) and len(bbox) == 4:
                x, y, w, h = bbox
                values["bbox"].append({"x": x, "y": y, "w": w, "h": h, "label": cat["name"],
                                       **extra})
            seg = a.get("segmentation")
            if first["polygon"] is not None and isinstance(seg, list):
                for ring in seg:
                    if _number_list(ring) and len(ring) >= 6 and len(ring) % 2 == 0:
                        values["polygon"].append({"points": [[ring[k], ring[k + 1]] for k in
                                                             range(0, len(ring), 2)],
                                                  "label": cat["name"], **extra})
            kps = a.get("keypoints")
            q = first["keypoints"]
            if q is not None and _number_list(kps) and cat.get("keypoints"):
                names = [str(p) for p in cat["keypoints"]]
                points = {names[k // 3]: [kps[k], kps[k + 1]] for k in range(0, len(kps) - 2, 3)
                          if k // 3 < len(names) and kps[k + 2] > 0 and names[k // 3] in q.points}
                if points:
                    inst: dict[str, Any] = {"points": points, **extra}
                    if q.labels:
                        inst["label"] = cat["name"]
                    values["keypoints"].append(inst)
        suggestions = []
        for kind, items in values.items():
            scores = [it["score"] for it in items if "score" in it]
            suggestions.append((first[kind].name, items,
                                sum(scores) / len(scores) if scores else None, AGENT))
        return MigratedRecord(None, {"external_id": str(image["id"]), field: ref}, meta,
                              suggestions=suggestions)
