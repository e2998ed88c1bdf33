r"""``kitti``: a ZIP of KITTI object label files, one ``label_2/<frame>.txt`` per point cloud.

Each record with submitted answers to a cuboid question becomes one frame;
its file has one line per consensus cuboid (weighted fusion of the
annotators' cuboids, see :mod:`accord.io.exporters.cuboids`), with the
fused ``score`` as the 16th value::

    Car 0.00 0 -1.373401 0.00 0.00 0.00 0.00 1.500000 2.000000 4.000000 -2.000000 1.250000 \
        10.000000 -1.570796 1.000000

(one line in the file)

Axes: the cuboids are turned from the LiDAR frame into KITTI's camera frame
by the nominal axis change, without per-frame calibration (see
:mod:`accord.io.kitti_labels` for the exact formulas). The frame name is the
record's external id when it is a safe file name (letters, digits, ``.``,
``_``, ``-``), else that name with unsafe characters replaced and ``-<record
id>`` appended. ``frames.jsonl`` in the ZIP maps each frame to its external id
and point-cloud reference. ``accord import --format kitti`` reads the ZIP back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.cuboids import CuboidFrames
from accord.io.exporters.sinks import ZipLayout, ZipSink
from accord.io.kitti_labels import cuboid_to_kitti

__all__ = ["FORMAT", "frame_name"]

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,120}$")


def frame_name(external_id: str, record_id: int) -> str:
    """The file name (without ``.txt``) of a record's label file.

    Examples
    --------
    >>> frame_name("000123", 1), frame_name("scan 7/a", 9)
    ('000123', 'scan_7_a-9')
    """
    if _SAFE.match(external_id) and external_id not in (".", ".."):
        return external_id
    return re.sub(r"[^A-Za-z0-9._-]", "_", external_id)[:100] + f"-{record_id}"


class _LabelFiles(ZipSink):
    """``label_2/<frame>.txt`` per record, then ``frames.jsonl`` indexing them."""

    def __init__(self, fh: BinaryIO) -> None:
        super().__init__(fh)
        self.index: list[bytes] = []

    def entries(self, row: dict[str, Any]) -> Iterable[tuple[str, str | bytes]]:
        self.index.append(orjson.dumps({"frame": row["frame"], "external_id": row["external_id"],
                                        "point_cloud": row["point_cloud"]}))
        return [(f"label_2/{row['frame']}.txt", row["text"])]

    def closing(self) -> Iterable[tuple[str, str | bytes]]:
        return [("frames.jsonl", b"\n".join(self.index) + (b"\n" if self.index else b""))]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.frames = CuboidFrames(ctx, "kitti")

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        frame = self.frames.frame(record, count_points=False)
        if frame is None:
            return []
        lines = [cuboid_to_kitti(c) for cuboids in frame["cuboids"].values() for c in cuboids]
        return [{"frame": frame_name(record.external_id, record.id),
                 "external_id": record.external_id, "point_cloud": frame["point_cloud"],
                 "text": "".join(line + "\n" for line in lines)}]

    def columns(self) -> list[str]:
        return ["frame", "external_id", "point_cloud", "text"]

    def schema(self) -> ZipLayout:
        return ZipLayout(_LabelFiles)


FORMAT = ExportFormat("kitti", "point_clouds", ("zip",), _Builder,
                      "ZIP of KITTI object label files (label_2/<frame>.txt), consensus cuboids",
                      load={"full": True})
