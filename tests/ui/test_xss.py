"""Untrusted text stays text: script payloads in every field type, label names, titles,
guidelines, suggestions, metadata, external ids and user names render inert on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import PASSWORD, api_login, check, unique

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=2;alert(2)</script>"
SVG = "<svg onload=alert(3)>"
JS_LINK = "[click me](javascript:window.__xss=4) <a href=\"javascript:alert(4)\">raw</a>"
JS_URL = "javascript:window.__xss=5;alert(5)"

SETTINGS = {
    "guidelines": f"# Rules {IMG}\n\n{SCRIPT}\n\n{JS_LINK}\n\n* item {SVG}",
    "fields": [
        {"name": "text", "type": "text", "title": IMG, "description": SCRIPT},
        {"name": "chat", "type": "chat"},
        {"name": "md", "type": "markdown"},
        {"name": "img", "type": "image"},
        {"name": "img2", "type": "image"},
        {"name": "audio", "type": "audio"},
        {"name": "data", "type": "json"},
        {"name": "other", "type": "text"},
    ],
    "questions": [
        {"name": "lab", "type": "label", "labels": {IMG: SCRIPT, "ok": "<b>fine</b>"},
         "title": SVG, "description": IMG},
        {"name": "multi", "type": "multi_label", "labels": [SCRIPT, SVG]},
        {"name": "spans", "type": "span", "field": "text", "labels": [IMG, "plain"]},
        {"name": "rank", "type": "ranking", "field": "data"},
        {"name": "pair", "type": "pairwise", "fields": ["text", "other"]},
        {"name": "rewrite", "type": "text", "field": "md"},
        {"name": "safety", "type": "flags", "labels": [IMG], "severities": [SCRIPT, SVG]},
    ],
}


def _record(ext: str) -> dict:
    return {"id": ext, "text": f"Hello {IMG} and {SCRIPT} bye",
            "chat": [{"role": IMG, "content": SCRIPT}, {"role": "assistant", "content": JS_LINK}],
            "md": f"**bold** {JS_LINK} {IMG}\n\n```\n{SCRIPT}\n```",
            "img": JS_URL, "img2": "data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==",
            "audio": JS_URL,
            "data": [{"id": IMG, "text": SCRIPT}, {"id": "c2", "text": SVG}],
            "other": SVG, "feedback": "down", "note": IMG}


INERT_CHECK = """() => {
  const bad = [];
  if (window.__xss !== undefined) bad.push('window.__xss = ' + window.__xss);
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(el.tagName + ' has ' + a.name);
      if (/^\\s*javascript:/i.test(a.value)) bad.push(el.tagName + ' ' + a.name + ' = ' + a.value);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (!(s.getAttribute('src') || '').startsWith('/static/')) bad.push('injected script element');
  }
  for (const img of document.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (src === 'x' || !/^(https?:|data:image\\/)/.test(src))
      bad.push('img ' + img.getAttribute('src'));
  }
  for (const el of document.querySelectorAll('audio')) bad.push('audio ' + el.getAttribute('src'));
  if (document.querySelector('b, svg[onload], iframe, object, embed')) bad.push('injected element');
  return bad;
}"""


def assert_inert(page, *visible_texts: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    assert page.evaluate(INERT_CHECK) == []
    for text in visible_texts:
        expect(page.get_by_text(text, exact=False).first).to_be_attached()


@pytest.fixture(scope="module")
def hostile(ui_server):
    """A dataset full of payloads, answered by a user whose name is a payload."""
    evil = f"{IMG} {unique('u')}"
    _, evil_client = ui_server.user("annotator", name=evil)
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(SETTINGS, [_record(IMG), _record("second")],
                             members=[evil, reviewer])
    check(ui_server.admin.put(f"/datasets/{name}/suggestions", json={
        "agent": IMG, "suggestions": [
            {"external_id": "second", "question": "lab", "value": IMG, "score": 0.5},
            {"external_id": "second", "question": "rewrite", "value": SCRIPT}]}))
    with evil_client:  # a module fixture's client is not closed by the per-test teardown
        rec = check(evil_client.post(f"/datasets/{name}/next"))
        check(evil_client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
            "status": "submitted", "time_spent": 3, "values": {
                "lab": IMG, "multi": [SCRIPT], "rewrite": SCRIPT,
                "spans": [{"start": 6, "end": 12, "label": IMG}],
                "rank": [IMG, "c2"], "pair": {"choice": "a"},
                "safety": [{"label": IMG, "severity": SVG}]}}))
    return {"dataset": name, "evil": evil, "reviewer": reviewer, "answered": rec["id"]}


def test_annotate_page_renders_payloads_as_text(page, hostile):
    api_login(page.context, hostile["evil"])
    page.goto(f"/datasets/{hostile['dataset']}/annotate")
    expect(page.locator("#record-id strong")).to_have_text("second")
    expect(page.locator(".suggestion").first).to_contain_text(IMG)
    assert_inert(page, SCRIPT, "click me", "(javascript:window.__xss=4)")
    expect(page.locator(".blocked")).to_have_count(3)  # javascript: image, data:text/html, audio
    md_link = page.locator(".markdown a")
    expect(md_link).to_have_count(0)
    page.keyboard.press("1")  # choose the payload label; its display text is shown
    expect(page.locator('.q-label .option[aria-checked="true"]')).to_contain_text(SCRIPT)
    page.goto(f"/datasets/{hostile['dataset']}/annotate?record={hostile['answered']}")
    expect(page.locator("#record-id strong")).to_have_text(IMG)
    expect(page.locator(".q-text textarea")).to_have_value(SCRIPT)
    page.locator("#history-button").click()
    expect(page.locator(".history-item").first).to_contain_text(IMG)
    assert_inert(page, IMG)


def test_review_dashboard_and_home_render_payloads_as_text(page, hostile):
    api_login(page.context, hostile["reviewer"])
    page.goto(f"/datasets/{hostile['dataset']}/review")
    expect(page.locator(".annotator-name").first).to_have_text(hostile["evil"])
    assert_inert(page, SCRIPT)
    page.locator('button[data-action="fix"]').click()
    expect(page.locator("#fix-panel")).to_be_visible()
    assert_inert(page)
    page.goto(f"/datasets/{hostile['dataset']}/dashboard")
    expect(page.locator("#annotator-table td").first).to_have_text(hostile["evil"])
    assert_inert(page, hostile["evil"])


def test_admin_and_triage_pages_render_payloads_as_text(page, ui_server, hostile):
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    expect(page.locator(".user-name-cell", has_text=hostile["evil"])).to_have_count(1)
    page.locator("#manage-dataset").select_option(hostile["dataset"])
    expect(page.locator("#guidelines-text")).to_have_value(SETTINGS["guidelines"])
    assert_inert(page)
    page.goto(f"/datasets/{hostile['dataset']}/triage")
    page.locator("#source-field").select_option("chat")
    expect(page.locator(".match")).to_have_count(2)
    assert_inert(page, IMG)


def test_user_name_payload_in_the_page_header(page, hostile):
    api_login(page.context, hostile["evil"], PASSWORD)
    page.goto("/")
    expect(page.locator("#user-name")).to_have_text(hostile["evil"])
    expect(page.locator(".dataset-card")).to_have_count(1)
    assert_inert(page)
