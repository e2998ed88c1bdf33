"""Image-region benchmark: box agreement, weighted boxes fusion and the COCO export.

Run: ``.venv/bin/python bench/regions_bench.py [N_IMAGES]`` (default 20,000).
Synthetic images (1024 x 768) hold 1-10 true boxes of 5 classes; each of 3
annotators draws each true box with probability 0.92, its edges jittered by
3% of the box size, and adds a spurious box to 10% of the images. Prints:

- speed: box agreement over the dataset, consensus (WBF) per image with p50/p99
  latency, and ``accord export --format coco`` (in a child process, for its
  peak RSS) on a SQLite dataset holding the same answers;
- accuracy against the true boxes: F1 at IoU 0.5 / 0.75 and mean IoU of
  matched boxes for one annotator and for the fused consensus.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from peak_rss import peak_rss_mb  # bench/ is sys.path[0] when a bench runs as a script

from accord.quality.agreement import box_agreement
from accord.quality.region_questions import region_consensus_rows

LABELS = ["car", "person", "bike", "dog", "sign"]
SETTINGS = {"fields": [{"name": "image", "type": "image"}],
            "questions": [{"name": "boxes", "type": "bbox", "field": "image", "labels": LABELS}],
            "distribution": {"overlap": 3}}
ANNOTATORS = ("ann1", "ann2", "ann3")


def synthesize(n: int, seed: int = 0) -> tuple[list[list[dict[str, Any]]],
                                                list[tuple[int, str, list[dict[str, Any]]]]]:
    """True boxes per image and ``(image, annotator, boxes)`` answers."""
    rng = random.Random(seed)
    truth, answers = [], []

    def jitter(b: dict[str, Any]) -> dict[str, Any]:
        sx, sy = 0.03 * b["w"], 0.03 * b["h"]
        x1, y1 = b["x"] + rng.gauss(0, sx), b["y"] + rng.gauss(0, sy)
        x2, y2 = b["x"] + b["w"] + rng.gauss(0, sx), b["y"] + b["h"] + rng.gauss(0, sy)
        x1, y1 = max(0.0, x1), max(0.0, y1)
        return {"x": round(x1, 1), "y": round(y1, 1), "w": round(max(1.0, x2 - x1), 1),
                "h": round(max(1.0, y2 - y1), 1), "label": b["label"]}

    def box() -> dict[str, Any]:
        w, h = rng.uniform(20, 200), rng.uniform(20, 200)
        return {"x": round(rng.uniform(0, 1024 - w), 1), "y": round(rng.uniform(0, 768 - h), 1),
                "w": round(w, 1), "h": round(h, 1), "label": rng.choice(LABELS)}

    for i in range(n):
        true = [box() for _ in range(rng.randint(1, 10))]
        truth.append(true)
        for ann in ANNOTATORS:
            drawn = [jitter(b) for b in true if rng.random() < 0.92]
            if rng.random() < 0.1:
                drawn.append(box())
            answers.append((i, ann, drawn))
    return truth, answers


def accuracy(truth: list[list[dict[str, Any]]], predicted: dict[int, list[dict[str, Any]]],
             threshold: float) -> tuple[float, float]:
    """Mean F1 and mean IoU of matched boxes of ``predicted`` against the truth."""
    rows = []
    for i, true in enumerate(truth):
        rows += [(i, "truth", true), (i, "pred", predicted.get(i, []))]
    r = box_agreement(rows, threshold=threshold)
    return r.mean_f1, r.mean_iou


def populate(url: str, answers: list[tuple[int, str, list[dict[str, Any]]]], n: int) -> None:
    from sqlalchemy import select, update

    from accord.schema import parse_settings
    from accord.store import make_engine, upgrade, write_scope
    from accord.store.datasets import create_dataset
    from accord.store.imported_responses import ensure_users, insert_submitted_fast
    from accord.store.models import QUEUE_DONE, Record, utcnow
    from accord.store.records import RecordRow, upsert_records

    engine = make_engine(url)
    upgrade(engine)
    stamp = utcnow()
    with write_scope(engine) as s:
        ds = create_dataset(s, "bench", parse_settings(SETTINGS))
        users = ensure_users(s, list(ANNOTATORS))
        upsert_records(s, ds.id, [RecordRow(f"img-{i}", {"image": f"images/{i:07d}.jpg"},
                                            {"width": 1024, "height": 768}) for i in range(n)],
                       stamp=stamp)
        ids = s.scalars(select(Record.id).where(Record.dataset_id == ds.id)
                        .order_by(Record.id)).all()
        insert_submitted_fast(s, ds.id, [(ids[i], users[a], {"boxes": boxes}, 20.0)
                                         for i, a, boxes in answers], stamp=stamp)
        s.execute(update(Record).where(Record.dataset_id == ds.id).values(
            submitted=3, claims=3, status="completed", queue_state=QUEUE_DONE))
    engine.dispose()


def export_child(url: str, out: str) -> None:
    from accord.io.exporters import ExportOptions, export_dataset
    from accord.store import make_engine

    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    summary = export_dataset(engine, "bench", out, ExportOptions(fmt="coco"))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(orjson.dumps({"records": summary.records_read, "rows": summary.rows_written,
                        "seconds": seconds, "cpu": cpu,
                        "rss_mb": peak_rss_mb()}
                       ).decode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--export-child", nargs=2, metavar=("URL", "OUT"))
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child)
        return
    n = args.n
    truth, answers = synthesize(n)
    n_boxes = sum(len(b) for _, _, b in answers)
    rows = []

    started, cpu = time.perf_counter(), time.process_time()
    agreement = box_agreement(answers)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows.append(("box agreement (F1 at IoU 0.5), whole dataset", n / seconds, cpu, None, None,
                 f"mean F1 {agreement.mean_f1:.3f}, mean IoU {agreement.mean_iou:.3f}"))

    per_image: dict[int, list[tuple[int, str, Any]]] = {}
    for a in answers:
        per_image.setdefault(a[0], []).append(a)
    latencies = []
    fused: dict[int, list[dict[str, Any]]] = {}
    started, cpu = time.perf_counter(), time.process_time()
    for i, image_rows in per_image.items():
        t0 = time.perf_counter()
        fused[i] = region_consensus_rows("bbox", image_rows)[0]["value"]
        latencies.append(time.perf_counter() - t0)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ms = np.array(latencies) * 1000
    rows.append(("consensus by WBF, one image at a time", n / seconds, cpu,
                 float(np.percentile(ms, 50)), float(np.percentile(ms, 99)),
                 f"{sum(len(v) for v in fused.values()):,} fused boxes"))

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        populate(url, answers, n)
        out = Path(tmp) / "coco.json"
        done = subprocess.run([sys.executable, __file__, "--export-child", url, str(out)],
                              capture_output=True, text=True, check=True)
        stats = orjson.loads(done.stdout.strip().splitlines()[-1])
        size = out.stat().st_size / 2**20
        rows.append(("accord export --format coco (child process)",
                     stats["records"] / stats["seconds"], stats["cpu"], None, None,
                     f"{stats['seconds']:.1f} s, CPU {stats['cpu']:.1f} s, "
                     f"peak RSS {stats['rss_mb']:.0f} MB, {size:.0f} MB file"))

    print(f"{n:,} images, {n_boxes:,} annotator boxes ({len(ANNOTATORS)} annotators)\n")
    print("| task | images/s | CPU s | p50 ms | p99 ms | result |")
    print("|---|---:|---:|---:|---:|---|")
    for task, rate, cpu, p50, p99, result in rows:
        print(f"| {task} | {rate:,.0f} | {cpu:.1f} | {'' if p50 is None else f'{p50:.2f}'} | "
              f"{'' if p99 is None else f'{p99:.2f}'} | {result} |")

    single = {i: b for i, a, b in answers if a == "ann1"}
    print("\n| boxes vs the true boxes | F1 @ IoU 0.5 | F1 @ IoU 0.75 | mean IoU of matches |")
    print("|---|---:|---:|---:|")
    for name, pred in (("one annotator (ann1)", single), ("WBF consensus of 3", fused)):
        f50, iou = accuracy(truth, pred, 0.5)
        f75, _ = accuracy(truth, pred, 0.75)
        print(f"| {name} | {f50:.3f} | {f75:.3f} | {iou:.3f} |")


if __name__ == "__main__":
    main()
