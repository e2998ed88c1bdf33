"""Agreement and consensus for the video questions: video_segment, video_frame_label,
video_track.

- ``video_segment``: the audio ``segment`` rules on its ``segments`` (temporal
  IoU F1, weighted segments fusion); the consensus keeps the longest ``duration``.
- ``video_frame_label``: agreement is region F1 of the ranges as time
  intervals ``[start, end + 1)`` in frames; consensus is a frame-by-frame
  majority vote (:func:`frame_vote`).
- ``video_track``: IDF1 with CLEAR MOT's MOTA and MOTP
  (:mod:`accord.quality.agreement.tracks`); consensus by
  :func:`~accord.quality.aggregation.track_fusion.fuse_tracks`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

__all__ = ["VIDEO_TYPES", "frame_vote", "video_consensus_rows", "video_question_agreement"]

VIDEO_TYPES = ("video_segment", "video_frame_label", "video_track")


def _segments(qtype: str, value: Any) -> list[dict[str, Any]]:
    value = value or {}
    if qtype == "video_segment":
        return list(value.get("segments", []))
    return [{"start": r["start"], "end": r["end"] + 1, "label": r["label"]}
            for r in value.get("ranges", [])]


def _finite(v: float) -> float | None:
    return None if math.isnan(v) else float(v)


def video_question_agreement(qtype: str, rows: Iterable[tuple[Any, Any, Any]], *,
                             threshold: float = 0.5) -> dict[str, Any]:
    """Agreement summary of one video question (the keys of
    :func:`accord.quality.region_questions.region_question_agreement`; tracks add
    ``mota`` and ``motp``, and ``mean_iou`` is MOTP).

    Examples
    --------
    >>> v = {"frames": 10, "ranges": [{"start": 0, "end": 4, "label": "walk"}]}
    >>> w = {"frames": 10, "ranges": [{"start": 0, "end": 5, "label": "walk"}]}
    >>> s = video_question_agreement("video_frame_label", [(1, "a", v), (1, "b", w)])
    >>> s["metric"], s["value"], round(s["mean_iou"], 4)
    ('frame_range_f1@0.5', 1.0, 0.8333)
    """
    rows = list(rows)
    if qtype == "video_track":
        from accord.quality.agreement.tracks import track_agreement

        t = track_agreement(rows, threshold=threshold)
        return {"metric": f"track_idf1@{threshold:g}", "value": _finite(t.mean_idf1),
                "mota": _finite(t.mean_mota), "motp": _finite(t.mean_motp),
                "mean_iou": _finite(t.mean_motp), "pairs": t.n_pairs,
                "records_with_2plus": len(t.per_item), "annotations": len(rows)}
    if qtype not in VIDEO_TYPES:
        raise ValueError(f"no video agreement for question type {qtype!r}; expected one of "
                         f"{', '.join(VIDEO_TYPES)}")
    from accord.quality.agreement.segments import segment_agreement

    result = segment_agreement([(r, u, _segments(qtype, v)) for r, u, v in rows],
                               threshold=threshold)
    kind = "segment" if qtype == "video_segment" else "frame_range"
    return {"metric": f"{kind}_f1@{threshold:g}", "value": _finite(result.mean_f1),
            "mean_iou": _finite(result.mean_iou), "pairs": result.n_pairs,
            "records_with_2plus": len(result.per_item), "annotations": len(rows)}


def frame_vote(answers: list[Any]) -> tuple[dict[str, Any], float]:
    """Frame-by-frame majority of ``video_frame_label`` answers of one record.

    Each frame goes to the label most annotators gave it, unlabelled counting as
    a choice (so a frame needs a strict plurality over "no label"; ties go to no
    label, then to the first label in sorted order). Returns the value (frames:
    the largest given) and its confidence: the mean share of the winning choice
    over the frames anyone labelled (1 when nobody did).

    Examples
    --------
    >>> a = {"frames": 6, "ranges": [{"start": 0, "end": 3, "label": "walk"}]}
    >>> b = {"frames": 6, "ranges": [{"start": 1, "end": 3, "label": "walk"}]}
    >>> c = {"frames": 6, "ranges": [{"start": 2, "end": 5, "label": "run"}]}
    >>> frame_vote([a, b, c])
    ({'frames': 6, 'ranges': [{'start': 1, 'end': 3, 'label': 'walk'}]}, 0.6666666666666666)
    """
    n = len(answers)
    frames = max(((v or {}).get("frames") or 0 for v in answers), default=0)
    votes: dict[int, Counter[Any]] = defaultdict(Counter)
    for v in answers:
        for r in (v or {}).get("ranges", []):
            for f in range(r["start"], r["end"] + 1):
                votes[f][r["label"]] += 1
    winners: dict[int, Any] = {}
    shares = []
    for f in sorted(votes):
        counts = votes[f]
        none = n - sum(counts.values())
        best = min(counts, key=lambda lab: (-counts[lab], str(lab)))
        if counts[best] > none:
            winners[f] = best
            shares.append(counts[best] / n)
        else:
            shares.append(none / n)
    ranges: list[dict[str, Any]] = []
    for f in sorted(winners):
        if ranges and ranges[-1]["end"] == f - 1 and ranges[-1]["label"] == winners[f]:
            ranges[-1]["end"] = f
        else:
            ranges.append({"start": f, "end": f, "label": winners[f]})
    confidence = sum(shares) / len(shares) if shares else 1.0
    return {"frames": frames, "ranges": ranges}, float(confidence)


def video_consensus_rows(qtype: str, rows: Iterable[tuple[Any, Any, Any]], *,
                         threshold: float = 0.5) -> list[dict[str, Any]]:
    """Consensus of one video question, one row per record (the keys of
    :func:`accord.quality.region_questions.region_consensus_rows`)."""
    grouped: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    for record, annotator, value in rows:
        grouped[record].append((annotator, value))
    agreement = {}
    if grouped:
        rows_all = [(r, u, v) for r, answers in grouped.items() for u, v in answers]
        if qtype == "video_track":
            from accord.quality.agreement.tracks import track_agreement

            agreement = track_agreement(rows_all, threshold=threshold).per_item
        else:
            from accord.quality.agreement.segments import segment_agreement

            agreement = segment_agreement([(r, u, _segments(qtype, v)) for r, u, v in rows_all],
                                          threshold=threshold).per_item
    out = []
    for record, answers in grouped.items():
        if qtype == "video_track":
            from accord.quality.aggregation.track_fusion import fuse_tracks

            value, confidence = fuse_tracks(answers)
        elif qtype == "video_frame_label":
            value, confidence = frame_vote([v for _, v in answers])
        elif qtype == "video_segment":
            from accord.quality.region_questions import region_consensus_rows

            seg = region_consensus_rows("segment", [(record, u, _segments(qtype, v))
                                                    for u, v in answers])[0]
            duration = max(((v or {}).get("duration") or 0 for _, v in answers), default=0)
            value, confidence = {"duration": duration, "segments": seg["value"]}, \
                seg["confidence"]
        else:
            raise ValueError(f"no video consensus for question type {qtype!r}; expected one "
                             f"of {', '.join(VIDEO_TYPES)}")
        out.append({"record_id": record, "value": value, "confidence": confidence,
                    "agreement": float(agreement.get(record, 1.0)),
                    "n_responses": len(answers)})
    return out
