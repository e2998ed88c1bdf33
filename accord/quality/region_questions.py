"""Agreement and consensus for the region questions: bbox, polygon, keypoints, segment, cuboid
(and the video questions, handed to :mod:`accord.quality.video_questions`).

The per-question entry points the server and the exporters use: answers in
(record, annotator, value) rows in, a summary or consensus rows out.
Boxes and segments are matched by IoU (:mod:`~accord.quality.agreement.boxes`,
:mod:`~accord.quality.agreement.segments`); consensus boxes and segments
come from Weighted Boxes Fusion (:mod:`~accord.quality.aggregation.box_fusion`).
Cuboids are matched by 3D IoU (BEV IoU reported beside it) and fused by
:mod:`~accord.quality.aggregation.cuboid_fusion`.
Polygons and keypoints have agreement but no consensus.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from accord.quality.aggregation.box_fusion import WeightedBoxesFusion, WeightedSegmentsFusion
from accord.quality.aggregation.cuboid_fusion import WeightedCuboidsFusion
from accord.quality.agreement.boxes import box_agreement, polygon_agreement
from accord.quality.agreement.cuboids import cuboid_agreement
from accord.quality.agreement.keypoints import keypoints_agreement
from accord.quality.agreement.segments import segment_agreement
from accord.quality.cuboids import Cuboid, as_cuboid
from accord.quality.geometry import Box, Segment, as_box, as_segment
from accord.quality.video_questions import (
    VIDEO_TYPES,
    video_consensus_rows,
    video_question_agreement,
)

__all__ = ["REGION_AGREEMENT", "REGION_CONSENSUS", "region_question_agreement",
           "region_consensus_rows"]

REGION_AGREEMENT = {"bbox": box_agreement, "polygon": polygon_agreement,
                    "segment": segment_agreement, "keypoints": keypoints_agreement,
                    "cuboid": cuboid_agreement}
"""Question type -> agreement function (F1 at an IoU threshold, mean IoU; for keypoints
object keypoint similarity in place of IoU)."""

REGION_CONSENSUS: dict[str, type[WeightedBoxesFusion]] = {
    "bbox": WeightedBoxesFusion, "segment": WeightedSegmentsFusion,
    "cuboid": WeightedCuboidsFusion}
"""Question type -> fusion aggregator."""

REGION_PARSERS: dict[str, Callable[[Any], Box | Segment | Cuboid]] = {
    "bbox": as_box, "segment": as_segment, "cuboid": as_cuboid}


def region_question_agreement(question_type: str, rows: Iterable[tuple[Any, Any, Any]], *,
                              threshold: float = 0.5) -> dict[str, Any]:
    """Agreement summary of one region question.

    Parameters
    ----------
    question_type : {"bbox", "polygon", "segment", "keypoints", "cuboid"}
    rows : iterable of (record, annotator, value)
        Submitted values of the question.
    threshold : float, default 0.5
        IoU needed for a match.

    Returns
    -------
    dict
        ``metric`` (e.g. ``"box_f1@0.5"``), ``value`` (mean F1 over annotator
        pairs per record, None when no record has two annotators), ``mean_iou``
        of matched pairs (mean OKS for keypoints), ``pairs`` compared and
        ``records_with_2plus``. Cuboids (matched by 3D IoU) add ``bev_f1`` and
        ``mean_bev_iou``: the same matched by their footprints seen from above.

    Examples
    --------
    >>> box = {"x": 0, "y": 0, "w": 4, "h": 4, "label": "car"}
    >>> s = region_question_agreement("bbox", [(1, "a", [box]), (1, "b", [box])])
    >>> s["metric"], s["value"], s["mean_iou"], s["records_with_2plus"]
    ('box_f1@0.5', 1.0, 1.0, 1)
    """
    if question_type in VIDEO_TYPES:
        return video_question_agreement(question_type, rows, threshold=threshold)
    if question_type not in REGION_AGREEMENT:
        raise ValueError(f"no region agreement for question type {question_type!r}; expected "
                         f"one of {', '.join(REGION_AGREEMENT)}")
    rows = list(rows)
    result = REGION_AGREEMENT[question_type](rows, threshold=threshold)
    kind = {"bbox": "box", "polygon": "polygon", "segment": "segment",
            "keypoints": "keypoint", "cuboid": "cuboid"}[question_type]

    def finite(v: float) -> float | None:
        return None if math.isnan(v) else float(v)

    out = {"metric": f"{kind}_f1@{threshold:g}", "value": finite(result.mean_f1),
           "mean_iou": finite(result.mean_iou), "pairs": result.n_pairs,
           "records_with_2plus": len(result.per_item), "annotations": len(rows)}
    if question_type == "cuboid":
        bev = cuboid_agreement(rows, threshold=threshold, bev=True)
        out.update(bev_f1=finite(bev.mean_f1), mean_bev_iou=finite(bev.mean_iou))
    return out


def region_consensus_rows(question_type: str, rows: Iterable[tuple[Any, Any, Any]], *,
                          iou_threshold: float = 0.55, min_score: float = 0.5,
                          agreement_threshold: float = 0.5) -> list[dict[str, Any]]:
    """Consensus of one ``bbox``, ``segment`` or ``cuboid`` question, one row per record.

    Each row has ``record_id``, ``value`` (the fused boxes or segments kept,
    each with its ``score``: the share of the record's annotators who drew
    it), ``confidence`` (the least clear keep-or-drop decision:
    ``min(max(s, 1 - s))`` over every fused region's score ``s``; 1 when
    nothing was drawn), ``agreement`` (mean pairwise F1 at
    ``agreement_threshold``, 1 with one annotator) and ``n_responses``.
    Human boxes count with confidence 1 whatever ``score`` they carry.

    Examples
    --------
    >>> seg = {"start": 0, "end": 2, "label": "speech"}
    >>> row = region_consensus_rows("segment", [(7, "a", [seg]), (7, "b", [seg])])[0]
    >>> row["value"], row["confidence"], row["agreement"]
    ([{'start': 0.0, 'end': 2.0, 'label': 'speech', 'score': 1.0}], 1.0, 1.0)
    """
    if question_type in VIDEO_TYPES:
        return video_consensus_rows(question_type, rows, threshold=agreement_threshold)
    if question_type not in REGION_CONSENSUS:
        raise ValueError(f"no consensus for question type {question_type!r}; expected one of "
                         f"{', '.join(REGION_CONSENSUS)}")
    parse = REGION_PARSERS[question_type]
    # parsed once for fusion and agreement; human regions count with confidence 1
    human = [(r, u, [parse(x)._replace(score=1.0) for x in (value or [])])
             for r, u, value in rows]
    if not human:
        return []
    counts: dict[Any, int] = defaultdict(int)
    for r, _, _ in human:
        counts[r] += 1
    fusion = REGION_CONSENSUS[question_type](iou_threshold=iou_threshold, min_score=0.0)
    consensus = fusion.fit_predict(human)
    agreement = REGION_AGREEMENT[question_type](human, threshold=agreement_threshold).per_item
    out = []
    for record, fused in consensus:
        kept = [f.as_dict() for f in fused if f.score >= min_score - 1e-12]
        confidence = min((max(f.score, 1.0 - f.score) for f in fused), default=1.0)
        out.append({"record_id": record, "value": kept, "confidence": float(confidence),
                    "agreement": float(agreement.get(record, 1.0)),
                    "n_responses": counts[record]})
    return out
