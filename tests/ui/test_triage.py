"""Feedback triage: thumbs-down chat logs become a rewrite dataset, then get rewritten."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

CHATS = {"fields": [{"name": "conversation", "type": "chat"}], "questions": []}


def _log(i: int, feedback: str, reply: bool = True) -> dict:
    turns = [{"role": "user", "content": f"question {i}"}]
    if reply:
        turns.append({"role": "assistant", "content": f"bad answer {i}"})
    return {"id": f"log{i}", "conversation": turns, "feedback": feedback}


def test_thumbs_down_logs_become_rewrite_tasks(page, ui_server):
    annotator, client = ui_server.user()
    logs = [_log(0, "down"), _log(1, "up"), _log(2, "down"), _log(3, "down", reply=False),
            _log(4, "up")]
    name = ui_server.dataset(CHATS, logs, members=[annotator])
    api_login(page.context, "admin", "admin-password-1")
    page.goto(f"/datasets/{name}/triage")
    expect(page.locator("#match-info")).to_have_text("3 matching records")
    page.fill("#meta-value", "up")
    page.locator("#triage-filter button[type=submit]").click()
    expect(page.locator(".match strong")).to_have_text(["log1", "log4"])
    page.fill("#meta-value", "down")
    page.locator("#triage-filter button[type=submit]").click()
    expect(page.locator(".match")).to_have_count(3)
    expect(page.locator("#target")).to_have_value(f"{name}-rewrite")
    page.locator("#triage-form button[type=submit]").click()
    result = page.locator("#triage-result")
    expect(result).to_contain_text("Created dataset")
    expect(result).to_contain_text("2 new, 0 updated record(s) from 3 matching, 1 skipped")

    target = f"{name}-rewrite"
    ds = check(ui_server.admin.get(f"/datasets/{target}"))
    assert [q["name"] for q in ds["settings"]["questions"]] == ["rewrite", "problems"]
    recs = check(ui_server.admin.get(f"/datasets/{target}/records"))["records"]
    assert [(r["external_id"], r["fields"]["reply"], r["metadata"]["feedback"]) for r in recs] == [
        (f"{name}:log0", "bad answer 0", "down"), (f"{name}:log2", "bad answer 2", "down")]

    page.context.clear_cookies()
    api_login(page.context, annotator)
    page.goto(f"/datasets/{target}/annotate")
    expect(page.locator(".field-chat .turn-content")).to_have_text("question 0")
    expect(page.locator(".q-text textarea")).to_have_value("bad answer 0")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.type("A good answer.")
    page.keyboard.press("Escape")
    page.locator(".q-text").get_by_role("button", name="Show changes").click()
    expect(page.locator(".diff-view del").first).to_contain_text("bad")
    expect(page.locator(".diff-view ins", has_text="good")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("1")  # problems: incorrect
    page.keyboard.press("Control+Enter")
    expect(page.locator("#record-id strong")).to_have_text(f"{name}:log2")
    done = check(client.get(f"/datasets/{target}/records/{recs[0]['id']}/response"))
    assert done["values"] == {"rewrite": "A good answer.", "problems": ["incorrect"]}
