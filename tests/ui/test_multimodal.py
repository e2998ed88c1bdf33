"""Image and audio annotation in a real browser: boxes, polygons and keypoints drawn with the
mouse on a generated PNG, zoom and pan, model box suggestions, audio segments on a generated
WAV, a transcript; the saved values are read back through the API and compared exactly.

Screenshots of both pages are written to ``$ACCORD_SCREENSHOTS`` when it is set (the ones in
docs/img/ come from ``ACCORD_SCREENSHOTS=docs/img pytest tests/ui/test_multimodal.py``).
"""

from __future__ import annotations

import base64
import io
import math
import os
import random
import struct
import wave
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import PageProblems, api_login, check

W, H = 320, 240


def _png_bytes(width: int = W, height: int = H) -> bytes:
    """A small RGB PNG: sky, a red "car", grass and a road."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if 40 <= x < 140 and 60 <= y < 120:
                px = (200, 40, 40)          # the car
            elif y >= 160 and abs(x - 160) < (y - 140):
                px = (90, 90, 96)           # the road
            elif y >= 140:
                px = (70, 150, 70)          # grass
            else:
                px = (150, 190, 230 - y // 2)  # sky
            row += bytes(px)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def _png() -> str:
    return "data:image/png;base64," + base64.b64encode(_png_bytes()).decode()


RATE = 8000
SECONDS = 4.0


def _wav_bytes() -> bytes:
    """4 s of 16-bit mono audio: a voiced tone 0.5-1.8 s, noise 2.4-3.4 s, silence around."""
    rnd = random.Random(7)
    frames = bytearray()
    for i in range(int(RATE * SECONDS)):
        t = i / RATE
        v = 0.0
        if 0.5 <= t < 1.8:
            envelope = 0.55 + 0.45 * math.sin(2 * math.pi * 3 * t)
            v = 0.6 * math.sin(2 * math.pi * 220 * t) * envelope
        elif 2.4 <= t < 3.4:
            v = rnd.uniform(-0.35, 0.35)
        frames += struct.pack("<h", int(v * 32000))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def _wav() -> str:
    return "data:audio/wav;base64," + base64.b64encode(_wav_bytes()).decode()


def _shot(page, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = Path(os.environ.get("ACCORD_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(target / name), full_page=True)
    assert (target / name).stat().st_size > 5000


IMAGE = {
    "guidelines": "Box every vehicle and person; outline road and grass; mark the dog's pose.",
    "fields": [{"name": "photo", "type": "image"}, {"name": "caption", "type": "text"}],
    "questions": [
        {"name": "objects", "type": "bbox", "field": "photo", "labels": ["car", "person"],
         "required": True},
        {"name": "regions", "type": "polygon", "field": "photo", "labels": ["road", "grass"]},
        {"name": "pose", "type": "keypoints", "field": "photo", "points": ["head", "neck", "tail"],
         "skeleton": [["head", "neck"], ["neck", "tail"]], "labels": ["dog", "cat"]},
        {"name": "scene", "type": "label", "labels": ["street", "park"]},
    ],
}


def _open(page, ui_server, settings, records):  # type: ignore[no-untyped-def]
    user, _client = ui_server.user()
    name = ui_server.dataset(settings, records, members=[user])
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator(".question").first).to_be_focused()
    return name, user


def _only_response(ui_server, name, user):  # type: ignore[no-untyped-def]
    found = [r for rs in ui_server.responses(name).values() for r in rs if r["user"] == user]
    assert len(found) == 1, found
    return found[0]


class Stage:
    """Screen positions of image pixels in one question's stage (reads the stage's view)."""

    def __init__(self, page, question: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.q = page.locator(f'.question[data-question="{question}"]')
        self.vp = self.q.locator(".stage-viewport")
        expect(self.q.locator(".image-stage")).to_have_attribute("data-ready", "true")

    def view(self) -> tuple[float, float, float]:
        view = self.q.locator(".image-stage").get_attribute("data-view")
        return tuple(float(v) for v in view.split(","))

    def at(self, x: float, y: float) -> tuple[float, float]:
        box = self.vp.bounding_box()
        border = self.vp.evaluate("el => [el.clientLeft, el.clientTop]")
        scale, tx, ty = self.view()
        return box["x"] + border[0] + tx + x * scale, box["y"] + border[1] + ty + y * scale

    def drag(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        m = self.page.mouse
        m.move(*self.at(*a))
        m.down()
        m.move(*self.at((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), steps=3)
        m.move(*self.at(*b))
        m.up()

    def click(self, x: float, y: float) -> None:
        self.page.mouse.click(*self.at(x, y))


def test_box_polygon_and_keypoints_saved_exactly(page, ui_server, tmp_path):
    record = {"id": "img1", "photo": _png(), "caption": "a street"}
    name, user = _open(page, ui_server, IMAGE, [record])
    page.locator("#guidelines-ack").click()
    page.locator(".q-bbox").focus()
    boxes = Stage(page, "objects")
    assert boxes.view() == (1.0, 0.0, 0.0)  # a small image starts 1:1, not panned
    boxes.drag((10, 20), (110, 80))
    page.keyboard.press("2")               # pick "person" (relabels the new, selected box)
    page.keyboard.press("Escape")
    page.keyboard.press("1")               # back to "car" for the next box
    boxes.drag((200, 150), (150, 100))     # drawn up-left: still x, y top-left
    expect(page.locator('.q-bbox .shape.box')).to_have_count(2)
    page.keyboard.press("Backspace")       # removes the selected (second) box ...
    page.keyboard.press("Control+z")       # ... and undo brings it back
    expect(page.locator(".q-bbox .shape-item")).to_have_count(2)

    page.keyboard.press("p")               # jump to the polygon question on the same image
    expect(page.locator(".q-polygon")).to_be_focused()
    poly = Stage(page, "regions")
    poly.click(160, 150)
    poly.click(300, 239)
    page.keyboard.press("2")               # grass for the next polygon
    poly.click(20, 239)
    expect(page.locator(".q-polygon .draw-note")).to_contain_text("3 points")
    poly.click(160, 150)                   # the first point closes it
    expect(page.locator(".q-polygon .shape.poly")).to_have_count(1)
    page.keyboard.press("v")               # select: click the polygon, drag a corner
    poly.click(160, 200)
    expect(page.locator(".q-polygon circle.handle")).to_have_count(3)
    poly.drag((300, 239), (305, 235))
    page.keyboard.press("p")               # back to drawing
    poly.click(0, 140)
    poly.click(100, 140)
    poly.click(60, 200)
    page.keyboard.press("Enter")           # Enter closes too
    poly.click(5, 5)
    page.keyboard.press("Escape")          # an unfinished polygon is dropped
    expect(page.locator(".q-polygon .shape.poly")).to_have_count(2)

    page.keyboard.press("k")
    expect(page.locator(".q-keypoints")).to_be_focused()
    pose = Stage(page, "pose")
    expect(page.locator(".q-keypoints .kp-name.next")).to_contain_text("head")
    pose.click(250.5, 120.25)
    pose.click(270, 130)
    expect(page.locator(".q-keypoints .kp-name.next")).to_contain_text("tail")
    page.keyboard.press("s")               # the tail is not visible
    page.keyboard.press("2")               # a cat
    page.keyboard.press("v")
    pose.drag((250.5, 120.25), (252, 118))  # move the head
    page.keyboard.press("k")
    pose.click(30, 200)                    # a second instance starts with its head
    expect(page.locator(".q-keypoints .bone")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("1")
    _shot(page, "annotate-image.png", tmp_path)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    values = _only_response(ui_server, name, user)["values"]
    assert values == {
        "objects": [{"x": 10, "y": 20, "w": 100, "h": 60, "label": "person"},
                    {"x": 150, "y": 100, "w": 50, "h": 50, "label": "car"}],
        "regions": [{"points": [[160, 150], [305, 235], [20, 239]], "label": "grass"},
                    {"points": [[0, 140], [100, 140], [60, 200]], "label": "grass"}],
        "pose": [{"points": {"head": [252, 118], "neck": [270, 130]}, "label": "cat"},
                 {"points": {"head": [30, 200]}, "label": "cat"}],
        "scene": "street",
    }


ZOOM = {"fields": [{"name": "photo", "type": "image"}],
        "questions": [{"name": "objects", "type": "bbox", "field": "photo", "labels": ["car"]}]}


def test_zoom_and_pan_then_draw_gives_image_pixels(page, ui_server):
    name, user = _open(page, ui_server, ZOOM, [{"id": "z1", "photo": _png()}])
    stage = Stage(page, "objects")
    page.keyboard.press("+")
    page.keyboard.press("+")
    scale, tx, ty = stage.view()
    assert scale == pytest.approx(1.5625) and tx < 0 and ty < 0  # zoomed around the centre
    page.mouse.move(*stage.at(100, 60))
    page.mouse.wheel(0, -200)                                     # wheel: zoom around the pointer
    expect(page.locator(".q-bbox .image-stage")).not_to_have_attribute(
        "data-view", f"{scale},{tx},{ty}")
    s2, tx2, ty2 = stage.view()
    assert s2 > scale
    # pan with Space held: the image moves, the drawn box still lands on image pixels
    page.keyboard.down(" ")
    a = stage.at(150, 100)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(a[0] - 60, a[1] - 40, steps=3)
    page.mouse.up()
    page.keyboard.up(" ")
    s3, tx3, ty3 = stage.view()
    assert s3 == s2
    assert (tx3, ty3) == (pytest.approx(tx2 - 60, abs=1), pytest.approx(ty2 - 40, abs=1))
    expect(page.locator(".q-bbox .shape.box")).to_have_count(0)   # panning drew nothing
    stage.drag((120, 70), (180, 110))
    expect(page.locator(".q-bbox .shape.box")).to_have_count(1)
    page.keyboard.press("0")                                       # back to fit
    assert stage.view() == (1.0, 0.0, 0.0)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    [box] = _only_response(ui_server, name, user)["values"]["objects"]
    tolerance = 1 / s2 + 0.01   # the pointer lands on whole CSS pixels
    assert box["label"] == "car"
    for key, want in (("x", 120), ("y", 70), ("w", 60), ("h", 40)):
        assert box[key] == pytest.approx(want, abs=2 * tolerance), (key, box)
        assert round(box[key], 2) == box[key]                    # saved with 2 decimals


def test_box_suggestions_accepted_one_by_one_and_above_a_threshold(page, ui_server, tmp_path):
    user, _client = ui_server.user()
    name = ui_server.dataset(ZOOM, [{"id": "s1", "photo": _png()}], members=[user])
    suggested = [{"x": 40, "y": 60, "w": 100, "h": 60, "label": "car", "score": 0.92},
                 {"x": 200, "y": 30, "w": 50, "h": 40, "label": "car", "score": 0.61},
                 {"x": 10, "y": 150, "w": 30, "h": 30, "label": "car", "score": 0.2}]
    check(ui_server.admin.put(f"/datasets/{name}/suggestions", json={
        "agent": "detector-v2", "suggestions": [
            {"external_id": "s1", "question": "objects", "value": suggested, "score": 0.8}]}))
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    Stage(page, "objects")
    q = page.locator(".q-bbox")
    expect(q.locator(".shape.suggested")).to_have_count(3)              # dashed, with the score
    expect(q.locator("text.shape-tag.suggested")).to_have_text(["car 0.92", "car 0.61", "car 0.20"])
    expect(q.locator(".shape.suggested.below")).to_have_count(1)        # under the 0.5 threshold
    q.get_by_role("button", name="accept suggested box 2").click()
    expect(q.locator(".shape.box")).to_have_count(1)                    # now the annotator's own
    expect(q.locator(".shape.suggested")).to_have_count(2)
    expect(q.get_by_role("button", name="accept suggested box 2")).to_have_text("accepted")
    _shot(page, "annotate-suggestions.png", tmp_path)
    q.locator(".threshold").fill("0.9")
    q.locator(".threshold").dispatch_event("change")
    q.get_by_role("button", name="accept all above threshold").click()  # only the 0.92 one
    expect(q.locator(".shape.box")).to_have_count(2)
    # the accepted box is editable: select it and drag its bottom-right handle
    q.locator(".question-head").click()
    page.keyboard.press("v")
    stage = Stage(page, "objects")
    stage.click(90, 90)
    expect(q.locator(".handle")).to_have_count(8)
    stage.drag((140, 120), (150, 130))
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    assert _only_response(ui_server, name, user)["values"] == {"objects": [
        {"x": 200, "y": 30, "w": 50, "h": 40, "label": "car"},
        {"x": 40, "y": 60, "w": 110, "h": 70, "label": "car"}]}


AUDIO = {
    "fields": [{"name": "clip", "type": "audio"}],
    "questions": [
        {"name": "events", "type": "segment", "field": "clip", "labels": ["speech", "noise"],
         "allow_overlap": False, "required": True},
        {"name": "words", "type": "transcript", "field": "clip"},
    ],
}


class Wave:
    """Screen positions of times on one question's waveform."""

    def __init__(self, page, question: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.q = page.locator(f'.question[data-question="{question}"]')
        self.canvas = self.q.locator("canvas.waveform")
        expect(self.q.locator(".audio-player")).to_have_attribute("data-ready", "true")
        self.duration = float(self.q.locator(".audio-player").get_attribute("data-duration"))

    def at(self, t: float) -> tuple[float, float]:
        box = self.canvas.bounding_box()
        return box["x"] + box["width"] * t / self.duration, box["y"] + box["height"] / 2

    def drag(self, t0: float, t1: float) -> None:
        m = self.page.mouse
        m.move(*self.at(t0))
        m.down()
        m.move(*self.at((t0 + t1) / 2), steps=3)
        m.move(*self.at(t1))
        m.up()


def test_audio_segments_and_transcript_saved_exactly(page, ui_server, tmp_path):
    name, user = _open(page, ui_server, AUDIO, [{"id": "a1", "clip": _wav()}])
    wave_ = Wave(page, "events")
    assert wave_.duration == pytest.approx(SECONDS, abs=0.01)
    q = wave_.q
    expect(q.locator(".audio-player")).not_to_have_attribute("data-waveform", "none")
    wave_.drag(0.5, 1.8)                        # a new segment with the current label (speech)
    expect(q.locator(".shape-item")).to_have_count(1)
    page.keyboard.press("Escape")
    page.keyboard.press("2")                    # noise for the next one
    wave_.drag(3.4, 2.4)                        # dragged right to left
    expect(q.locator(".shape-item .chip")).to_have_text(["speech", "noise"])
    wave_.drag(1.0, 2.6)                        # overlaps both: replaces them (no overlap allowed)
    expect(q.locator(".draw-note")).to_contain_text("replaced an overlapping segment")
    page.keyboard.press("Control+z")
    expect(q.locator(".shape-item")).to_have_count(2)
    start2 = float(q.get_by_label("segment 2 start").input_value())
    wave_.drag(start2, 2.2)                     # dragging an edge moves it
    expect(q.get_by_label("segment 2 start")).not_to_have_value(str(start2))
    assert float(q.get_by_label("segment 2 start").input_value()) == pytest.approx(2.2, abs=0.03)
    # exact times typed into the list
    for label, value in (("segment 1 start", "0.5"), ("segment 1 end", "1.75"),
                         ("segment 2 start", "2.4"), ("segment 2 end", "3.4")):
        q.get_by_label(label).fill(value)
        q.get_by_label(label).press("Enter")
    q.locator(".question-head").click()
    # playback: speed and Space (focus outside text boxes)
    q.locator("select.speed").select_option("1.5")
    assert q.locator("audio").evaluate("a => a.playbackRate") == 1.5
    q.locator(".question-head").click()
    page.keyboard.press(" ")
    expect(q.locator(".audio-player")).to_have_class("audio-player playing")
    page.keyboard.press(" ")
    expect(q.locator(".audio-player")).not_to_have_class("audio-player playing")

    page.keyboard.press(" ")                    # play the clip again ...
    page.keyboard.press("Tab")                  # the transcript
    t = Wave(page, "words")
    page.keyboard.press(" ")                    # ... starting this player pauses the other one
    expect(t.q.locator(".audio-player")).to_have_class("audio-player playing")
    expect(q.locator(".audio-player")).not_to_have_class("audio-player playing")
    page.keyboard.press(" ")
    page.keyboard.press("Enter")
    page.keyboard.type("hello there, general noise")
    page.keyboard.press("Escape")
    t.q.locator("canvas.waveform").click(position={"x": 5, "y": 20})   # seek near the start
    page.keyboard.press("a")                    # a segment at the playhead
    t.q.locator(".question-head").click()
    page.keyboard.press("a")                    # a second one, right after the first
    expect(t.q.locator(".transcript-row")).to_have_count(2)
    # rows stay in time order: move the second one later first
    for label, value in (("segment 2 end", "3.4"), ("segment 2 start", "2.4"),
                         ("segment 1 start", "0.5"), ("segment 1 end", "1.8")):
        t.q.get_by_label(label).fill(value)
        t.q.get_by_label(label).press("Enter")
    t.q.get_by_label("segment 1 text").fill("hello there")
    t.q.get_by_label("segment 2 text").fill("general noise")
    t.q.locator(".question-head").click()
    _shot(page, "annotate-audio.png", tmp_path)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    assert _only_response(ui_server, name, user)["values"] == {
        "events": [{"start": 0.5, "end": 1.75, "label": "speech"},
                   {"start": 2.4, "end": 3.4, "label": "noise"}],
        "words": {"text": "hello there, general noise",
                  "segments": [{"start": 0.5, "end": 1.8, "text": "hello there"},
                               {"start": 2.4, "end": 3.4, "text": "general noise"}]},
    }


XSS = '<img src=x onerror="window.__xss=1">'


def test_label_names_with_markup_are_text(page, ui_server):
    settings = {"fields": [{"name": "photo", "type": "image"}, {"name": "clip", "type": "audio"},
                           {"name": "bad", "type": "image"}],
                "questions": [
                    {"name": "objects", "type": "bbox", "field": "photo", "labels": [XSS, "ok"]},
                    {"name": "events", "type": "segment", "field": "clip", "labels": [XSS]},
                    {"name": "other", "type": "polygon", "field": "bad", "labels": ["x"]}]}
    name, user = _open(page, ui_server, settings, [{"id": "x1", "photo": _png(), "clip": _wav(),
                                                    "bad": "javascript:alert(1)"}])
    Stage(page, "objects").drag((10, 10), (60, 50))
    expect(page.locator(".q-bbox .shape-item .chip")).to_have_text(XSS)
    expect(page.locator(".q-bbox text.shape-tag")).to_have_text(XSS)
    expect(page.locator(".q-bbox .media-labels .option-text").first).to_have_text(XSS)
    page.keyboard.press("Tab")
    Wave(page, "events").drag(0.5, 1.5)
    expect(page.locator(".q-segment .shape-item .chip")).to_have_text(XSS)
    expect(page.locator(".q-polygon .blocked")).to_contain_text("image not shown")
    # only the one real image; nothing ran
    assert page.locator("img").count() == 1
    assert page.evaluate("window.__xss") is None
    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_contain_text("draft saved")
    values = _only_response(ui_server, name, user)["values"]
    assert values["objects"] == [{"x": 10, "y": 10, "w": 50, "h": 40, "label": XSS}]
    assert values["events"][0]["label"] == XSS


@pytest.fixture(scope="module")
def media_files(media_server):
    """A PNG and a WAV under the shared media server's root."""
    root = media_server.media_root
    (root / "street").mkdir(exist_ok=True)
    (root / "street" / "photo 1.png").write_bytes(_png_bytes())
    (root / "clip.wav").write_bytes(_wav_bytes())
    return media_server


MEDIA = {"fields": [{"name": "photo", "type": "image"}, {"name": "clip", "type": "audio"},
                    {"name": "thumb", "type": "image"}],
         "questions": [{"name": "objects", "type": "bbox", "field": "photo", "labels": ["car"]},
                       {"name": "events", "type": "segment", "field": "clip", "labels": ["speech"]},
                       {"name": "kind", "type": "label", "labels": ["street", "park"]}]}


def test_media_paths_load_from_the_media_root(browser, media_files):
    """Relative paths go through GET /api/v1/media/...: the image is drawn on, the audio's
    waveform is decoded; an image field with a label question gets zoom and pan."""
    media_server = media_files
    user, _client = media_server.user()
    record = {"id": "m1", "photo": "street/photo 1.png", "clip": "clip.wav",
              "thumb": "street/photo 1.png"}
    name = media_server.dataset(MEDIA, [record], members=[user])
    ctx = browser.new_context(base_url=media_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    problems = PageProblems(page)
    try:
        api_login(ctx, user)
        page.goto(f"/datasets/{name}/annotate")
        stage = Stage(page, "objects")
        expect(page.locator(".q-bbox img.image-body")).to_have_attribute(
            "src", "/api/v1/media/street/photo%201.png")
        assert Wave(page, "events").duration == pytest.approx(SECONDS, abs=0.01)
        player = page.locator(".q-segment .audio-player")
        expect(player).not_to_have_attribute("data-waveform", "none")
        thumb = page.locator('.field[data-field="thumb"] .image-stage')
        expect(thumb).to_have_attribute("data-ready", "true")
        # draw once the media above and beside the stage have loaded: a waveform or image
        # that arrived during the drag moved the stage under the mouse (y 60 -> 30.44)
        stage.drag((40, 60), (140, 120))
        # the image field shown beside the label question: zoom with the button, pan by dragging
        thumb.get_by_role("button", name="+").click()
        scale = float(thumb.get_attribute("data-view").split(",")[0])
        assert scale > 1
        box = thumb.locator(".stage-viewport").bounding_box()
        page.mouse.move(box["x"] + 100, box["y"] + 100)
        page.mouse.down()
        page.mouse.move(box["x"] + 130, box["y"] + 90, steps=3)
        page.mouse.up()
        _, tx, ty = (float(v) for v in thumb.get_attribute("data-view").split(","))
        page.locator(".q-label").focus()
        page.keyboard.press("2")
        page.keyboard.press("Control+Enter")
        expect(page.locator("#empty")).to_be_visible()
        problems.assert_clean()
    finally:
        ctx.close()
    assert (tx, ty) != (0.0, 0.0)
    [[resp]] = media_server.responses(name).values()
    assert resp["values"] == {"objects": [{"x": 40, "y": 60, "w": 100, "h": 60, "label": "car"}],
                              "kind": "park"}


def test_review_shows_boxes_and_fixes_them_on_the_image(page, ui_server):
    settings = {**ZOOM, "distribution": {"overlap": 2}}
    people = [ui_server.user() for _ in range(2)]
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(settings, [{"id": "r1", "photo": _png()}],
                             members=[u for u, _ in people] + [reviewer])
    answers = [[{"x": 40, "y": 60, "w": 100, "h": 60, "label": "car"}],
               [{"x": 42, "y": 61, "w": 95, "h": 58, "label": "car"}]]
    responses = []
    for (_, client), boxes in zip(people, answers):
        rec = check(client.post(f"/datasets/{name}/next"))
        responses.append(check(client.put(
            f"/datasets/{name}/records/{rec['id']}/response",
            json={"values": {"objects": boxes}, "status": "submitted", "time_spent": 3})))
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    row = page.locator('tr[data-question="objects"]')
    expect(row).to_have_class("disagree")
    expect(row).to_contain_text("car 40,60 100×60")
    expect(row).to_contain_text("car 42,61 95×58")
    column = page.locator(".annotator-name").all_inner_texts().index(people[1][0])
    page.locator(".actions-row td").nth(column).locator('[data-action="fix"]').click()
    stage = Stage(page, "objects")
    expect(stage.q.locator(".shape.box")).to_have_count(1)            # the answer, on the image
    stage.drag((200, 30), (250, 70))
    page.locator("#fix-panel #save-fix").click()
    expect(page.locator("thead .verdict.fix")).to_have_count(1)
    reviews = ui_server.admin.get(f"/datasets/{name}/responses/{responses[1]['id']}/reviews")
    [review] = check(reviews)
    assert review["values"] == {"objects": [
        {"x": 42, "y": 61, "w": 95, "h": 58, "label": "car"},
        {"x": 200, "y": 30, "w": 50, "h": 40, "label": "car"}]}
