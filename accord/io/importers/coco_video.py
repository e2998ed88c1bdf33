"""COCO-style video JSON (``videos``, ``images`` with ``video_id``/``frame_id``,
``annotations`` with ``instance_id``) as video records with suggested tracks.

Each video becomes a record: external id its ``accord_external_id`` (written
by ``accord export --format coco-video``), else its ``id``; the video field its
``name`` (else ``file_name``). Annotations are grouped into tracks by
``instance_id`` (else ``track_id``); a track's label is its first
annotation's category and its id the annotation's ``track_id`` when every
track of the video has a distinct one, else the tracks are numbered from 1.
The frame of an annotation is its image's ``frame_id``. Boxes are clipped to
the video's ``width`` x ``height`` and reduced to keyframes
(:mod:`accord.io.importers.tracks`); the tracks become a *suggestion* of the
agent ``coco-video-import`` for the dataset's ``video_track`` question. With
``--create`` the dataset gets a ``video`` field (``fps`` of the first video,
default 25) and a ``tracks`` question labelled with the category names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from accord.errors import InputError
from accord.io.importers.coco import CocoJsonFile
from accord.io.importers.migration import MigratedRecord
from accord.io.importers.tracks import tracks_value
from accord.schema import Settings, parse_settings

__all__ = ["AGENT", "CocoVideoSource"]

AGENT = "coco-video-import"


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


class CocoVideoSource(CocoJsonFile):
    format = "coco-video"
    top = "videos"
    expected = "a COCO-video object with a 'videos' list"

    def _checked(self, data: dict[str, Any]) -> dict[str, Any]:
        data["_cats"] = {i: c["name"] for i, c in data["_cats"].items()}
        images = {}
        for i, img in enumerate(data.get("images", [])):
            if not isinstance(img, dict) or "id" not in img or \
                    not isinstance(img.get("frame_id"), int):
                raise self._error(f"image {i}: expected {{id, video_id, frame_id}}, got "
                                  f"{img!r}"[:200], "images")
            images[img["id"]] = img
        data["_images"] = images
        return data

    def infer_settings(self) -> Settings:
        data = self._load()
        labels = list(dict.fromkeys(data["_cats"].values()))
        if not labels:
            raise self._error("no categories to make labels from", "categories")
        videos = data["videos"]
        fps = videos[0].get("fps") if videos and isinstance(videos[0], dict) else None
        return parse_settings({"fields": [{"name": "video", "type": "video",
                                           "fps": fps if _positive(fps) else 25.0}],
                               "questions": [{"name": "tracks", "type": "video_track",
                                              "field": "video", "labels": labels}]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        data = self._load()
        question = next((q for q in settings.questions if q.type == "video_track"), None)
        if question is None:
            raise self._error("importing COCO-video needs a video_track question; the "
                              f"dataset's questions are {[q.name for q in settings.questions]}",
                              "questions")
        by_video: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for i, a in enumerate(data.get("annotations", [])):
            if not isinstance(a, dict):
                raise self._error(f"annotation {i}: expected an object, got {a!r}"[:200],
                                  "annotations")
            image = data["_images"].get(a.get("image_id"))
            video_id = a.get("video_id", image.get("video_id") if image else None)
            by_video[video_id].append((i, a))
        for n, video in enumerate(data["videos"]):
            try:
                yield self._record(n, video, by_video, question)
            except InputError as exc:
                yield MigratedRecord(None, {}, error=exc)

    def _record(self, n: int, video: Any, by_video: dict[Any, list[tuple[int, dict[str, Any]]]],
                question: Any) -> MigratedRecord:
        data = self._load()
        if not isinstance(video, dict) or "id" not in video:
            raise self._error(f"video {n}: expected an object with an 'id', got {video!r}"[:200],
                              "videos")
        ref = video.get("name") or video.get("file_name")
        if not isinstance(ref, str) or not ref:
            raise self._error(f"video {video['id']!r}: no name or file_name", "videos")
        boxes: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        labels: dict[Any, str] = {}
        track_ids: dict[Any, Any] = {}
        scores: dict[Any, float] = {}
        last_frame = -1
        for i, a in by_video.get(video["id"], []):
            image = data["_images"].get(a.get("image_id"))
            bbox = a.get("bbox")
            if image is None or not isinstance(bbox, list) or len(bbox) != 4:
                raise self._error(f"annotation {a.get('id', i)!r}: expected an image_id of this "
                                  "file's images and a bbox [x, y, w, h]", "annotations")
            label = data["_cats"].get(a.get("category_id"))
            if label is None or label not in question.labels:
                raise self._error(f"annotation {a.get('id', i)!r}: category "
                                  f"{a.get('category_id')!r} is not a label of question "
                                  f"{question.name!r} ({list(question.labels)})", "annotations")
            key = a.get("instance_id", a.get("track_id"))
            labels.setdefault(key, label)
            track_ids.setdefault(key, a.get("track_id"))
            if isinstance(a.get("score"), (int, float)):
                scores[key] = a["score"]
            frame = image["frame_id"]
            last_frame = max(last_frame, frame)
            boxes[key].append({"frame": frame, "x": bbox[0], "y": bbox[1], "w": bbox[2],
                               "h": bbox[3]})
        given = [track_ids[k] for k in boxes]
        distinct = all(isinstance(t, int) and t >= 1 for t in given) and \
            len(set(given)) == len(given)
        ids = {k: (track_ids[k] if distinct else i + 1) for i, k in enumerate(boxes)}
        frames = video.get("length") if _positive(video.get("length")) else last_frame + 1
        width = video.get("width") if _positive(video.get("width")) else max(
            (b["x"] + b["w"] for bs in boxes.values() for b in bs), default=1)
        height = video.get("height") if _positive(video.get("height")) else max(
            (b["y"] + b["h"] for bs in boxes.values() for b in bs), default=1)
        value = tracks_value({ids[k]: v for k, v in boxes.items()},
                             {ids[k]: v for k, v in labels.items()}, frames=int(frames),
                             width=width, height=height,
                             scores={ids[k]: v for k, v in scores.items()})
        external_id = video.get("accord_external_id", video["id"])
        meta = {k: video[k] for k in ("width", "height", "fps") if k in video}
        meta["coco_video_id"] = video["id"]
        suggestions = [(question.name, value, None, AGENT)] if value["tracks"] else []
        return MigratedRecord(None, {"external_id": str(external_id), question.field: ref},
                              meta, suggestions=suggestions)
