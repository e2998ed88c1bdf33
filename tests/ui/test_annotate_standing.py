"""Annotators know where they stand (issue 20 item 2): progress from the server, their
rejected responses with the reviewer's reason and a way to fix and resubmit, the record's
visible metadata, a link to a record not handed to them, and error toasts that go away."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check, unique
from tests.ui.test_review_workflow import shot

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "sentiment", "type": "label",
                           "labels": {"positive": "Positive", "negative": "Negative"},
                           "required": True}],
            "metadata": [{"name": "lang", "title": "Language"},
                         {"name": "source", "visible": False}],
            "distribution": {"overlap": 1}}
RECORDS = [{"id": f"m-{i}", "text": f"movie review {i}", "lang": "en", "source": "secret-crawl"}
           for i in range(4)]


def test_progress_rejections_metadata_and_fixing_a_rejected_response(page, ui_server,
                                                                     tmp_path):
    user, client = ui_server.user(name=unique("dana"))
    reviewer, rev = ui_server.user("reviewer")
    name = ui_server.dataset(SETTINGS, RECORDS, members=[user, reviewer])
    first = check(client.post(f"/datasets/{name}/next"))
    done = check(client.put(f"/datasets/{name}/records/{first['id']}/response", json={
        "values": {"sentiment": "negative"}, "status": "submitted"}))
    check(rev.post(f"/datasets/{name}/responses/{done['id']}/review", json={
        "verdict": "reject", "version": done["version"], "reason": "it is a positive review",
        "comment": "the last sentence <i>is</i> praise"}))
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator("#progress-text")).to_have_text("1 of 4 done, 3 left for you")
    rejected = page.locator("#rejected")
    expect(rejected.locator("li")).to_have_count(1)
    expect(rejected).to_contain_text("it is a positive review")
    expect(rejected).to_contain_text("the last sentence <i>is</i> praise")  # text, not markup
    # metadata the settings mark visible is shown; the hidden key is not
    expect(page.locator(".record-meta")).to_have_text("Language:en")
    expect(page.locator("#fields")).not_to_contain_text("secret-crawl")
    page.locator(".work-bar").click(position={"x": 2, "y": 2})
    shot(page.locator("#main"), "annotate-progress.png", tmp_path)
    # submitting the next record moves the progress on
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#progress-text")).to_have_text("2 of 4 done, 2 left for you")
    # open the rejected response, fix it, submit again: a new version, back to review
    rejected.get_by_role("button", name="Open and fix").click()
    expect(page.locator("#record-id strong")).to_have_text(first["external_id"])
    expect(page.locator("#rejection")).to_contain_text("it is a positive review")
    page.locator(".question").first.focus()
    page.keyboard.press("1")  # positive
    page.keyboard.press("Control+Enter")
    expect(rejected).to_be_hidden()
    resp = check(client.get(f"/datasets/{name}/records/{first['id']}/response"))
    assert (resp["values"], resp["version"], resp["review_state"]) == (
        {"sentiment": "positive"}, done["version"] + 1, None)
    history = check(rev.get(f"/datasets/{name}/responses/{done['id']}/reviews"))
    assert [(h["verdict"], h["in_force"]) for h in history] == [("reject", False)]
    assert check(client.get(f"/datasets/{name}/my/rejected")) == []


def test_a_link_to_a_record_not_handed_out_falls_back_with_a_message(page, ui_server):
    user, _ = ui_server.user()
    other, other_client = ui_server.user()
    name = ui_server.dataset(SETTINGS, RECORDS[:2], members=[user, other])
    held = check(other_client.post(f"/datasets/{name}/next"))  # handed to someone else
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate?record={held['id']}")
    expect(page.locator("#fallback")).to_contain_text(f"Record {held['id']} is not open to you")
    expect(page.locator("#record-id strong")).not_to_have_text(held["external_id"])
    expect(page.locator("#record-id strong")).to_have_text("m-1")
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")  # the buttons work: the record is submitted
    # m-0 still needs a response (the other annotator may give it back): it stays counted
    expect(page.locator("#progress-text")).to_have_text("1 of 2 done, 1 left for you")


def test_an_error_toast_goes_away_when_the_problem_is_fixed(page, ui_server):
    user, _ = ui_server.user()
    name = ui_server.dataset(SETTINGS, RECORDS[:1], members=[user])
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator(".question").first).to_be_focused()
    page.keyboard.press("Control+Enter")  # the required question is not answered
    notice = page.locator("#notice")
    expect(notice).to_have_class("notice show error")
    page.keyboard.press("1")
    expect(notice).not_to_have_class("notice show error")
