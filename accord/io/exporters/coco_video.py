"""``coco-video``: COCO-style video JSON (``videos``, ``images`` per frame, ``annotations``
with track ids), the layout of CocoVID / TAO / YouTube-VIS loaders.

One video per record with answers to the ``video_track`` question (``id`` the
record id, ``name`` the video field's value, ``width``, ``height``, ``fps``,
``length`` in frames, ``accord_external_id``). One image per frame of each
video (``video_id``, ``frame_id`` from 0, ``file_name`` the video's name with
``#frame=<n>``, ``width``, ``height``). One annotation per box of every frame
of every consensus track (see :mod:`accord.io.exporters.video_tracks`):
``bbox`` ``[x, y, w, h]``, ``area``, ``iscrowd`` 0, ``category_id`` (the
question's labels from 1), ``instance_id`` (unique over the file),
``track_id`` (the track's id within its video), ``keyframe`` (false for an
interpolated box) and ``score``. Videos, images and annotations are spooled
to temporary files, so memory stays flat.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.video_tracks import VideoTracks
from accord.schema.tracks import track_boxes

__all__ = ["FORMAT"]

_PARTS = ("videos", "images", "annotations")


class _Sink:
    def __init__(self, fh: BinaryIO, layout: _Layout) -> None:
        self.fh = fh
        self.layout = layout
        self.rows = 0
        self.counts = dict.fromkeys(_PARTS, 0)
        self.instances = 0
        self.spools = {p: tempfile.TemporaryFile() for p in _PARTS}

    def _add(self, part: str, item: dict[str, Any]) -> None:
        self.counts[part] += 1
        item["id"] = item.get("id") if part == "videos" else self.counts[part]
        if self.counts[part] > 1:
            self.spools[part].write(b",\n")
        self.spools[part].write(orjson.dumps(item))

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        video = row["video"]
        self._add("videos", video)
        first_image = self.counts["images"] + 1
        for frame in range(video["length"]):
            self._add("images", {"video_id": video["id"], "frame_id": frame,
                                 "file_name": f"{video['name']}#frame={frame}",
                                 "width": video["width"], "height": video["height"]})
        for track in row["tracks"]:
            self.instances += 1
            category = self.layout.categories[track["label"]]
            for b in track_boxes(track["keyframes"]):
                self._add("annotations", {
                    "image_id": first_image + b["frame"], "video_id": video["id"],
                    "category_id": category, "instance_id": self.instances,
                    "track_id": track["id"], "bbox": [b["x"], b["y"], b["w"], b["h"]],
                    "area": b["w"] * b["h"], "iscrowd": 0, "keyframe": b["keyframe"],
                    "score": track.get("score", 1.0)})

    def close(self) -> None:
        self.fh.write(b'{"info":' + orjson.dumps(self.layout.info))
        for part in _PARTS:
            self.fh.write(f',"{part}":[\n'.encode())
            spool = self.spools[part]
            spool.seek(0)
            shutil.copyfileobj(spool, self.fh, 1 << 20)
            spool.close()
            self.fh.write(b"\n]")
        cats = [{"id": i, "name": name} for name, i in self.layout.categories.items()]
        self.fh.write(b',"categories":' + orjson.dumps(cats) + b"}\n")


class _Layout:
    def __init__(self, info: dict[str, Any], categories: dict[str, int]) -> None:
        self.info = info
        self.categories = categories

    def open_sink(self, fh: BinaryIO) -> _Sink:
        return _Sink(fh, self)


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.tracks = VideoTracks(ctx, "coco-video")
        labels = list(self.tracks.question.labels)
        self.layout = _Layout({"description": f"accord export of {ctx.dataset}",
                               "date_created": datetime.now(UTC).isoformat(timespec="seconds"),
                               "version": "1.0"},
                              {label: i + 1 for i, label in enumerate(labels)})

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        row = self.tracks.consensus(record)
        if row is None:
            return []
        value = row["value"]
        ref = record.fields.get(self.tracks.question.field)
        video = {"id": record.id, "name": ref if isinstance(ref, str) else record.external_id,
                 "width": value["width"], "height": value["height"], "fps": self.tracks.fps,
                 "length": value["frames"], "accord_external_id": record.external_id}
        return [{"video": video, "tracks": value["tracks"]}]

    def columns(self) -> list[str]:
        return ["video", "tracks"]

    def schema(self) -> _Layout:
        return self.layout


FORMAT = ExportFormat("coco-video", "video", ("coco",), _Builder,
                      "COCO-style video JSON (videos, images per frame, annotations with "
                      "track ids) from consensus tracks", load={"full": True})
