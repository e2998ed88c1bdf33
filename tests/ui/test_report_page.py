"""The dataset-health report page in real Chromium: charts, tables, and labels or slice
values that look like HTML stay text."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=2;alert(2)</script>"

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": [IMG, "plain"],
                           "required": True},
                          {"name": "stars", "type": "rating", "min": 1, "max": 3},
                          {"name": "why", "type": "text"}],
            "distribution": {"overlap": 2}}


def test_report_page_renders_and_keeps_data_as_text(page, ui_server):
    people = [ui_server.user() for _ in range(2)]
    reviewer, _ = ui_server.user("reviewer")
    records = [{"id": f"r{i}", "text": f"t{i}", "source": SCRIPT if i % 2 else "web"}
               for i in range(6)]
    name = ui_server.dataset(SETTINGS, records, members=[u for u, _ in people] + [reviewer])
    for k, (_, client) in enumerate(people):
        while (rec := check(client.post(f"/datasets/{name}/next"))) is not None:
            n = int(rec["external_id"][1:])
            check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
                "values": {"y": IMG if n % 2 else "plain", "stars": 1 + (n + k) % 3},
                "status": "submitted", "time_spent": 5}))
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/dashboard")
    page.get_by_role("link", name="Dataset health report").click()
    page.wait_for_url(f"**/datasets/{name}/report")
    # the first report in a fresh server process imports scipy: allow for a slow machine
    expect(page.locator("#cards")).to_contain_text("submitted responses", timeout=90_000)
    expect(page.locator("#cards .stat").first).to_contain_text("6")
    expect(page.locator("#report-info")).to_contain_text("slices: source")
    coverage = page.locator("#coverage table tbody tr")
    expect(coverage).to_have_count(2)
    expect(coverage.first).to_contain_text(SCRIPT)  # the slice value, shown as text
    question = page.locator("section.question-report[data-question=y]")
    expect(question.locator("h2")).to_have_text("y (label)")
    expect(question.locator("svg .bar-label").first).to_contain_text(IMG[:21] + "…")
    expect(question.locator("svg rect.bar").first).to_be_visible()
    expect(question.locator(".chi").first).to_contain_text("Chi-square (majority label x source)")
    expect(page.locator("#skipped")).to_contain_text("why: text: free text has no categories")
    expect(page.locator("#warnings li").first).to_be_visible()
    assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
    assert page.evaluate("window.__xss") is None
    # other slices: the form re-queries the API
    page.fill("#slices", "nokey")
    page.click("#report-filter button[type=submit]")
    expect(page.locator("#warnings")).to_contain_text("no record has the metadata key 'nokey'",
                                                      timeout=30_000)
    href = page.locator("#download-md").get_attribute("href")
    assert href.endswith("format=markdown") and "slice=nokey" in href
    res = page.context.request.get(href)
    assert res.ok and res.text().startswith(f"# Dataset health: **{name}**")


def test_report_page_is_for_reviewers(page, ui_server):
    annotator, _ = ui_server.user()
    name = ui_server.dataset(SETTINGS, [{"id": "r0", "text": "t"}], members=[annotator])
    api_login(page.context, annotator)
    page.goto(f"/datasets/{name}/report")
    expect(page.locator("main")).to_contain_text("reviewer")
