"""PII findings on the annotate and review pages: spans highlighted as text (never markup),
a reviewer confirms and dismisses them, an annotator only sees them."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check, unique

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["ok", "bad"]}],
            "distribution": {"overlap": 1}}
TEXT = "Reach <b>me</b> at 555-123-4567 or ann.lee@example.com <img src=x onerror=alert(1)>"


def _dataset(ui_server, members: list[str]) -> str:
    name = unique("pii")
    check(ui_server.admin.post("/datasets", json={"name": name, "settings": SETTINGS}))
    body = (json.dumps({"id": "p1", "text": TEXT}) + "\n").encode()
    check(ui_server.admin.post(f"/datasets/{name}/records/upload",
                               files={"file": ("a.jsonl", body)},
                               data={"prep_options": '{"pii": "flag", "workers": 1}'}))
    for m in members:
        check(ui_server.admin.post(f"/datasets/{name}/members", json={"user": m}))
    return name


def test_annotator_sees_highlights_reviewer_confirms_and_dismisses(page, ui_server):
    ann, ann_client = ui_server.user()
    reviewer, _ = ui_server.user("reviewer")
    name = _dataset(ui_server, [ann, reviewer])

    api_login(page.context, ann)
    page.goto(f"/datasets/{name}/annotate")
    panel = page.locator(".pii-panel")
    expect(panel.locator("mark.pii")).to_have_count(2)
    expect(panel.locator('mark[data-entity="PHONE_NUMBER"]')).to_have_text("555-123-4567")
    expect(panel.locator('mark[data-entity="EMAIL_ADDRESS"]')).to_have_text("ann.lee@example.com")
    expect(panel.locator(".pii-text")).to_contain_text("<b>me</b>")  # shown as text
    expect(panel.locator(".pii-text b, .pii-text img")).to_have_count(0)
    expect(panel.locator("button")).to_have_count(0)  # annotators cannot judge
    rec = check(ann_client.post(f"/datasets/{name}/next"))
    check(ann_client.put(f"/datasets/{name}/records/{rec['id']}/response",
                         json={"values": {"y": "bad"}, "status": "submitted", "time_spent": 3}))

    page.context.clear_cookies()
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    expect(page.locator("#record-id strong")).to_have_text("p1")
    panel = page.locator(".pii-panel")
    phone = panel.locator('li.pii-finding:has-text("PHONE_NUMBER")')
    phone.locator('button[data-action="confirm"]').click()
    expect(panel.locator('mark[data-entity="PHONE_NUMBER"]')).to_have_class("pii pii-confirmed")
    email = panel.locator('li.pii-finding:has-text("EMAIL_ADDRESS")')
    email.locator('button[data-action="dismiss"]').click()
    expect(panel.locator('mark[data-entity="EMAIL_ADDRESS"]')).to_have_class("pii pii-dismissed")
    expect(phone.locator('button[data-action="confirm"]')).to_be_disabled()

    stored = check(ui_server.admin.get(f"/datasets/{name}/records/{rec['id']}"))
    states = {f["entity"]: (f["review"]["state"], f["review"]["by"])
              for f in stored["metadata"]["_pii"]["text"]}
    assert states == {"PHONE_NUMBER": ("confirmed", reviewer),
                      "EMAIL_ADDRESS": ("dismissed", reviewer)}


def test_findings_outside_the_text_are_named_by_offsets_not_shown_as_other_text(page, ui_server):
    """Findings imported with the records' metadata can lie outside the text: -5..999 was
    shown as the text's last five characters (JavaScript's slice counts a negative start
    from the end) and a reviewer could confirm 'ow ok' as the finding; the export never
    redacts such a finding."""
    name = unique("piirange")
    check(ui_server.admin.post("/datasets", json={"name": name, "settings": SETTINGS}))
    findings = [{"start": 5, "end": 15, "entity": "PHONE_NUMBER"},
                {"start": -5, "end": 999, "entity": "WIDE"},
                {"start": "a", "end": 3, "entity": "ODD"}]
    body = (json.dumps({"id": "p1", "text": "call 5551234567 now ok",
                        "_pii": {"text": findings}}) + "\n").encode()
    check(ui_server.admin.post(f"/datasets/{name}/records/upload",
                               files={"file": ("a.jsonl", body)}))
    reviewer, _ = ui_server.user("reviewer")
    check(ui_server.admin.post(f"/datasets/{name}/members", json={"user": reviewer}))
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/annotate")
    panel = page.locator(".pii-panel")
    expect(panel.locator("mark.pii")).to_have_count(1)
    expect(panel.locator('mark[data-entity="PHONE_NUMBER"]')).to_have_text("5551234567")
    expect(panel.locator(".pii-text")).to_have_text("call 5551234567 now ok")
    expect(panel.locator('li.pii-finding:has-text("PHONE_NUMBER")')).to_contain_text('"5551234567"')
    expect(panel.locator('li.pii-finding:has-text("WIDE")')).to_contain_text(
        "-5-999, not in the text")
    expect(panel.locator('li.pii-finding:has-text("ODD")')).to_contain_text(
        "a-3, not in the text")
