"""The dashboard's "since yesterday" table, answers per label, and every table as a CSV
download whose formula-like cells are escaped (issue 20 item 7)."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["=2+3", "plain", "@SUM(A1)"]},
                          {"name": "stars", "type": "rating", "min": 1, "max": 3}],
            "distribution": {"overlap": 2}}


def _download(page, selector: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.click(selector)
    path = info.value.path()
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(io.StringIO(fh.read())))


def test_changes_distributions_and_csv_downloads(page, ui_server):
    people = [ui_server.user() for _ in range(2)]
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(SETTINGS, [{"id": f"r{i}", "text": f"t{i}"} for i in range(3)],
                             members=[u for u, _ in people] + [reviewer])
    for (_, client), labels in zip(people, (["=2+3", "plain", "=2+3"], ["=2+3"])):
        for i, label in enumerate(labels):
            rec = check(client.post(f"/datasets/{name}/next"))
            check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
                "values": {"y": label, "stars": 1 + i}, "status": "submitted"}))
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/dashboard")
    changes = page.locator("#changes-table tbody tr")
    expect(changes).to_have_count(3)
    expect(changes.nth(0)).to_contain_text("responses submitted")
    expect(changes.nth(0).locator("td")).to_have_text(["responses submitted", "4", "0", "+4"])
    expect(changes.nth(2).locator("td")).to_have_text(["records completed", "1", "0", "+1"])
    y = page.locator('.distribution[data-question="y"]')
    expect(y.locator("h3")).to_have_text("y (label, 4 answers)")
    expect(y.locator("tbody tr")).to_have_count(3)
    expect(y.locator("tbody tr").first.locator("td")).to_have_text(["=2+3", "3", "75 %"])
    # labels in the settings' order (the user's), not sorted
    expect(y.locator("tbody tr td:first-child")).to_have_text(["=2+3", "plain", "@SUM(A1)"])
    rows = _download(page, "#distributions-csv")
    assert rows[0] == ["question", "label", "answers", "share"]
    # a label a spreadsheet would run as a formula is written as text
    assert rows[1:4] == [["y", "'=2+3", "3", "0.75"], ["y", "plain", "1", "0.25"],
                         ["y", "'@SUM(A1)", "0", "0"]]
    assert rows[4:] == [["stars", "1", "2", "0.5"], ["stars", "2", "1", "0.25"],
                        ["stars", "3", "1", "0.25"]]
    assert _download(page, "#changes-csv")[1] == ["responses submitted", "4", "0", "4"]
    annotators = _download(page, "#annotators-csv")
    assert annotators[0][:3] == ["annotator", "submitted", "drafts"]
    assert sorted((r[0], r[1]) for r in annotators[1:]) == sorted(
        [(people[0][0], "3"), (people[1][0], "1")])
    assert _download(page, "#checks-csv")[0][0] == "annotator"
