"""Video-track benchmark: interpolation, agreement (CLEAR MOT, IDF1) and fusion over a long video.

Run: ``.venv/bin/python bench/video_bench.py [FRAMES]`` (default 10,000).
One synthetic video (1280 x 720) with ``--objects`` objects (default 5), each
crossing the whole video on a random walk with a keyframe every 25-75 frames.
Each of 3 annotators keeps every true keyframe with its box jittered by 2 px.
Prints one table: what ran, the wall time in ms, and frames per second
(boxes per second for the interpolation).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from accord.quality.aggregation.track_fusion import fuse_tracks
from accord.quality.agreement.tracks import frame_boxes, track_agreement, track_pair_scores
from accord.schema.tracks import box_at, track_boxes

W, H = 1280, 720


def synthesize(frames: int, objects: int, seed: int = 0) -> list[dict[str, Any]]:
    """Three annotators' ``video_track`` answers of one video."""
    rng = random.Random(seed)
    truth = []
    for tid in range(1, objects + 1):
        w, h = rng.uniform(40, 120), rng.uniform(40, 120)
        x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
        kfs, f = [], 0
        while f < frames:
            kfs.append({"frame": f, "x": x, "y": y, "w": w, "h": h})
            f += rng.randint(25, 75)
            x = min(W - w, max(0.0, x + rng.uniform(-60, 60)))
            y = min(H - h, max(0.0, y + rng.uniform(-40, 40)))
        truth.append({"id": tid, "label": "car" if tid % 2 else "person", "keyframes": kfs})
    answers = []
    for a in range(3):
        r = random.Random(seed + 1 + a)
        tracks = [{**t, "keyframes": [{**k, "x": min(W - k["w"], max(0.0, k["x"] + r.gauss(0, 2))),
                                        "y": min(H - k["h"], max(0.0, k["y"] + r.gauss(0, 2)))}
                                       for k in t["keyframes"]]} for t in truth]
        answers.append({"frames": frames, "width": W, "height": H, "tracks": tracks})
    return answers


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("frames", nargs="?", type=int, default=10_000)
    p.add_argument("--objects", type=int, default=5)
    args = p.parse_args()
    n = args.frames
    answers = synthesize(n, args.objects)
    a, b = answers[0], answers[1]
    boxes = sum(len(range(t["keyframes"][0]["frame"], t["keyframes"][-1]["frame"] + 1))
                for t in a["tracks"])
    rows = []
    ms, _ = timed(lambda: [list(track_boxes(t["keyframes"])) for t in a["tracks"]])
    rows.append(("interpolation: track_boxes, every box of one answer", ms, boxes / ms * 1000,
                 "boxes/s"))
    sample = range(0, n, 10)
    ms, _ = timed(lambda: [box_at(t["keyframes"], f) for t in a["tracks"] for f in sample])
    rows.append(("interpolation: box_at, every 10th frame (random access)", ms,
                 len(sample) * len(a["tracks"]) / ms * 1000, "boxes/s"))
    ms, fa = timed(lambda: frame_boxes(a))
    rows.append(("frame_boxes: one answer to per-frame arrays", ms, n / ms * 1000, "frames/s"))
    fb = frame_boxes(b)
    ms, s = timed(lambda: track_pair_scores(None, None, _frames=(fa, fb)))
    rows.append(("track_pair_scores: CLEAR MOT + IDF1, one pair", ms, n / ms * 1000,
                 "frames/s"))
    ms, agg = timed(lambda: track_agreement([(1, i, v) for i, v in enumerate(answers)]))
    rows.append(("track_agreement: 3 annotators (3 pairs, both MOTA directions)", ms,
                 n / ms * 1000, "frames/s"))
    ms, (fused, conf) = timed(lambda: fuse_tracks(list(enumerate(answers))))
    rows.append(("fuse_tracks: 3 annotators (consensus)", ms, n / ms * 1000, "frames/s"))
    print(f"{n:,} frames, {args.objects} objects, {boxes:,} boxes per answer, "
          f"{sum(len(t['keyframes']) for t in a['tracks']):,} keyframes per answer")
    print(f"| {'step':<66} | {'ms':>9} | {'rate':>18} |")
    print(f"|{'-' * 68}|{'-' * 11}|{'-' * 20}|")
    for name, ms, rate, unit in rows:
        print(f"| {name:<66} | {ms:>9.1f} | {rate:>10,.0f} {unit:<7} |")
    print(f"pair: MOTA {s.mota:.4f}, MOTP {s.motp:.4f}, IDF1 {s.idf1:.4f}, ID switches "
          f"{s.id_switches}; agreement IDF1 {agg.mean_idf1:.4f}; consensus "
          f"{len(fused['tracks'])} tracks, "
          f"{sum(len(t['keyframes']) for t in fused['tracks']):,} keyframes, confidence {conf}")


if __name__ == "__main__":
    main()
