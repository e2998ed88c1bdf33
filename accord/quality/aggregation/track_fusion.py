"""Consensus of video tracks: tracks matched across annotators, boxes fused frame by frame.

1. Identity: the annotators' tracks are grouped into objects. The answer with
   the most tracks seeds one group per track; each other answer's tracks are
   matched one to one to the groups by the Hungarian algorithm on the number
   of frames where the track overlaps the group's first track with IoU >=
   ``iou_threshold`` (same label; IDF1's identity matching, Ristani et al.
   2016, :mod:`accord.quality.agreement.tracks`); unmatched tracks start new groups.
2. Boxes: per group and frame, the members' boxes (keyframes plus linear
   interpolation, :func:`accord.schema.tracks.track_boxes`) are fused by
   Weighted Boxes Fusion (Solovyev et al. 2021,
   :func:`~accord.quality.aggregation.box_fusion.weighted_boxes_fusion`); the
   frame is kept when at least ``min_share`` of the annotators have a box there.
3. Keyframes: the kept boxes are reduced to the fewest keyframes that
   reproduce them within ``tolerance`` pixels
   (:func:`accord.schema.tracks.simplify_keyframes`).

A fused track is kept when its group holds at least ``min_share`` of the
annotators; its ``score`` is that share. The answer's confidence is the least
clear keep-or-drop decision, ``min(max(s, 1 - s))`` over every group's share
``s`` (1 when nobody drew a track), as for boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from accord.quality.aggregation.box_fusion import weighted_boxes_fusion
from accord.quality.agreement.tracks import paired_iou
from accord.schema.tracks import COORDS, simplify_keyframes, track_boxes

__all__ = ["fuse_tracks"]


class _Track:
    """One annotator's track as arrays: its frames (sorted) and their ``(n, 4)`` boxes."""

    def __init__(self, track: dict[str, Any]) -> None:
        boxes = list(track_boxes(track["keyframes"]))
        self.frames = np.array([b["frame"] for b in boxes], dtype=np.int64)
        self.coords = np.array([[b[c] for c in COORDS] for b in boxes], dtype=np.float64)

    def items(self) -> Any:
        return zip(self.frames.tolist(), self.coords, strict=True)


def _overlap(a: _Track, b: _Track, threshold: float) -> int:
    _, ia, ib = np.intersect1d(a.frames, b.frames, assume_unique=True, return_indices=True)
    if not len(ia):
        return 0
    return int((paired_iou(a.coords[ia], b.coords[ib]) >= threshold).sum())


def fuse_tracks(answers: Sequence[tuple[Any, Any]], *, iou_threshold: float = 0.5,
                min_share: float = 0.5, tolerance: float = 0.5) -> tuple[dict[str, Any], float]:
    """Fuse several annotators' ``video_track`` answers of one record.

    Parameters
    ----------
    answers : sequence of (annotator, value)
    iou_threshold : float, default 0.5
        Overlap for two tracks' boxes to count as the same object in a frame.
    min_share : float, default 0.5
        Share of the annotators a fused track (and each of its frames) needs.
    tolerance : float, default 0.5
        Pixels the stored keyframes may differ from the fused per-frame boxes.

    Returns
    -------
    (value, confidence)
        ``value`` a ``video_track`` answer (tracks numbered from 1 by first
        frame, each with its ``score``); ``confidence`` in [0.5, 1].

    Examples
    --------
    >>> kf = lambda x: [{"frame": 0, "x": x, "y": 0, "w": 10, "h": 10},
    ...                 {"frame": 4, "x": x + 8, "y": 0, "w": 10, "h": 10}]
    >>> a = {"frames": 5, "width": 40, "height": 20,
    ...      "tracks": [{"id": 3, "label": "car", "keyframes": kf(0)}]}
    >>> b = {**a, "tracks": [{"id": 9, "label": "car", "keyframes": kf(2)}]}
    >>> value, confidence = fuse_tracks([("ann1", a), ("ann2", b)])
    >>> value["tracks"][0]["keyframes"], confidence
    ([{'frame': 0, 'x': 1.0, 'y': 0.0, 'w': 10.0, 'h': 10.0}, {'frame': 4, 'x': 9.0, 'y': 0.0, \
'w': 10.0, 'h': 10.0}], 1.0)
    """
    n = len(answers)
    if n == 0:
        return {"frames": 0, "width": 0, "height": 0, "tracks": []}, 1.0
    values = [v or {} for _, v in answers]
    extent = {k: max((v.get(k) or 0) for v in values) for k in ("frames", "width", "height")}
    order = sorted(range(n), key=lambda i: -len(values[i].get("tracks", [])))
    # groups: [(label, [(annotator index, track)])]
    groups: list[tuple[Any, list[tuple[int, _Track]]]] = []
    for i in order:
        tracks = [(t["label"], _Track(t)) for t in values[i].get("tracks", [])]
        if not groups:
            groups = [(label, [(i, boxes)]) for label, boxes in tracks]
            continue
        m = np.array([[_overlap(boxes, g[1][0][1], iou_threshold) if label == g[0] else 0
                       for g in groups] for label, boxes in tracks]).reshape(len(tracks),
                                                                             len(groups))
        joined: dict[int, int] = {}
        if m.size:
            rows, cols = linear_sum_assignment(m, maximize=True)
            joined = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if m[r, c] > 0}
        for k, (label, boxes) in enumerate(tracks):
            if k in joined:
                groups[joined[k]][1].append((i, boxes))
            else:
                groups.append((label, [(i, boxes)]))
    fused_tracks: list[tuple[list[dict[str, Any]], Any, float]] = []
    confidence = 1.0
    for label, members in groups:
        share = len({i for i, _ in members}) / n
        confidence = min(confidence, max(share, 1.0 - share))
        if share < min_share - 1e-12:
            continue
        kept = _fuse_frames(label, members, n, min_share)
        if kept:
            fused_tracks.append((kept, label, share))
    fused_tracks.sort(key=lambda t: t[0][0]["frame"])
    out_tracks = [{"id": k + 1, "label": label,
               "keyframes": simplify_keyframes(kept, tolerance=tolerance), "score": share}
              for k, (kept, label, share) in enumerate(fused_tracks)]
    return {**extent, "tracks": out_tracks}, float(confidence)


def _fuse_frames(label: Any, members: list[tuple[int, _Track]], n: int,
                 min_share: float) -> list[dict[str, Any]]:
    frames = np.unique(np.concatenate([t.frames for _, t in members]))
    m = len(members)
    coords = np.full((m, len(frames), 4), np.nan)
    for i, (_, t) in enumerate(members):
        coords[i, np.searchsorted(frames, t.frames)] = t.coords
    present = ~np.isnan(coords[:, :, 0])
    keep = present.sum(axis=0) / n >= min_share - 1e-12
    # Boxes that overlap pairwise (positive area) share a point inside every weighted mean
    # of them, so Weighted Boxes Fusion puts them in one cluster: their mean. Frames where
    # some do not overlap go through weighted_boxes_fusion itself.
    simple = np.ones(len(frames), dtype=bool)
    for i in range(m):
        for j in range(i + 1, m):
            a, b = coords[i], coords[j]
            iw = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
            ih = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
            both = present[i] & present[j]
            simple &= ~both | ((iw > 0) & (ih > 0))
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(present[:, :, None], coords, np.nan), axis=0) \
            if m > 1 else coords[0]
    kept = []
    for k in np.nonzero(keep)[0]:
        if simple[k]:
            x, y, w, h = (float(v) for v in mean[k])
        else:
            present_k = [(i, coords[i, k]) for i in range(m) if present[i, k]]
            fused = weighted_boxes_fusion(
                [{"x": b[0], "y": b[1], "w": b[2], "h": b[3], "label": label}
                 for _, b in present_k],
                [members[i][0] for i, _ in present_k], n_sources=n, iou_threshold=1e-9)
            best = max(fused, key=lambda r: (len(r.sources), r.score))
            x, y, w, h = best.region.x, best.region.y, best.region.w, best.region.h
        kept.append({"frame": int(frames[k]), "x": x, "y": y, "w": w, "h": h})
    return kept
