"""The review page as a reviewer uses it day to day (issue 20 item 1): a filtered queue
that reaches every record, verdicts by keyboard with a comment, a fix shown next to the
original and reopened from the fixed value, the review history, and a word diff of a
rewrite against the model draft (text nodes only)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check, unique

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "sentiment", "type": "label",
                           "labels": {"positive": "Positive", "negative": "Negative"},
                           "required": True},
                          {"name": "rewrite", "type": "text", "field": "text"}],
            "distribution": {"overlap": 3}}
TEXTS = ["A gorgeous, witty film that never <b>drags</b>.",
         "The plot is thin and the jokes fall flat.",
         "An uneven but heartfelt debut."]


def shot(target, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Screenshot a page or element to ``$ACCORD_SCREENSHOTS`` (the docs/img/ ones come from
    ``ACCORD_SCREENSHOTS=docs/img pytest tests/ui/...``), else to the test's folder."""
    folder = Path(os.environ.get("ACCORD_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(folder / name))
    assert (folder / name).stat().st_size > 5000


def _answer_all(client, name, values):  # type: ignore[no-untyped-def]
    out = []
    while (res := client.post(f"/datasets/{name}/next")).status_code == 200:
        rec = res.json()
        out.append(check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
            "values": values(rec), "status": "submitted", "time_spent": 3})))
    return out


def _team(ui_server):  # type: ignore[no-untyped-def]
    people = {n: ui_server.user(name=unique(n)) for n in ("alice", "carol", "bob")}
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(SETTINGS, [{"id": f"sst-{i}", "text": t} for i, t in enumerate(TEXTS)],
                             members=[u for u, _ in people.values()] + [reviewer])
    check(ui_server.admin.put(f"/datasets/{name}/suggestions", json={
        "agent": "draft-model", "suggestions": [
            {"external_id": "sst-0", "question": "rewrite", "score": 0.9,
             "value": "A gorgeous, witty film that never <b>drags</b>. Truly."}]}))
    _answer_all(people["alice"][1], name, lambda r: {"sentiment": "positive"})
    _answer_all(people["carol"][1], name, lambda r: {"sentiment": "positive"})
    bobs = _answer_all(people["bob"][1], name, lambda r: {
        "sentiment": "negative", "rewrite": r["fields"]["text"].replace("witty", "clever")})
    return name, people, reviewer, bobs


def test_filtered_queue_keyboard_verdicts_fix_history_and_diff(page, ui_server, tmp_path):
    name, people, reviewer, bobs = _team(ui_server)
    bob = people["bob"][0]
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    page.locator("#annotator").select_option(bob)
    page.locator("#review-filters button[type=submit]").click()
    expect(page.locator("#record-id strong")).to_have_text("sst-0")
    expect(page.locator(".shortcut-hint")).to_contain_text("A accept")
    # bob's response is selected; typing in the comment box never fires a shortcut
    expect(page.locator(f'th.selected[data-response-id="{bobs[0]["id"]}"]')).to_have_count(1)
    page.keyboard.press("c")
    expect(page.locator("#review-comment")).to_be_focused()
    page.keyboard.type("fair enough, a close call")
    expect(page.locator("thead .verdict.accept")).to_have_count(0)
    # the rewrite is diffed against the model draft, the markup in it shown as text
    diff = page.locator(f'tr[data-question="rewrite"] td[data-response-id="{bobs[0]["id"]}"]')
    expect(diff.locator(".word-diff")).to_contain_text("changes against the model draft")
    expect(diff.locator("ins")).to_have_text(["clever "])
    expect(diff.locator("del").first).to_have_text("witty ")
    assert diff.locator(".diff-view b").count() == 0  # record text never becomes markup
    expect(diff.locator(".diff-view")).to_contain_text("<b>drags</b>")
    page.locator(".work-bar").click(position={"x": 2, "y": 2})  # leave the text box
    shot(page.locator("#main"), "review-page.png", tmp_path)
    page.keyboard.press("a")
    # every response of bob's to sst-0 is judged: the filtered queue moves to his next one
    expect(page.locator("#record-id strong")).to_have_text("sst-1")
    reviews = check(ui_server.admin.get(f"/datasets/{name}/responses/{bobs[0]['id']}/reviews"))
    assert [(r["verdict"], r["comment"]) for r in reviews] == [
        ("accept", "fair enough, a close call")]
    # "Next record" (N) leaves sst-1 for later and reaches bob's last response (the old
    # response-id cursor jumped past it: "Nothing to review" with 2 of bob's left)
    page.keyboard.press("n")
    expect(page.locator("#record-id strong")).to_have_text("sst-2")
    # fix by keyboard: the table then shows the fixed value next to the original
    page.keyboard.press("f")
    panel = page.locator("#fix-panel")
    expect(panel.locator(".question").first).to_be_focused()
    page.keyboard.press("1")  # negative -> positive
    panel.locator("#save-fix").click()
    cell = page.locator(f'tr[data-question="sentiment"] td[data-response-id="{bobs[2]["id"]}"]')
    expect(cell.locator(".fixed-value")).to_contain_text("Positive")
    expect(cell.locator(".original-value")).to_contain_text("Negative")
    expect(page.locator(f'th[data-response-id="{bobs[2]["id"]}"] .verdict.fix')).to_have_count(1)
    # reopening Fix starts from the fixed value
    page.locator(f'td[data-response-id="{bobs[2]["id"]}"] [data-action="fix"]').click()
    expect(panel.locator('[data-value="positive"]')).to_have_attribute("aria-checked", "true")
    panel.get_by_role("button", name="Cancel").click()
    # the review history of the response: H
    page.locator(".work-bar").click(position={"x": 2, "y": 2})
    page.keyboard.press("h")
    history = page.locator("#history-panel")
    expect(history.locator(".review-history li")).to_have_count(1)
    expect(history).to_contain_text("fixed")
    expect(history).to_contain_text(reviewer)
    expect(history).to_contain_text("version 1")
    # the help lists the shortcuts
    page.keyboard.press("?")
    expect(page.locator("dialog.help")).to_contain_text("reject the selected response")
    page.keyboard.press("Escape")
    page.locator("#history-panel").evaluate("el => el.hidden = true")
    shot(page.locator("#comparison"), "review-fix-diff.png", tmp_path)


def test_word_diff_is_a_word_level_lcs(page, ui_server):
    _, _ = ui_server.user()
    reviewer, _ = ui_server.user("reviewer")
    api_login(page.context, reviewer)
    page.goto("/")
    parts = page.evaluate("""async () => {
        const m = await import('/static/js/diff.js');
        const long = 'w '.repeat(5000);
        return {
            small: m.diffWords('the cat sat on the mat', 'the dog sat on  the mat'),
            tail: m.diffWords(long + 'end', long + 'finish').slice(-2),
            back: m.diffWords('a b c', 'c b a').filter(p => p.op !== 'del')
                .map(p => p.text).join(''),
        };
    }""")
    assert parts["small"] == [{"op": "same", "text": "the "}, {"op": "del", "text": "cat "},
                              {"op": "add", "text": "dog "},
                              {"op": "same", "text": "sat on  the mat"}]
    assert parts["tail"] == [{"op": "del", "text": "end"}, {"op": "add", "text": "finish"}]
    assert parts["back"] == "c b a"  # kept and added parts give the new text back


def test_history_shows_who_sent_a_response_back_to_review(page, ui_server):
    """An admin's bulk "Send to review" in the record browser (verdict ``requeue``) shows in
    the response's review history on the review page, with the admin's name and note."""
    ann, client = ui_server.user()
    admin, _ = ui_server.user("admin")
    reviewer, rev = ui_server.user("reviewer")
    name = ui_server.dataset({**SETTINGS, "distribution": {"overlap": 1}},
                             [{"id": f"rq-{i}", "text": t} for i, t in enumerate(TEXTS[:2])],
                             members=[ann, reviewer])
    first, _ = _answer_all(client, name, lambda r: {"sentiment": "positive"})
    check(rev.post(f"/datasets/{name}/responses/{first['id']}/review",
                   json={"verdict": "accept", "version": first["version"]}))

    api_login(page.context, admin)
    page.goto(f"/datasets/{name}/records")
    page.locator(f'#record-table tr[data-record="{first["record_id"]}"] input[type=checkbox]'
                 ).check()
    page.fill("#bulk-comment", "label drift")
    page.click('#bulk button[data-action="review"]')
    page.locator("dialog.modal button.primary").click()
    expect(page.locator("#notice")).to_contain_text("1 responses back in the review queue")

    page.context.clear_cookies()
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    expect(page.locator("#record-id strong")).to_have_text("rq-0")  # back in the queue
    page.locator(f'th[data-response-id="{first["id"]}"] [data-action="history"]').click()
    items = page.locator("#history-panel .review-history li")
    expect(items).to_have_count(2)  # newest first
    expect(items.first.locator(".verdict")).to_have_text("sent to review by")
    expect(items.first).to_contain_text(admin)
    expect(items.first.locator(".history-comment")).to_have_text("Comment: label drift")
    expect(items.first.locator(".status-badge")).to_have_count(0)  # never "in force" itself
    expect(items.nth(1).locator(".verdict")).to_have_text("accepted")
    expect(items.nth(1)).to_contain_text("no longer applies")
