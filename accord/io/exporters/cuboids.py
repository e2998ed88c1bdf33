"""``cuboids``: JSONL, one line per point-cloud record with answered ``cuboid`` questions.

Each line (a frame)::

    {"external_id": "frame-7", "point_cloud": "scans/7.pcd", "field": "scan",
     "cuboids": {"objects": [{"x": 12.1, "y": -3.4, "z": 0.9, "l": 4.2, "w": 1.8,
                              "h": 1.6, "yaw": 0.31, "label": "car", "score": 1.0,
                              "points": 118}]},
     "confidence": {"objects": 1.0},
     "annotations": [{"user": "ann1", "cuboids": {"objects": [...]}}],
     "metadata": {...}}

``cuboids`` holds the consensus of each cuboid question by weighted fusion of
the matched cuboids (:mod:`accord.quality.aggregation.cuboid_fusion`: kept
when at least half the annotators drew it, ``score`` that share),
``confidence`` the least clear keep-or-drop decision of the frame,
``annotations`` every annotator's own cuboids (``--status`` and review fixes
apply). ``points`` counts the points inside each consensus cuboid
(:func:`accord.quality.cuboids.count_points`) when the point cloud is a file
under the media root (``$ACCORD_MEDIA_ROOT``), else it is null. Records
without a submitted answer are left out. Coordinates are the point cloud's
own (LiDAR) frame; ``accord import --format cuboids`` reads the file back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.selection import usable_values
from accord.schema.media_refs import media_ref_kind
from accord.schema.questions import types_with_role

__all__ = ["FORMAT", "CuboidFrames"]


def _local_points(ref: Any) -> Any:
    """The points of a media-root file, or None (no root, a URL, unreadable)."""
    root = os.environ.get("ACCORD_MEDIA_ROOT")
    if not root or media_ref_kind(ref, "point_cloud") != "path":
        return None
    from accord.io.point_clouds import read_point_cloud

    base = Path(root).resolve()
    target = (base / ref).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    try:
        return read_point_cloud(target)
    except InputError:
        return None


class CuboidFrames:
    """Per record: the cuboid questions' consensus and each annotator's cuboids
    (shared by the ``cuboids`` and ``kitti`` formats)."""

    def __init__(self, ctx: Context, fmt: str) -> None:
        settings = ctx.settings
        chosen = [q for q in settings.questions if q.type in types_with_role("cuboids")]
        if ctx.options.question is not None:
            chosen = [q for q in chosen if q.name == ctx.options.question]
            if not chosen:
                raise InputError(f"question {ctx.options.question!r} is not a cuboid question",
                                 field="--question")
        if not chosen:
            names = [f"{q.name} ({q.type})" for q in settings.questions]
            raise InputError(f"the {fmt} format needs a cuboid question; the dataset's "
                             f"questions are {names}", field="--question")
        fields = sorted({q.field for q in chosen})
        if len(fields) > 1:
            raise InputError(f"the cuboid questions annotate different point-cloud fields "
                             f"{fields}; pick one question with --question", field="--question")
        self.ctx = ctx
        self.field = fields[0]
        self.questions = chosen

    def frame(self, record: Any, *, count_points: bool = True) -> dict[str, Any] | None:
        from accord.quality.region_questions import region_consensus_rows

        status = self.ctx.options.status
        answers = [(r.user, v) for r in record.responses if r.status == "submitted"
                   and (v := usable_values(r.values, r.fix, r.review_state, status)) is not None]
        fused: dict[str, list[dict[str, Any]]] = {}
        confidence: dict[str, float] = {}
        per_user: dict[str, dict[str, Any]] = {}
        for q in self.questions:
            given = [(u, v[q.name]) for u, v in answers if v.get(q.name) is not None]
            if not given:
                continue
            for user, value in given:
                per_user.setdefault(user, {})[q.name] = value
            rows = region_consensus_rows("cuboid", [(record.id, u, v) for u, v in given])
            fused[q.name] = rows[0]["value"] if rows else []
            confidence[q.name] = rows[0]["confidence"] if rows else 1.0
        if not per_user:
            return None
        ref = record.fields.get(self.field)
        if count_points:
            from accord.quality.cuboids import count_points as count

            points = _local_points(ref)
            for cuboids in fused.values():
                for c in cuboids:
                    c["points"] = None if points is None else count(points, c)
        return {"external_id": record.external_id, "point_cloud": ref, "field": self.field,
                "cuboids": fused, "confidence": confidence,
                "annotations": [{"user": u, "cuboids": a} for u, a in per_user.items()],
                "metadata": record.metadata or {}}


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.frames = CuboidFrames(ctx, "cuboids")

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        frame = self.frames.frame(record)
        return [] if frame is None else [frame]

    def columns(self) -> list[str]:
        return ["external_id", "point_cloud", "field", "cuboids", "confidence", "annotations",
                "metadata"]

    def schema(self) -> Any:
        return None


FORMAT = ExportFormat("cuboids", "point_clouds", ("jsonl",), _Builder,
                      "JSONL per point cloud: consensus cuboids with point counts, every "
                      "annotator's", load={"full": True})
