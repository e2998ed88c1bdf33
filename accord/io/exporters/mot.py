r"""``mot``: a ZIP in the MOT Challenge layout, one sequence per video record.

Each record with answers to the ``video_track`` question is a sequence
``<name>/`` holding ``gt/gt.txt`` (its consensus tracks, see
:mod:`accord.io.exporters.video_tracks`) and ``seqinfo.ini``. ``gt.txt`` is the
MOT Challenge CSV, one line per box of every frame of every track (frames
from 1, as MOT counts them; frame ``f`` of the video is line frame ``f + 1``)::

    frame,id,bb_left,bb_top,bb_width,bb_height,conf,-1,-1,-1
    1,1,10,20,30,40,1,-1,-1,-1

``conf`` is the track's consensus score (the share of annotators who drew
it). ``seqinfo.ini`` has MOT's ``[Sequence]`` keys (``name``, ``frameRate``
from the field's ``fps``, ``seqLength``, ``imWidth``, ``imHeight``) and
accord's own: ``accordVideo`` (the video field's value), ``accordExternalId``
and ``accordLabels`` (track id -> label, JSON), which ``accord import
--format mot`` reads back. The sequence name is the external id when it is a
safe file name, else a safe version of it with ``-<record id>`` appended.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.kitti import frame_name
from accord.io.exporters.sinks import ZipLayout, ZipSink
from accord.io.exporters.video_tracks import VideoTracks
from accord.schema.tracks import track_boxes

__all__ = ["FORMAT", "mot_lines", "number"]


def number(value: float) -> str:
    """A coordinate as MOT files write it: up to 3 decimals, no trailing zeros.

    Examples
    --------
    >>> number(10), number(12.5), number(1 / 3)
    ('10', '12.5', '0.333')
    """
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def mot_lines(value: dict[str, Any]) -> list[str]:
    """The ``gt.txt`` lines of a ``video_track`` value, by frame then track id.

    Examples
    --------
    >>> v = {"tracks": [{"id": 2, "label": "car", "score": 0.5, "keyframes": [
    ...     {"frame": 0, "x": 0, "y": 0, "w": 4, "h": 4},
    ...     {"frame": 2, "x": 2, "y": 0, "w": 4, "h": 4}]}]}
    >>> mot_lines(v)
    ['1,2,0,0,4,4,0.5,-1,-1,-1', '2,2,1,0,4,4,0.5,-1,-1,-1', '3,2,2,0,4,4,0.5,-1,-1,-1']
    """
    rows = []
    for track in value.get("tracks", []):
        conf = number(track.get("score", 1.0))
        for b in track_boxes(track["keyframes"]):
            rows.append((b["frame"], track["id"],
                         f"{b['frame'] + 1},{track['id']},{number(b['x'])},{number(b['y'])},"
                         f"{number(b['w'])},{number(b['h'])},{conf},-1,-1,-1"))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def _ini(values: dict[str, Any]) -> bytes:
    return ("[Sequence]\n" + "".join(f"{k}={v}\n" for k, v in values.items())).encode()


class _Sequences(ZipSink):
    """``<sequence>/seqinfo.ini`` and ``<sequence>/gt/gt.txt`` per record."""

    def entries(self, row: dict[str, Any]) -> Iterable[tuple[str, str | bytes]]:
        seq = row["sequence"]
        return [(f"{seq}/seqinfo.ini", _ini(row["seqinfo"])),
                (f"{seq}/gt/gt.txt", "".join(line + "\n" for line in row["lines"]))]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.tracks = VideoTracks(ctx, "mot")

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        row = self.tracks.consensus(record)
        if row is None:
            return []
        value = row["value"]
        seq = frame_name(record.external_id, record.id)
        ref = record.fields.get(self.tracks.question.field)
        seqinfo = {"name": seq, "imDir": "img1", "frameRate": number(self.tracks.fps),
                   "seqLength": value["frames"], "imWidth": number(value["width"]),
                   "imHeight": number(value["height"]), "imExt": ".jpg",
                   "accordVideo": orjson.dumps(ref).decode(),
                   "accordExternalId": orjson.dumps(record.external_id).decode(),
                   "accordLabels": orjson.dumps({str(t["id"]): t["label"]
                                                 for t in value["tracks"]}).decode()}
        return [{"sequence": seq, "seqinfo": seqinfo, "lines": mot_lines(value)}]

    def columns(self) -> list[str]:
        return ["sequence", "seqinfo", "lines"]

    def schema(self) -> ZipLayout:
        return ZipLayout(_Sequences)


FORMAT = ExportFormat("mot", "video", ("zip",), _Builder,
                      "ZIP in the MOT Challenge layout (<video>/gt/gt.txt, seqinfo.ini): "
                      "consensus video tracks, every frame", load={"full": True})
