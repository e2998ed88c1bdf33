"""What the video-track exports share: the track question, and each record's consensus tracks.

Per record with submitted answers to the ``video_track`` question (``--status``
and review fixes apply), the consensus of the annotators
(:func:`accord.quality.aggregation.track_fusion.fuse_tracks`: tracks matched
by identity, boxes fused frame by frame, a track kept when at least half the
annotators drew it, its ``score`` that share). The formats write every frame
of every track: keyframes and the boxes in between, from
:func:`accord.schema.tracks.track_boxes` (the boxes the annotation widget shows).
"""

from __future__ import annotations

from typing import Any

from accord.errors import InputError
from accord.io.exporters.base import Context
from accord.io.exporters.selection import usable_values
from accord.schema.questions import types_with_role

__all__ = ["VideoTracks"]


class VideoTracks:
    """The track question of an export and the consensus tracks of a record."""

    def __init__(self, ctx: Context, fmt: str) -> None:
        settings = ctx.settings
        chosen = [q for q in settings.questions if q.type in types_with_role("video_tracks")]
        if ctx.options.question is not None:
            chosen = [q for q in chosen if q.name == ctx.options.question]
            if not chosen:
                raise InputError(f"question {ctx.options.question!r} is not a video_track "
                                 "question", field="--question")
        if not chosen:
            raise InputError(f"the {fmt} format needs a video_track question; the dataset's "
                             "questions are "
                             f"{[f'{q.name} ({q.type})' for q in settings.questions]}",
                             field="--question")
        if len(chosen) > 1:
            raise InputError(f"the {fmt} format writes one set of tracks per video and the "
                             f"dataset has {len(chosen)} video_track questions "
                             f"{[q.name for q in chosen]}; pick one with --question",
                             field="--question")
        self.ctx = ctx
        self.question = chosen[0]
        fields = {f.name: f for f in settings.fields}
        self.fps = float(getattr(fields.get(self.question.field), "fps", 25.0))

    def consensus(self, record: Any) -> dict[str, Any] | None:
        """``{"value", "confidence", "n_responses"}`` of a record, or None without answers."""
        from accord.quality.region_questions import region_consensus_rows

        name = self.question.name
        status = self.ctx.options.status
        given = [(r.user, v[name]) for r in record.responses if r.status == "submitted"
                 and (v := usable_values(r.values, r.fix, r.review_state, status)) is not None
                 and v.get(name) is not None]
        if not given:
            return None
        return region_consensus_rows("video_track", [(record.id, u, v) for u, v in given])[0]
