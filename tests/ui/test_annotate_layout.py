"""The annotation page does not move under the annotator's mouse: the side panels (guidelines,
progress, rejected responses) are laid out before the first record is shown, however late
their requests answer (a shift after the record appears made a drag land on the wrong token)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

SETTINGS = {"guidelines": "Label **every** record.",
            "fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]}
SIDE_REQUESTS = ("/settings/versions", "/my/progress", "/my/rejected")
# where the record sits the moment the first question takes the focus
FIRST_BOX = """document.addEventListener("focusin", () => {
  if (window.firstBox === undefined) {
    const r = document.getElementById("fields").getBoundingClientRect();
    window.firstBox = [r.x, r.y, r.width, r.height];
  }
}, true);"""
NOW_BOX = """() => { const r = document.getElementById("fields").getBoundingClientRect();
                     return [r.x, r.y, r.width, r.height]; }"""


def test_record_does_not_move_when_side_requests_answer_late(page, ui_server):
    user, _ = ui_server.user()
    name = ui_server.dataset(SETTINGS, [{"id": "r1", "text": "hello"}], members=[user])
    api_login(page.context, user)
    page.add_init_script(FIRST_BOX)
    held = []
    page.route(lambda url: any(s in url for s in SIDE_REQUESTS), lambda route: held.append(route))
    with page.expect_response(lambda res: res.url.endswith("/next")):
        page.goto(f"/datasets/{name}/annotate")
    page.wait_for_timeout(300)          # the record is in the browser; the side requests wait
    assert held, "the side requests were not made"
    for route in held:
        route.continue_()
    expect(page.locator(".question").first).to_be_focused()
    expect(page.locator("#guidelines")).to_be_visible()
    expect(page.locator("#progress")).to_be_visible()
    page.wait_for_timeout(500)
    assert page.evaluate("window.firstBox") == page.evaluate(NOW_BOX)


def test_training_banner_is_drawn_before_the_record(page, ui_server):
    user, _ = ui_server.user()
    settings = {**SETTINGS, "onboarding": {"training": {"count": 1}}}
    name = ui_server.dataset(settings, [{"id": "g0", "text": "hello"}], members=[user])
    rec = check(ui_server.admin.get(f"/datasets/{name}/records", params={"limit": 1}))["records"][0]
    check(ui_server.admin.put(f"/datasets/{name}/records/{rec['id']}/gold",
                              json={"values": {"y": "a"}}))
    api_login(page.context, user)
    page.add_init_script(FIRST_BOX)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator(".question").first).to_be_focused()
    expect(page.locator("#onboarding")).to_contain_text("Training: record 1 of 1")
    page.wait_for_timeout(300)
    assert page.evaluate("window.firstBox") == page.evaluate(NOW_BOX)
