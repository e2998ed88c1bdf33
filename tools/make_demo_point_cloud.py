"""Write the demo point clouds: synthetic street scenes as binary PCD files (CC0, by accord).

    python tools/make_demo_point_cloud.py

Each scene is what a roof-mounted LiDAR 1.7 m above the road would return: the road (a
plane at z = -1.7 with a little noise), two building facades along the street, and a few
objects standing on the road, sampled on their visible surfaces: cars (4.2 x 1.8 x 1.5 m),
pedestrians (0.6 x 0.6 x 1.75 m) and a cyclist (1.8 x 0.6 x 1.7 m), each with its own
heading. Points are x forward, y left, z up (metres) with an intensity per surface kind.
The objects' true cuboids are written to ``lidar.jsonl`` as each record's metadata
(``truth``) so a demo user can compare. Deterministic (seeded).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "accord" / "demo" / "data"
GROUND = -1.7

SCENES = {
    "street-0001": [("car", 9.0, 3.2, 0.05), ("car", 16.5, -3.0, math.pi + 0.02),
                    ("pedestrian", 6.0, -6.2, 1.2), ("cyclist", 12.0, 6.0, -0.1)],
    "street-0002": [("car", 7.5, -3.1, math.pi - 0.01), ("car", 13.0, 3.0, 0.3),
                    ("pedestrian", 10.0, 6.5, -1.9), ("pedestrian", 10.8, 6.9, -1.6)],
}
SIZES = {"car": (4.2, 1.8, 1.5), "pedestrian": (0.6, 0.6, 1.75), "cyclist": (1.8, 0.6, 1.7)}
INTENSITY = {"road": 0.1, "wall": 0.35, "car": 0.8, "pedestrian": 0.5, "cyclist": 0.6}


def _box_surface(rng: np.random.Generator, n: int, size: tuple[float, float, float],
                 ) -> np.ndarray:
    """``n`` points on the faces of a box centered at the origin (bottom face left out)."""
    l, w, h = size  # noqa: E741
    faces = [(w * h, 0), (w * h, 1), (l * h, 2), (l * h, 3), (l * w, 4)]
    areas = np.array([a for a, _ in faces])
    pick = rng.choice(len(faces), size=n, p=areas / areas.sum())
    u, v = rng.random(n) - 0.5, rng.random(n) - 0.5
    pts = np.zeros((n, 3))
    for k in range(5):
        m = pick == k
        if k < 2:
            pts[m] = np.stack([np.full(m.sum(), (0.5 if k == 0 else -0.5) * l), u[m] * w,
                               v[m] * h], axis=1)
        elif k < 4:
            pts[m] = np.stack([u[m] * l, np.full(m.sum(), (0.5 if k == 2 else -0.5) * w),
                               v[m] * h], axis=1)
        else:
            pts[m] = np.stack([u[m] * l, v[m] * w, np.full(m.sum(), 0.5 * h)], axis=1)
    return pts


def scene(name: str, objects: list[tuple[str, float, float, float]]
          ) -> tuple[np.ndarray, list[dict[str, object]]]:
    rng = np.random.default_rng(sum(map(ord, name)))
    parts = []
    road = np.stack([rng.uniform(0, 30, 2200), rng.uniform(-9, 9, 2200),
                     GROUND + rng.normal(0, 0.02, 2200)], axis=1)
    parts.append((road, INTENSITY["road"]))
    for side in (-1, 1):
        wall = np.stack([rng.uniform(0, 30, 500), np.full(500, side * 9.5) + rng.normal(0, 0.03,
                                                                                       500),
                         rng.uniform(GROUND, GROUND + 6, 500)], axis=1)
        parts.append((wall, INTENSITY["wall"]))
    truth = []
    for label, x, y, yaw in objects:
        l, w, h = SIZES[label]  # noqa: E741
        n = 260 if label == "car" else 90
        local = _box_surface(rng, n, (l, w, h)) + rng.normal(0, 0.01, (n, 3))
        c, s = math.cos(yaw), math.sin(yaw)
        z = GROUND + h / 2
        world = np.stack([x + local[:, 0] * c - local[:, 1] * s,
                          y + local[:, 0] * s + local[:, 1] * c, z + local[:, 2]], axis=1)
        parts.append((world, INTENSITY[label]))
        truth.append({"x": x, "y": y, "z": round(z, 3), "l": l, "w": w, "h": h,
                      "yaw": round(math.atan2(s, c), 4), "label": label})
    pts = np.concatenate([np.concatenate([p, np.full((len(p), 1), i)], axis=1)
                          for p, i in parts]).astype("<f4")
    return pts, truth


def write_pcd(path: Path, pts: np.ndarray) -> None:
    header = ("# .PCD v0.7 - synthetic street scene by accord (CC0)\nVERSION 0.7\n"
              "FIELDS x y z intensity\nSIZE 4 4 4 4\nTYPE F F F F\nCOUNT 1 1 1 1\n"
              f"WIDTH {len(pts)}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {len(pts)}\n"
              "DATA binary\n")
    path.write_bytes(header.encode("ascii") + pts.astype("<f4").tobytes())


def main() -> None:
    scans = OUT / "media" / "scans"
    scans.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, objects in SCENES.items():
        pts, truth = scene(name, objects)
        write_pcd(scans / f"{name}.pcd", pts)
        rows.append({"id": name, "scan": f"scans/{name}.pcd", "truth": truth})
    with open(OUT / "lidar.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
