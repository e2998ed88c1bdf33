"""The point-cloud viewer and the cuboid question in Chromium (WebGL by SwiftShader): draw a
cuboid in the top view, adjust its height in the side view, save, and check the stored values
and the point count shown (the server's count of the same cuboid)."""

from __future__ import annotations

import numpy as np
import pytest

from accord.quality.cuboids import count_points
from tests.ui.conftest import PageProblems, api_login, expect

# WebGL: headless Chromium without a GPU renders it on SwiftShader (its CPU renderer), with
# the suite's usual launch arguments


def scene() -> np.ndarray:
    """A ground grid at z = -0.2 (40 x 40, 0.5 m apart, offset 0.25) and a 5 x 5 x 4 block of
    points standing on it: x 4.3..5.7, y -0.7..0.7, z 0.2..1.4 (the "car")."""
    g = np.arange(-9.75, 10, 0.5)
    gx, gy = np.meshgrid(g, g)
    ground = np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, -0.2)], axis=1)
    cx, cy, cz = np.meshgrid(np.linspace(4.3, 5.7, 5), np.linspace(-0.7, 0.7, 5),
                             np.linspace(0.2, 1.4, 4))
    car = np.stack([cx.ravel(), cy.ravel(), cz.ravel()], axis=1)
    pts = np.concatenate([ground, car])
    return np.concatenate([pts, np.full((len(pts), 1), 0.5)], axis=1).astype(np.float32)


POINTS = scene()
SETTINGS = {"fields": [{"name": "scan", "type": "point_cloud"}],
            "questions": [{"name": "objects", "type": "cuboid", "field": "scan",
                           "labels": ["car", "pedestrian"], "required": True}]}


@pytest.fixture(scope="module")
def cloud_server(media_server):
    """The shared media server, with a scan and a broken file under its root."""
    root = media_server.media_root
    (root / "scans").mkdir(exist_ok=True)
    (root / "scans" / "000001.bin").write_bytes(POINTS.astype("<f4").tobytes())
    (root / "scans" / "broken.pcd").write_bytes(
        b"FIELDS x y\nSIZE 4 4\nTYPE F F\nPOINTS 0\nDATA ascii\n")
    return media_server


def _screen(page, world):  # type: ignore[no-untyped-def]
    """Page coordinates of a world point in the viewer's current view."""
    box = page.locator(".q-cuboid .pc-canvas").bounding_box()
    px, py = page.evaluate("w => document.querySelector('.q-cuboid .pc-viewer').pcViewer"
                           ".toScreen(w)", world)
    return box["x"] + px, box["y"] + py


def _lit_pixels(page) -> int:  # type: ignore[no-untyped-def]
    """Pixels of the canvas that are not the background, read back from WebGL."""
    return page.evaluate("""() => {
      const v = document.querySelector('.q-cuboid .pc-viewer').pcViewer;
      v.draw();
      const gl = v.renderer.getContext();
      const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
      const px = new Uint8Array(4 * w * h);
      gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 120) lit += 1;
      return lit;
    }""")


def _drag(page, a, b):  # type: ignore[no-untyped-def]
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=2)
    page.mouse.move(*b, steps=2)
    page.mouse.up()


def test_draw_in_top_view_adjust_in_side_view_and_save(browser, cloud_server):
    user, _client = cloud_server.user()
    name = cloud_server.dataset(SETTINGS, [{"id": "f1", "scan": "scans/000001.bin"},
                                           {"id": "f2", "scan": "scans/broken.pcd"}],
                                members=[user])
    ctx = browser.new_context(base_url=cloud_server.url,
                                    viewport={"width": 1280, "height": 1000})
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    problems = PageProblems(page)
    try:
        api_login(ctx, user)
        page.goto(f"/datasets/{name}/annotate")
        q = page.locator(".q-cuboid")
        expect(q).to_have_attribute("data-loaded", "true")
        expect(q.locator(".pc-status")).to_have_text(f"{len(POINTS):,} points")
        assert _lit_pixels(page) > 1000  # WebGL drew the points
        # top view (the default): drag the car's footprint
        _drag(page, _screen(page, [4.0, 1.0, 0]), _screen(page, [6.0, -1.0, 0]))
        item = q.locator(".cuboid-list .shape-item")
        expect(item).to_have_count(1)
        # the height spans the points in the footprint: the ground's 16 are counted too
        expect(item.locator(".points")).to_have_text("116 points")
        # side view of the selected cuboid: lift its bottom edge from the ground to z = 0
        q.focus()
        page.keyboard.press("s")
        expect(q.locator('[data-view="side"]')).to_have_attribute("aria-pressed", "true")
        _drag(page, _screen(page, [5.0, 0.0, -0.25]), _screen(page, [5.0, 0.0, 0.0]))
        expect(item.locator(".points")).to_have_text("100 points")
        shown = int(item.locator(".points").inner_text().split()[0])
        page.keyboard.press("Control+Enter")
        # the next record's file is broken: the error names it and what was expected
        expect(page.locator(".q-cuboid .question-error")).to_contain_text(
            "scans/broken.pcd: the PCD file has no field z; expected fields x y z")
        problems.assert_clean()
    finally:
        ctx.close()
    [resp] = cloud_server.responses(name)["f1"]
    [cuboid] = resp["values"]["objects"]
    assert cuboid["label"] == "car" and cuboid["yaw"] == 0
    tol = 0.1  # a pixel or two of mouse at the fitted scale
    # bottom dragged to 0, top 5 cm above the highest point (1.45)
    for key, want in {"x": 5.0, "y": 0.0, "l": 2.0, "w": 2.0, "z": 0.725, "h": 1.45}.items():
        assert cuboid[key] == pytest.approx(want, abs=tol), (key, cuboid)
    assert count_points(POINTS, cuboid) == shown == 100


def test_point_cloud_route_sends_float32_points_and_names_bad_files(cloud_server):
    user, client = cloud_server.user()
    ok = client.get("/point-cloud/scans/000001.bin")
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/octet-stream"
    assert ok.headers["x-point-count"] == str(len(POINTS))
    assert ok.content == POINTS.astype("<f4").tobytes()
    bad = client.get("/point-cloud/scans/broken.pcd")
    assert bad.status_code == 422
    assert bad.json()["error"]["message"].startswith(
        "scans/broken.pcd: the PCD file has no field z; expected fields x y z [intensity]")
    assert client.get("/point-cloud/scans/missing.bin").status_code == 404
    assert client.get("/point-cloud/scans/000001.png").status_code == 404
    assert client.get("/point-cloud/..%2Fsecret.bin").status_code in (400, 404)


def test_a_point_cloud_field_without_a_cuboid_question_is_shown_in_the_viewer(browser,
                                                                              cloud_server):
    user, _client = cloud_server.user()
    settings = {"fields": [{"name": "scan", "type": "point_cloud"}],
                "questions": [{"name": "busy", "type": "label", "labels": ["yes", "no"]}]}
    name = cloud_server.dataset(settings, [{"id": "f1", "scan": "scans/000001.bin"}],
                                members=[user])
    ctx = browser.new_context(base_url=cloud_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    problems = PageProblems(page)
    try:
        api_login(ctx, user)
        page.goto(f"/datasets/{name}/annotate")
        field = page.locator('.field[data-field="scan"]')
        expect(field.locator(".pc-status")).to_have_text(f"{len(POINTS):,} points")
        field.get_by_role("button", name="top").click()
        expect(field.locator('[data-view="top"]')).to_have_attribute("aria-pressed", "true")
        problems.assert_clean()
    finally:
        ctx.close()
