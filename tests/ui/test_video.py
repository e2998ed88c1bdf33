"""Video annotation in Chromium: a track drawn over 30 frames with two keyframes (the page
shows the interpolated boxes the exports write), frame stepping by keyboard only, frame
labels and a time segment by keyboard. The video is the demo WebM shipped with accord
(VP8: Chromium here has no proprietary codecs)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accord.io.exporters.mot import mot_lines
from accord.schema.tracks import box_at
from tests.ui.conftest import api_login

VIDEO = (Path(__file__).resolve().parents[2] / "accord" / "demo" / "data" / "media" / "videos"
         / "moving_squares.webm")
SETTINGS = {
    "fields": [{"name": "clip", "type": "video", "fps": 25}],
    "questions": [
        {"name": "tracks", "type": "video_track", "field": "clip", "labels": ["car", "sign"]},
        {"name": "acts", "type": "video_frame_label", "field": "clip",
         "labels": ["moving", "still"]},
        {"name": "scenes", "type": "video_segment", "field": "clip", "labels": ["start", "end"]},
    ],
}


@pytest.fixture(scope="module")
def video_uri() -> str:
    return "data:video/webm;base64," + base64.b64encode(VIDEO.read_bytes()).decode()


def _frame(q):  # type: ignore[no-untyped-def]
    return int(q.locator(".video-player").get_attribute("data-frame"))


def test_track_with_two_keyframes_and_keyboard_frame_stepping(page, ui_server, video_uri):
    user, _client = ui_server.user()
    name = ui_server.dataset(SETTINGS, [{"id": "v1", "clip": video_uri}], members=[user])
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    q = page.locator('.question[data-question="tracks"]')
    expect(q.locator(".video-player")).to_have_attribute("data-ready", "true")
    expect(q.locator(".frame-number")).to_have_text("frame 0 / 74")   # 3 s at 25 fps
    q.locator(".question-head").click()

    # keyboard only: . and , step one frame, Shift ten, End/Home the ends
    for _ in range(3):
        page.keyboard.press(".")
    expect(q.locator(".frame-number")).to_have_text("frame 3 / 74")
    page.keyboard.press("Shift+.")
    page.keyboard.press(",")
    expect(q.locator(".frame-number")).to_have_text("frame 12 / 74")
    assert q.locator("video").evaluate("v => Math.floor(v.currentTime * 25)") == 12
    page.keyboard.press("End")
    expect(q.locator(".frame-number")).to_have_text("frame 74 / 74")
    page.keyboard.press("Home")
    expect(q.locator(".frame-number")).to_have_text("frame 0 / 74")
    page.keyboard.press("]")
    page.keyboard.press("]")
    assert q.locator("video").evaluate("v => v.playbackRate") == 1.5

    # frame 0: drag out a car on the empty video
    overlay = q.locator("canvas.video-overlay")
    box = overlay.bounding_box()
    px = box["width"] / 320  # CSS pixels per video pixel

    def at(x, y):  # type: ignore[no-untyped-def]
        return box["x"] + x * px, box["y"] + y * px

    m = page.mouse
    m.move(*at(20, 60))
    m.down()
    m.move(*at(50, 90), steps=3)
    m.move(*at(80, 120))
    m.up()
    expect(q.locator(".track-list .shape-item")).to_have_count(1)
    expect(q.locator(".track-readout")).to_contain_text("keyframe")

    # frame 29 (keyboard), then drag the box 100 px right and 40 down: a second keyframe
    for key in ("Shift+.", "Shift+.", "Shift+.", ","):
        page.keyboard.press(key)
    expect(q.locator(".frame-number")).to_have_text("frame 29 / 74")
    m.move(*at(50, 90))
    m.down()
    m.move(*at(100, 110), steps=3)
    m.move(*at(150, 130))
    m.up()
    expect(q.locator(".track-list .shape-item")).to_contain_text("2 keyframes")
    # keyboard: nudge this keyframe 1 px right
    page.keyboard.press("ArrowRight")

    # frame 10: the page shows the interpolated box (dashed, "interpolated")
    page.keyboard.press("Home")
    page.keyboard.press("Shift+.")
    expect(q.locator(".frame-number")).to_have_text("frame 10 / 74")
    expect(q.locator(".track-readout")).to_contain_text("interpolated")
    shown = q.locator(".track-readout").inner_text()
    # K makes this frame a keyframe; the mouse removes it again from the keyframe list
    page.keyboard.press("k")
    expect(q.locator(".track-list .shape-item")).to_contain_text("3 keyframes")
    expect(q.locator(".track-readout")).to_contain_text("keyframe")
    q.get_by_label("remove keyframe 10").click()
    expect(q.locator(".track-list .shape-item")).to_contain_text("2 keyframes")
    expect(q.locator(".track-readout")).to_have_text(shown)
    q.locator(".question-head").click()

    # frame labels by keyboard: Tab to the question, Enter at frame 10 and at frame 20
    page.keyboard.press("Tab")
    acts = page.locator('.question[data-question="acts"]')
    expect(acts).to_be_focused()
    expect(acts.locator(".video-player")).to_have_attribute("data-ready", "true")
    for key in ("Shift+.", "Enter", "Shift+.", "Enter"):
        page.keyboard.press(key)
    expect(acts.locator(".range-list .shape-item")).to_contain_text("frame 10 – frame 20")
    # a time segment: from frame 0 to the end of frame 10, in seconds
    page.keyboard.press("Tab")
    scenes = page.locator('.question[data-question="scenes"]')
    expect(scenes).to_be_focused()
    expect(scenes.locator(".video-player")).to_have_attribute("data-ready", "true")
    for key in ("2", "Enter", "Shift+.", "Enter"):
        page.keyboard.press(key)
    expect(scenes.locator(".range-list .shape-item")).to_contain_text("0:00.00 – 0:00.44")

    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    [resp] = [r for rs in ui_server.responses(name).values() for r in rs if r["user"] == user]
    assert resp["values"]["acts"] == {"frames": 75, "ranges": [
        {"start": 10, "end": 20, "label": "moving"}]}
    assert resp["values"]["scenes"] == {"duration": 3.0, "segments": [
        {"start": 0, "end": 0.44, "label": "end"}]}
    value = resp["values"]["tracks"]
    assert (value["frames"], value["width"], value["height"]) == (75, 320, 240)
    [track] = value["tracks"]
    assert track["id"] == 1 and track["label"] == "car"
    k0, k29 = track["keyframes"]   # only the keyframes are stored
    assert (k0["frame"], k29["frame"]) == (0, 29)
    assert k0["x"] == pytest.approx(20, abs=1) and k0["w"] == pytest.approx(60, abs=1)
    assert k29["x"] == pytest.approx(k0["x"] + 101, abs=1)
    assert k29["y"] == pytest.approx(k0["y"] + 40, abs=1)
    assert (k29["w"], k29["h"]) == (k0["w"], k0["h"])
    # the box the page showed at frame 10 is accord.schema.tracks.box_at's, and the MOT
    # export's line for frame 10 (MOT counts from 1) has the same numbers
    b = box_at(track["keyframes"], 10)
    assert b["x"] == pytest.approx(k0["x"] + (k29["x"] - k0["x"]) * 10 / 29)
    assert shown == (f"track 1 car: x {b['x']:.2f} y {b['y']:.2f} w {b['w']:.2f} "
                     f"h {b['h']:.2f} interpolated")
    line = next(line for line in mot_lines(value) if line.startswith("11,1,"))
    cells = [float(c) for c in line.split(",")[2:6]]
    assert cells == pytest.approx([b["x"], b["y"], b["w"], b["h"]], abs=1e-3)
