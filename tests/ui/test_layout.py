"""Layout under real text and on a phone (issue 20 item 6): unbroken words and long labels
wrap or scroll inside their box, the admin, review and dashboard pages fit 390 px, the
History panel leaves the action buttons free, and boxes and segments are made by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import api_login, check
from tests.ui.test_multimodal import _png, _wav
from tests.ui.test_review_workflow import shot

WORD = "x" * 5000
LABEL = "L" * 300
LONG = {"guidelines": "Read this: " + "g" * 5000,
        "fields": [{"name": "text", "type": "text"}, {"name": "notes", "type": "json"}],
        "questions": [{"name": "y", "type": "label", "labels": [LABEL, "short"],
                       "required": True},
                      {"name": "why", "type": "text", "field": "text"}],
        "distribution": {"overlap": 3}}


def _page_width(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


@pytest.fixture
def phone(browser, ui_server):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(base_url=ui_server.url, viewport={"width": 390, "height": 844})
    ctx.set_default_timeout(10_000)
    p = ctx.new_page()
    yield p
    ctx.close()


def _long_dataset(ui_server):  # type: ignore[no-untyped-def]
    a, a_client = ui_server.user()
    b, b_client = ui_server.user()
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(LONG, [{"id": "w" * 250, "text": f"start {WORD} end",
                                     "notes": {"k": WORD}}], members=[a, b, reviewer])
    for client, label in ((a_client, LABEL), (b_client, "short")):
        rec = check(client.post(f"/datasets/{name}/next"))
        check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
            "values": {"y": label, "why": f"rewritten {WORD}"}, "status": "submitted"}))
    return name, reviewer


def test_unbroken_words_and_long_labels_never_widen_the_page(page, ui_server):
    name, reviewer = _long_dataset(ui_server)
    user, _ = ui_server.user()
    check(ui_server.admin.post(f"/datasets/{name}/members", json={"user": user}))
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator("#guidelines")).to_contain_text("Read this")
    scroll, inner = _page_width(page)
    assert scroll <= inner, f"the guidelines make the page {scroll} px wide in {inner} px"
    page.get_by_role("button", name="I have read them").click()
    expect(page.locator(".question").first).to_be_visible()
    scroll, inner = _page_width(page)
    assert scroll <= inner, f"annotate page is {scroll} px wide in a {inner} px window"
    page.context.clear_cookies()
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    expect(page.locator(".compare-table")).to_be_visible()
    scroll, inner = _page_width(page)
    assert scroll <= inner, f"review page is {scroll} px wide in a {inner} px window"


def test_admin_review_and_dashboard_fit_a_phone(phone, ui_server, tmp_path):
    name, reviewer = _long_dataset(ui_server)
    admin, _ = ui_server.user("admin")
    check(ui_server.admin.post(f"/datasets/{name}/members", json={"user": reviewer}))
    api_login(phone.context, admin)
    for path in ("/admin", f"/datasets/{name}/review", f"/datasets/{name}/dashboard"):
        phone.goto(path)
        phone.wait_for_load_state("networkidle")
        if path.endswith("review"):
            expect(phone.locator(".compare-table")).to_be_visible()
        scroll, inner = _page_width(phone)
        assert inner == 390
        assert scroll <= 390, f"{path} is {scroll} px wide on a 390 px phone"
        if path == "/admin":
            shot(phone, "admin-phone.png", tmp_path)


def test_the_history_panel_leaves_the_action_buttons_free(page, ui_server):
    user, client = ui_server.user()
    name = ui_server.dataset(LONG, [{"id": f"r{i}", "text": "t", "notes": {}} for i in range(3)],
                             members=[user])
    rec = check(client.post(f"/datasets/{name}/next"))
    check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
        "values": {"y": "short"}, "status": "submitted"}))
    for size in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        api_login(page.context, user)
        page.goto(f"/datasets/{name}/annotate")
        if size["width"] == 1280:
            page.get_by_role("button", name="I have read them").click()
        expect(page.locator("#record-id strong")).to_be_visible()  # the page is wired
        page.locator("#history-button").click()
        expect(page.locator("#history .history-item")).to_have_count(1)
        panel = page.locator("#history").bounding_box()
        for button in page.locator(".work-bar .actions button:visible").all():
            b = button.bounding_box()
            overlap = not (b["x"] + b["width"] <= panel["x"]
                           or panel["x"] + panel["width"] <= b["x"]
                           or b["y"] + b["height"] <= panel["y"]
                           or panel["y"] + panel["height"] <= b["y"])
            assert not overlap, (size, button.text_content(), b, panel)
        page.locator("#submit-button").click()  # and it is clickable
        expect(page.locator("#notice")).to_contain_text("required")


def test_boxes_and_segments_by_keyboard(page, ui_server):
    settings = {"fields": [{"name": "photo", "type": "image"}, {"name": "clip", "type": "audio"}],
                "questions": [{"name": "objects", "type": "bbox", "field": "photo",
                               "labels": ["car", "person"], "required": True},
                              {"name": "events", "type": "segment", "field": "clip",
                               "labels": ["speech", "noise"], "required": True}]}
    user, client = ui_server.user()
    name = ui_server.dataset(settings, [{"id": "mm", "photo": _png(), "clip": _wav()}],
                             members=[user])
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    q = page.locator(".q-bbox")
    expect(q.locator(".image-stage[data-view]")).to_have_count(1)
    q.focus()
    page.keyboard.press("Enter")        # anchor a corner at the image centre (160, 120)
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # 5 px a step (1/50 of the short side)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowDown")  # 50 px
    expect(q.locator(".shape.drawing")).to_have_count(1)
    page.keyboard.press("Enter")        # the box
    expect(q.locator(".shape.box")).to_have_count(1)
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")       # cancelled: no second box
    expect(q.locator(".shape.drawing")).to_have_count(0)
    seg = page.locator('.question[data-question="events"]')
    expect(seg.locator(".audio-player")).to_have_attribute("data-ready", "true")
    seg.focus()
    page.keyboard.press("Enter")        # anchor at the playhead (0 s)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")   # 2 s
    page.keyboard.press("Enter")
    expect(seg.locator(".segment-list li")).to_have_count(1)
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    resp = check(client.get(f"/datasets/{name}/records/{_record_id(ui_server, name)}/response"))
    assert resp["values"] == {"objects": [{"x": 160, "y": 120, "w": 20, "h": 55, "label": "car"}],
                              "events": [{"start": 0, "end": 2, "label": "speech"}]}


def _record_id(ui_server, name):  # type: ignore[no-untyped-def]
    return check(ui_server.admin.get(f"/datasets/{name}/records"))["records"][0]["id"]
