"""Onboarding in a real browser: the guidelines acknowledgement step, training feedback,
the kind qualification-failed message with its retry time, and the admin's workforce table
with the Unpause button."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

SETTINGS = {
    "guidelines": "Pick **yes** when the text agrees.",
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "answer", "type": "label", "labels": ["yes", "no"], "required": True}],
    "onboarding": {"require_guidelines_ack": True, "training": {"count": 1},
                   "qualification": {"count": 2, "pass_mark": 1.0, "retry_after_seconds": 7200}},
}


def _gold(ui_server, name, explanations):  # type: ignore[no-untyped-def]
    page = check(ui_server.admin.get(f"/datasets/{name}/records", params={"limit": 100}))
    for rec in page["records"]:
        if rec["external_id"] in explanations:
            check(ui_server.admin.put(f"/datasets/{name}/records/{rec['id']}/gold", json={
                "values": {"answer": "yes"}, "explanation": explanations[rec["external_id"]]}))


def _answer_no_and_submit(page):  # type: ignore[no-untyped-def]
    page.get_by_role("radio", name="no").check()
    page.locator("#submit-button").click()


def test_acknowledge_train_and_fail_qualification(page, ui_server):
    user, _ = ui_server.user()
    records = [{"id": f"g{i}", "text": f"gold <b>{i}</b>"} for i in range(3)]
    records += [{"id": f"real{i}", "text": f"real {i}"} for i in range(3)]
    name = ui_server.dataset(SETTINGS, records, members=[user])
    _gold(ui_server, name, {"g0": "The text <i>agrees</i>.", "g1": "x", "g2": "y"})
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")

    # 1. the guidelines acknowledgement step
    expect(page.locator("#onboarding-title")).to_have_text("Please read the guidelines first")
    expect(page.locator(".work")).to_be_hidden()
    page.locator("#onboarding-ack").click()
    expect(page.locator("#guidelines-ack")).to_have_count(0)  # the panel is up to date too
    expect(page.locator("#guidelines summary")).to_contain_text("version 1")

    # 2. training: after the answer, the expected answer and the explanation (as text)
    expect(page.locator("#onboarding")).to_contain_text("Training: record 1 of 1")
    expect(page.locator("#fields")).to_contain_text("gold <b>0</b>")
    _answer_no_and_submit(page)
    expect(page.locator("#feedback-verdict")).to_have_text(
        "Not quite — here is the expected answer.")
    expect(page.locator("#feedback-explanation")).to_have_text("The text <i>agrees</i>.")
    assert page.locator("#feedback-explanation i").count() == 0  # never parsed as HTML
    expect(page.locator("#onboarding .feedback-answer")).to_contain_text("yes")
    page.locator("#feedback-continue").click()

    # 3. qualification: silent, then the kind failure message with the retry time
    for i in (1, 2):
        expect(page.locator("#onboarding")).to_contain_text(f"Qualification: record {i} of 2")
        _answer_no_and_submit(page)
        expect(page.locator("#feedback-verdict")).to_have_count(0)
    expect(page.locator("#onboarding-title")).to_have_text("Not this time — thank you for trying")
    expect(page.locator("#onboarding-message")).to_contain_text("you can try again later")
    expect(page.locator("#onboarding-retry")).to_contain_text("You can try again from")
    expect(page.locator(".work")).to_be_hidden()
    page.reload()
    expect(page.locator("#onboarding-title")).to_have_text("Not this time — thank you for trying")
    answered = {ext for ext, rs in ui_server.responses(name).items()
                if any(r["user"] == user for r in rs)}
    assert answered == {"g0", "g1", "g2"}  # never a real record


def test_admin_sees_failures_and_unpauses(page, ui_server):
    user, client = ui_server.user()
    settings = {**SETTINGS, "onboarding": None, "monitoring": {
        "attention_rate": 1.0, "gold_window": 5, "min_gold_answers": 1}}
    settings = {k: v for k, v in settings.items() if v is not None}
    name = ui_server.dataset(settings, [{"id": "att0", "text": "say yes"},
                                        {"id": "r0", "text": "real"}], members=[user])
    recs = check(ui_server.admin.get(f"/datasets/{name}/records"))["records"]
    att = next(r for r in recs if r["external_id"] == "att0")
    check(ui_server.admin.put(f"/datasets/{name}/records/{att['id']}/gold",
                              json={"values": {"answer": "yes"}, "attention": True}))
    rec = check(client.post(f"/datasets/{name}/next"))
    check(client.put(f"/datasets/{name}/records/{rec['id']}/response",
                     json={"values": {"answer": "no"}, "status": "submitted"}))
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    page.locator("#manage-dataset").select_option(name)
    row = page.locator(f'#workforce-table tr[data-member="{user}"]')
    expect(row.locator(".wf-status")).to_have_text("paused")
    expect(row.locator(".wf-reason")).to_contain_text("attention check")
    row.get_by_role("button", name="Unpause").click()
    row = page.locator(f'#workforce-table tr[data-member="{user}"]')
    expect(row.locator(".wf-status")).to_have_text("active")
    assert client.post(f"/datasets/{name}/next").status_code == 200
