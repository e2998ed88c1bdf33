"""Point-cloud benchmark: WebGL rendering in headless Chromium, and cuboid IoU, agreement and
fusion throughput.

Run: ``.venv/bin/python bench/point_cloud_bench.py [--points 100000] [--frames 200]
[--records 2000]``.

- rendering: the viewer (``js/point_cloud/viewer.js``, three.js) in Debian's Chromium,
  headless (WebGL on SwiftShader, the CPU renderer: no GPU), 1280 x 420 canvas, a synthetic
  cloud of ``--points`` points (ground plane, facades, boxes) with 12 cuboids drawn and
  their points highlighted. Frames/s of the 3D view while it orbits, and of the top view;
  each frame is finished (one pixel read back) before the next, so the time is the real
  drawing time. The static files are served by a plain local HTTP server.
- cuboids: 3D IoU and BEV IoU pairs/s (overlapping pairs, the dearer case), and for
  ``--records`` point clouds with 3 annotators x 10 cuboids each: the cuboid agreement
  (Hungarian matching on 3D IoU) and the consensus (weighted fusion) per second.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from accord.quality.cuboids import bev_iou, cuboid_iou
from accord.quality.region_questions import region_consensus_rows, region_question_agreement

STATIC = Path(__file__).resolve().parents[1] / "accord" / "ui" / "static"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

PAGE = b"""<!doctype html><html><body style="margin:0;width:1280px">
<div id="root"></div>
<script type="module">
import { PointCloudViewer } from "/js/point_cloud/viewer.js";
window.bench = async (frames, view) => {
  const v = window.viewer || (window.viewer = new PointCloudViewer({ height: 420 }));
  if (!v.el.isConnected) {
    document.getElementById("root").append(v.el);
    const pts = new Float32Array(await (await fetch("/points.bin")).arrayBuffer());
    v.setPoints(pts);
    const boxes = [];
    for (let i = 0; i < 12; i += 1) boxes.push({ x: 4 + 3 * i, y: (i % 2 ? 3 : -3), z: -0.9,
      l: 4.2, w: 1.8, h: 1.5, yaw: 0.2 * i, label: "car" });
    v.setCuboids(boxes, 0);
  }
  v.setView(view);
  const gl = v.renderer.getContext();
  const px = new Uint8Array(4);
  v.draw(); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
  const t = performance.now();
  for (let i = 0; i < frames; i += 1) {
    v.spin(0.01);
    v.draw();
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
  }
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  return { seconds: (performance.now() - t) / 1000,
           renderer: gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) };
};
window.ready = true;
</script></body></html>"""


def cloud(n: int, seed: int = 0) -> np.ndarray:
    """A street-like cloud: 70% ground, 20% two facades, 10% on boxes."""
    rng = np.random.default_rng(seed)
    g, f = int(n * 0.7), int(n * 0.2)
    b = n - g - f
    ground = np.stack([rng.uniform(0, 50, g), rng.uniform(-10, 10, g),
                       rng.normal(-1.7, 0.02, g)], axis=1)
    walls = np.stack([rng.uniform(0, 50, f), rng.choice([-10.0, 10.0], f),
                      rng.uniform(-1.7, 4, f)], axis=1)
    boxes = np.stack([rng.uniform(3, 40, b), rng.uniform(-4, 4, b), rng.uniform(-1.7, -0.2, b)],
                     axis=1)
    pts = np.concatenate([ground, walls, boxes])
    return np.concatenate([pts, rng.random((n, 1))], axis=1).astype("<f4")


def _serve(points: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = {"/bench.html": (PAGE, "text/html"),
                    "/points.bin": (points, "application/octet-stream")}.get(self.path)
            if body is None:
                super().do_GET()
                return
            self.send_response(200)
            self.send_header("Content-Type", body[1])
            self.send_header("Content-Length", str(len(body[0])))
            self.end_headers()
            self.wfile.write(body[0])

        def log_message(self, *args: object) -> None:
            pass

    Handler.extensions_map = {**Handler.extensions_map, ".js": "text/javascript"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(STATIC)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def render_rates(n_points: int, frames: int) -> list[tuple[str, float, str]]:
    from playwright.sync_api import sync_playwright

    server, url = _serve(cloud(n_points).tobytes())
    out = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 600})
            page.goto(url + "/bench.html")
            page.wait_for_function("window.ready === true")
            for view in ("3d", "top"):
                r = page.evaluate("([f, v]) => window.bench(f, v)", [frames, view])
                out.append((view, frames / r["seconds"], r["renderer"]))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def _cuboid(rng: random.Random, x: float, y: float, jitter: float = 0.0) -> dict[str, object]:
    j = (lambda s: rng.gauss(0, s * jitter)) if jitter else (lambda s: 0.0)
    return {"x": x + j(1), "y": y + j(1), "z": -0.95 + j(0.3), "l": 4.2 + j(0.5),
            "w": 1.8 + j(0.2), "h": 1.5 + j(0.2), "yaw": 0.3 + j(0.1), "label": "car"}


def cuboid_rates(records: int) -> list[tuple[str, float, str]]:
    rng = random.Random(0)
    pairs = [(_cuboid(rng, 0, 0), _cuboid(rng, rng.uniform(-2, 2), rng.uniform(-1, 1), 0.2))
             for _ in range(20_000)]
    out = []
    for name, fn in (("3D IoU", cuboid_iou), ("BEV IoU", bev_iou)):
        t = time.perf_counter()
        for a, b in pairs:
            fn(a, b)
        out.append((name, len(pairs) / (time.perf_counter() - t), "overlapping pairs/s"))
    rows = []
    for r in range(records):
        truth = [(rng.uniform(0, 60), rng.uniform(-8, 8)) for _ in range(10)]
        for ann in ("a1", "a2", "a3"):
            rows.append((r, ann, [_cuboid(rng, x, y, 0.1) for x, y in truth]))
    t = time.perf_counter()
    summary = region_question_agreement("cuboid", rows)
    out.append(("agreement (3 x 10 cuboids)", records / (time.perf_counter() - t),
                f"point clouds/s; F1 {summary['value']:.3f}, BEV F1 {summary['bev_f1']:.3f}"))
    t = time.perf_counter()
    fused = region_consensus_rows("cuboid", rows)
    out.append(("consensus (weighted fusion)", records / (time.perf_counter() - t),
                f"point clouds/s; {sum(len(f['value']) for f in fused) / len(fused):.1f} "
                "cuboids kept per cloud"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    print(f"| rendering {args.points:,} points (1280 x 420) | frames/s | renderer |")
    print("|---|---|---|")
    for view, fps, renderer in render_rates(args.points, args.frames):
        print(f"| {view} view | {fps:.1f} | {renderer} |")
    print()
    print("| cuboids | rate | |")
    print("|---|---|---|")
    for name, rate, unit in cuboid_rates(args.records):
        print(f"| {name} | {rate:,.0f} | {unit} |")


if __name__ == "__main__":
    main()
