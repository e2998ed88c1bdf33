"""The review page: responses side by side, disagreements highlighted, accept / reject /
fix, and the gold-failure queue."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True},
                          {"name": "why", "type": "text"}],
            "distribution": {"overlap": 3}}


def _answer(client, name, values):  # type: ignore[no-untyped-def]
    rec = check(client.post(f"/datasets/{name}/next"))
    return check(client.put(f"/datasets/{name}/records/{rec['id']}/response",
                            json={"values": values, "status": "submitted", "time_spent": 4}))


def test_accept_reject_and_fix_with_disagreement_highlighted(page, ui_server):
    people = [ui_server.user() for _ in range(3)]
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(SETTINGS, [{"id": "x1", "text": "the text"}],
                             members=[u for u, _ in people] + [reviewer])
    answers = [{"y": "a", "why": "same"}, {"y": "a", "why": "same"}, {"y": "b", "why": "other"}]
    responses = [_answer(c, name, v) for (_, c), v in zip(people, answers)]
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review?queue=low-confidence")
    expect(page.locator("#empty")).to_contain_text("No low-confidence consensus")
    check(ui_server.admin.post(f"/datasets/{name}/quality/aggregate", json={"method": "mv"}))
    page.reload()
    expect(page.locator("#queue-info")).to_have_text("1 of 1 · y: consensus confidence 0.67")
    page.goto(f"/datasets/{name}/review?queue=disagreement")
    expect(page.locator("#record-id strong")).to_have_text("x1")
    row = page.locator('tr[data-question="y"]')
    expect(row).to_have_class("disagree")
    expect(row.locator("td.minority")).to_have_count(1)
    expect(row.locator("td.minority")).to_have_text("b")
    headers = page.locator(".annotator-name")
    expect(headers).to_have_text([u for u, _ in people])
    cols = page.locator(".actions-row td")
    cols.nth(0).locator('[data-action="accept"]').click()
    expect(page.locator("thead .verdict.accept")).to_have_count(1)
    cols.nth(1).locator('[data-action="reject"]').click()
    page.locator("dialog textarea").fill("the reason was not given")
    page.locator("dialog .primary").click()
    expect(page.locator("thead .verdict.reject")).to_have_count(1)
    cols.nth(2).locator('[data-action="fix"]').click()
    panel = page.locator("#fix-panel")
    expect(panel.locator(".question").first).to_be_focused()
    page.keyboard.press("1")  # b -> a
    panel.locator("#save-fix").click()
    # the fixed record stays shown (the fix next to the original) until "Next record"
    expect(page.locator("thead .verdict.fix")).to_have_count(1)
    page.locator("#skip-record").click()
    expect(page.locator("#empty")).to_contain_text("Nothing to review")
    verdicts = [check(ui_server.admin.get(f"/datasets/{name}/responses/{r['id']}/reviews"))
                for r in responses]
    assert [(v[0]["verdict"], v[0]["reason"], v[0]["values"]) for v in verdicts] == [
        ("accept", None, None), ("reject", "the reason was not given", None),
        ("fix", None, {"y": "a", "why": "other"})]
    assert all(v[0]["reviewer"] == reviewer for v in verdicts)


def test_gold_failures_queue_and_annotator_filter(page, ui_server):
    good, good_client = ui_server.user()
    bad, bad_client = ui_server.user()
    reviewer, _ = ui_server.user("reviewer")
    settings = {**SETTINGS, "distribution": {"overlap": 2, "gold_rate": 1.0}}
    name = ui_server.dataset(settings, [{"id": "g", "text": "gold"}, {"id": "n", "text": "normal"}],
                             members=[good, bad, reviewer])
    records = check(ui_server.admin.get(f"/datasets/{name}/records"))["records"]
    gold_id = next(r["id"] for r in records if r["external_id"] == "g")
    check(
        ui_server.admin.put(f"/datasets/{name}/records/{gold_id}/gold", json={"values": {"y": "a"}})
    )
    _answer(good_client, name, {"y": "a"})
    _answer(bad_client, name, {"y": "b"})
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    page.locator("#queue").select_option("gold")
    page.locator("#review-filters button[type=submit]").click()
    expect(page.locator("#queue-info")).to_contain_text(f"1 of 1 · {bad}: 0 % of gold answers")
    expect(page.locator("#record-id .status-badge")).to_have_text("gold")
    # the annotator filter lists everyone with responses
    expect(page.locator("#annotator option")).to_have_count(3)
    assert sorted(page.locator("#annotator option").all_inner_texts()) == sorted(
        ["anyone", bad, good])
    page.locator("#annotator").select_option(good)
    page.locator("#review-filters button[type=submit]").click()
    expect(page.locator("#empty")).to_contain_text("No unreviewed answers to gold records")
