r"""Agreement on video tracks: CLEAR MOT (MOTA, MOTP) and IDF1 between two annotators.

Each annotator's ``video_track`` answer is expanded to one box per frame with
:func:`accord.schema.tracks.track_boxes` (keyframes plus linear
interpolation: the same boxes the widget draws and the exports write). Boxes
of different labels never match.

CLEAR MOT [1]_, one annotator taken as the reference ("ground truth", ``a``)
and the other as the hypothesis (``b``): frame by frame, a correspondence of
the previous frame is kept while its boxes still overlap with IoU >=
``threshold``; the remaining boxes are matched one to one by the Hungarian
algorithm (``scipy.optimize.linear_sum_assignment``) on IoU, pairs below the
threshold left unmatched. A reference track matched to another hypothesis
track than before is an identity switch. Then

.. math::

    \mathrm{MOTA} = 1 - \frac{\sum_t (FN_t + FP_t + IDSW_t)}{\sum_t GT_t}, \qquad
    \mathrm{MOTP} = \frac{\sum_{t,i} \mathrm{IoU}_{t,i}}{\sum_t c_t}

(MOTP as mean overlap of the matches, higher is better). MOTA is not
symmetric; the pair's score is the mean of both directions.

IDF1 [2]_: the tracks of ``a`` and ``b`` are matched one to one, globally, to
maximize the number of frames where the matched tracks' boxes overlap with
IoU >= ``threshold`` (identity true positives, IDTP), and

.. math:: \mathrm{IDF1} = \frac{2\,\mathrm{IDTP}}{|\text{boxes of } a| + |\text{boxes of } b|}

which is symmetric. Two empty answers agree perfectly (1).

References
----------
.. [1] Bernardin, K. & Stiefelhagen, R. (2008). Evaluating Multiple Object
   Tracking Performance: The CLEAR MOT Metrics. EURASIP Journal on Image and
   Video Processing, 2008, 246309. https://doi.org/10.1155/2008/246309
.. [2] Ristani, E., Solera, F., Zou, R., Cucchiara, R. & Tomasi, C. (2016).
   Performance Measures and a Data Set for Multi-Target, Multi-Camera
   Tracking. ECCV 2016 Workshops, LNCS 9914, 17-35.
   https://doi.org/10.1007/978-3-319-48881-3_2
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from accord.quality.agreement._regions import check_threshold
from accord.schema.tracks import track_boxes

__all__ = ["TrackAgreement", "TrackPairScores", "frame_boxes", "iou_matrix", "paired_iou",
           "track_agreement", "track_pair_scores"]

FrameBoxes = dict[int, tuple[list[int], list[Any], np.ndarray]]


@dataclass(frozen=True)
class TrackPairScores:
    """CLEAR MOT and IDF1 counts of a reference ``a`` against a hypothesis ``b``."""

    mota: float
    motp: float
    idf1: float
    matches: int
    false_negatives: int
    false_positives: int
    id_switches: int
    n_reference: int
    n_hypothesis: int
    idtp: int


@dataclass(frozen=True)
class TrackAgreement:
    """Pairwise track agreement over a dataset.

    Attributes
    ----------
    mean_idf1, mean_mota, mean_motp : float
        Averaged over every (record, annotator pair); ``nan`` when no record has two
        annotators (``mean_motp``: when nothing matched).
    per_item : dict
        Record -> mean IDF1 of its annotator pairs (records with 2+ annotators).
    n_pairs : int
    threshold : float
    """

    mean_idf1: float
    mean_mota: float
    mean_motp: float
    per_item: dict[Any, float]
    n_pairs: int
    threshold: float


def frame_boxes(value: Any) -> FrameBoxes:
    """Frame -> (track ids, labels, boxes as an ``(n, 4)`` x, y, w, h array) of an answer."""
    grouped: dict[int, tuple[list[int], list[Any], list[tuple[float, ...]]]] = \
        defaultdict(lambda: ([], [], []))
    for track in (value or {}).get("tracks", []):
        for b in track_boxes(track["keyframes"]):
            ids, labels, boxes = grouped[b["frame"]]
            ids.append(track["id"])
            labels.append(track["label"])
            boxes.append((b["x"], b["y"], b["w"], b["h"]))
    return {f: (ids, labels, np.asarray(boxes, dtype=np.float64))
            for f, (ids, labels, boxes) in grouped.items()}


def paired_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of two ``(n, 4)`` x, y, w, h arrays (box ``k`` of ``a`` with box ``k``
    of ``b``)."""
    iw = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
                 - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
                 - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou_matrix(a: np.ndarray, b: np.ndarray, la: list[Any], lb: list[Any]) -> np.ndarray:
    """IoU matrix of two ``(n, 4)`` box arrays; 0 between different labels."""
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2[:, None], bx2[None]) - np.maximum(a[:, None, 0], b[None, :, 0]),
                 0, None)
    ih = np.clip(np.minimum(ay2[:, None], by2[None]) - np.maximum(a[:, None, 1], b[None, :, 1]),
                 0, None)
    inter = iw * ih
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    same = np.asarray(la, dtype=object)[:, None] == np.asarray(lb, dtype=object)[None]
    return np.where(same, iou, 0.0)


def track_pair_scores(a: Any, b: Any, *, threshold: float = 0.5,
                      _frames: tuple[FrameBoxes, FrameBoxes] | None = None) -> TrackPairScores:
    """CLEAR MOT (``a`` the reference) and IDF1 of two ``video_track`` answers.

    Examples
    --------
    >>> kf = [{"frame": 0, "x": 0, "y": 0, "w": 10, "h": 10},
    ...       {"frame": 9, "x": 90, "y": 0, "w": 10, "h": 10}]
    >>> v = {"tracks": [{"id": 1, "label": "car", "keyframes": kf}]}
    >>> s = track_pair_scores(v, v)
    >>> s.mota, s.motp, s.idf1, s.matches
    (1.0, 1.0, 1.0, 10)
    """
    threshold = check_threshold(threshold)
    fa, fb = _frames if _frames is not None else (frame_boxes(a), frame_boxes(b))
    last: dict[int, int] = {}
    fn = fp = idsw = matches = 0
    iou_sum = 0.0
    n_a = sum(len(v[0]) for v in fa.values())
    n_b = sum(len(v[0]) for v in fb.values())
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    for frame in sorted(fa.keys() | fb.keys()):
        ids_a, lab_a, box_a = fa.get(frame, ([], [], np.empty((0, 4))))
        ids_b, lab_b, box_b = fb.get(frame, ([], [], np.empty((0, 4))))
        if not ids_a or not ids_b:
            fn += len(ids_a)
            fp += len(ids_b)
            continue
        iou = iou_matrix(box_a, box_b, lab_a, lab_b)
        for i, j in zip(*np.nonzero(iou >= threshold), strict=True):
            overlap[(ids_a[i], ids_b[j])] += 1
        pos_a = {t: i for i, t in enumerate(ids_a)}
        pos_b = {t: j for j, t in enumerate(ids_b)}
        matched: dict[int, int] = {}
        for ta, tb in last.items():  # keep last frame's correspondences that still hold
            i, j = pos_a.get(ta), pos_b.get(tb)
            if i is not None and j is not None and iou[i, j] >= threshold:
                matched[i] = j
        free_a = [i for i in range(len(ids_a)) if i not in matched]
        taken = set(matched.values())
        free_b = [j for j in range(len(ids_b)) if j not in taken]
        if free_a and free_b:
            sub = iou[np.ix_(free_a, free_b)]
            rows, cols = linear_sum_assignment(sub, maximize=True)
            for r, c in zip(rows, cols, strict=True):
                if sub[r, c] >= threshold:
                    i, j = free_a[r], free_b[c]
                    prev = last.get(ids_a[i])
                    if prev is not None and prev != ids_b[j]:
                        idsw += 1
                    matched[i] = j
        for i, j in matched.items():
            last[ids_a[i]] = ids_b[j]
            iou_sum += float(iou[i, j])
        matches += len(matched)
        fn += len(ids_a) - len(matched)
        fp += len(ids_b) - len(matched)
    idtp = _identity_true_positives(overlap)
    mota = 1.0 - (fn + fp + idsw) / n_a if n_a else (1.0 if not n_b else math.nan)
    motp = iou_sum / matches if matches else (1.0 if not n_a and not n_b else math.nan)
    idf1 = 2 * idtp / (n_a + n_b) if n_a + n_b else 1.0
    return TrackPairScores(mota, motp, idf1, matches, fn, fp, idsw, n_a, n_b, idtp)


def _identity_true_positives(overlap: dict[tuple[int, int], int]) -> int:
    if not overlap:
        return 0
    ta = sorted({k[0] for k in overlap})
    tb = sorted({k[1] for k in overlap})
    ia, ib = {t: i for i, t in enumerate(ta)}, {t: j for j, t in enumerate(tb)}
    m = np.zeros((len(ta), len(tb)))
    for (x, y), n in overlap.items():
        m[ia[x], ib[y]] = n
    rows, cols = linear_sum_assignment(m, maximize=True)
    return int(m[rows, cols].sum())


def track_agreement(data: Iterable[Any], *, threshold: float = 0.5) -> TrackAgreement:
    """Mean IDF1, MOTA and MOTP over every record's annotator pairs.

    Parameters
    ----------
    data : iterable of (record, annotator, value) rows
        ``value`` a ``video_track`` answer.
    threshold : float, default 0.5
        IoU needed for two boxes to match.

    Returns
    -------
    TrackAgreement
        A pair's MOTA is the mean of both directions (each annotator the
        reference once); IDF1 and MOTP are symmetric.

    Examples
    --------
    >>> kf = [{"frame": 0, "x": 0, "y": 0, "w": 10, "h": 10}]
    >>> v = {"tracks": [{"id": 1, "label": "car", "keyframes": kf}]}
    >>> r = track_agreement([(1, "a", v), (1, "b", v), (1, "c", {"tracks": []})])
    >>> round(r.mean_idf1, 4), r.n_pairs  # pairs: a-b 1, a-c 0, b-c 0
    (0.3333, 3)
    """
    threshold = check_threshold(threshold)
    by_record: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    for record, annotator, value in data:
        by_record[record].append((annotator, value))
    idf1s, motas, motps = [], [], []
    per_item: dict[Any, float] = {}
    for record, answers in by_record.items():
        if len(answers) < 2:
            continue
        frames = [frame_boxes(v) for _, v in answers]
        scores = []
        for i, j in combinations(range(len(answers)), 2):
            ab = track_pair_scores(None, None, threshold=threshold, _frames=(frames[i],
                                                                            frames[j]))
            ba = track_pair_scores(None, None, threshold=threshold, _frames=(frames[j],
                                                                            frames[i]))
            scores.append(ab.idf1)
            motas.append(_finite_mean(ab.mota, ba.mota))
            if not math.isnan(ab.motp):
                motps.append((ab.motp + ba.motp) / 2)
        idf1s.extend(scores)
        per_item[record] = sum(scores) / len(scores)
    return TrackAgreement(
        float(np.mean(idf1s)) if idf1s else math.nan,
        float(np.mean(motas)) if motas else math.nan,
        float(np.mean(motps)) if motps else math.nan, per_item, len(idf1s), threshold)


def _finite_mean(x: float, y: float) -> float:
    """Mean of both MOTA directions; MOTA against a reference without boxes is undefined
    (nan), so the other direction alone counts."""
    vals = [v for v in (x, y) if math.isfinite(v)]
    return sum(vals) / len(vals) if vals else 0.0
