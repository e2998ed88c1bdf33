"""The record browser page in Chromium (issue 20 item 4): search and filters over the keyset
records API, "More like this" from a row, bulk priority, delete and send to review, the
text-search error without stored vectors, and the record browser and admin pages at phone width.

Screenshots for docs/ui.md: ``ACCORD_SCREENSHOTS=docs/img pytest tests/ui/test_record_browser.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from playwright.sync_api import expect

from accord.store import make_engine, write_scope
from accord.store.datasets import get_dataset
from accord.store.vectors import set_vectors
from tests.ui.conftest import api_login, check, unique

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "topic", "type": "label", "labels": ["pets", "money"]}],
            "distribution": {"overlap": 2}}
TEXTS = ["The kitten purred on the warm windowsill.",
         "My cat loves chasing the little mouse toy.",
         "A fluffy cat napped on the sofa all afternoon.",
         "The central bank raised interest rates by half a point.",
         "Stock markets fell as bond yields climbed.",
         "<img src=x onerror=alert(1)> Inflation pushed the dollar higher."]


def _shot(locator, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = Path(os.environ.get("ACCORD_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(target / name))
    assert (target / name).stat().st_size > 3000


def _world(ui_server):  # type: ignore[no-untyped-def]
    admin, _ = ui_server.user("admin")
    people = [ui_server.user(name=unique(n)) for n in ("ann", "bea")]
    records = [{"id": f"r{i}", "text": t, "src": "web" if i % 2 else "mail"}
               for i, t in enumerate(TEXTS)]
    name = ui_server.dataset(SETTINGS, records, members=[u for u, _ in people])
    for (_, client), answers in zip(people, (["pets", "pets"], ["pets", "money"]), strict=True):
        for value in answers:
            rec = check(client.post(f"/datasets/{name}/next"))
            check(client.put(f"/datasets/{name}/records/{rec['id']}/response",
                             json={"values": {"topic": value}, "status": "submitted"}))
    check(ui_server.admin.post(f"/datasets/{name}/quality/aggregate", json={}))
    page = check(ui_server.admin.get(f"/datasets/{name}/records"))
    ids = [r["id"] for r in page["records"]]
    # two topics: pets near (1, 0), money near (0, 1), in 384 dimensions
    vectors = {}
    for i, rid in enumerate(ids):
        v = np.zeros(384)
        angle = np.radians(5 * i if i < 3 else 80 + 3 * i)
        v[0], v[1] = np.cos(angle), np.sin(angle)
        vectors[rid] = v.tolist()
    engine = make_engine(ui_server.live.db_url)
    try:
        with write_scope(engine) as s:
            set_vectors(s, get_dataset(s, name).id, "all-MiniLM-L6-v2", vectors)
    finally:
        engine.dispose()
    return admin, people, name, ids


def _rows(page):  # type: ignore[no-untyped-def]
    return page.locator("#record-table tbody tr td.ext-id")


def test_search_filters_similar_and_bulk_actions(page, ui_server, tmp_path):
    admin, people, name, ids = _world(ui_server)
    api_login(page.context, admin)
    page.goto(f"/datasets/{name}/records")
    expect(_rows(page)).to_have_text([f"r{i}" for i in range(6)])
    # record text is text: the markup in r5 is shown, never run (PageProblems: no dialog)
    expect(page.locator('tr[data-record] td.preview').nth(5)).to_contain_text("<img src=x")
    page.fill("#f-q", "CAT")
    page.click("#apply")
    expect(_rows(page)).to_have_text(["r1", "r2"])
    page.fill("#f-q", "")
    page.fill("#f-annotator", people[1][0])
    page.select_option("#f-sort", "-id")
    page.click("#apply")
    expect(_rows(page)).to_have_text(["r1", "r0"])
    page.fill("#f-annotator", "")
    page.fill("#f-agree-max", "0.6")  # ann said pets, bea money on r1
    page.select_option("#f-sort", "id")
    page.click("#apply")
    expect(_rows(page)).to_have_text(["r1"])
    page.fill("#f-agree-max", "")
    page.fill("#f-meta", "src=web")
    page.click("#apply")
    expect(_rows(page)).to_have_text(["r1", "r3", "r5"])
    page.fill("#f-meta", "src")  # no '=': said at once, nothing sent
    page.click("#apply")
    expect(page.locator("#notice")).to_contain_text("key=value")
    page.fill("#f-meta", "")
    page.click("#apply")
    expect(_rows(page)).to_have_count(6)
    # the problem is fixed: the error notice went away
    expect(page.locator("#notice")).not_to_have_class(re.compile(r"\bshow\b"))
    # More like this from r0: the other pets first, by cosine similarity
    page.locator(f'tr[data-record="{ids[0]}"] .more-like').first.click()
    similar = page.locator("#similar-results tbody tr td.ext-id")
    expect(similar).to_have_text(["r1", "r2", "r3", "r4", "r5"])
    expect(page.locator("#similar-caption")).to_contain_text("exact search over the "
                                                             "all-MiniLM-L6-v2 vectors")
    expect(page.locator("#similar-results td.score").first).to_have_text("0.996")
    _shot(page.locator("#main"), "record-browser.png", tmp_path)
    # bulk: priority for two records, then delete one (confirmed in the dialog)
    page.locator(f'tr[data-record="{ids[3]}"] input[type=checkbox]').first.check()
    page.locator(f'tr[data-record="{ids[4]}"] input[type=checkbox]').first.check()
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    page.fill("#bulk-priority", "3")
    page.click('#bulk button[data-action="priority"]')
    expect(page.locator(f'#record-table tr[data-record="{ids[3]}"] td.num').first).to_have_text(
        "3.00")
    page.locator(f'#record-table tr[data-record="{ids[4]}"] input[type=checkbox]').check()
    page.click('#bulk button[data-action="delete"]')
    page.locator("dialog.modal button.primary").click()
    expect(_rows(page)).to_have_count(5)
    left = check(ui_server.admin.get(f"/datasets/{name}/records"))["records"]
    assert [r["external_id"] for r in left] == ["r0", "r1", "r2", "r3", "r5"]
    assert [r["priority"] for r in left if r["external_id"] == "r3"] == [3.0]
    # send to review: r0's judged response goes back to the review queue, with the note
    rec = check(ui_server.admin.get(f"/datasets/{name}/records/{ids[0]}"))
    judged = rec["responses"][0]
    check(ui_server.admin.post(f"/datasets/{name}/responses/{judged['id']}/review",
                               json={"verdict": "accept", "version": judged["version"]}))
    page.locator(f'#record-table tr[data-record="{ids[0]}"] input[type=checkbox]').check()
    page.fill("#bulk-comment", "label drift")
    page.click('#bulk button[data-action="review"]')
    page.locator("dialog.modal button.primary").click()
    expect(page.locator("#notice")).to_contain_text("1 responses back in the review queue")
    rec = check(ui_server.admin.get(f"/datasets/{name}/records/{ids[0]}"))
    assert [r["review_state"] for r in rec["responses"] if r["id"] == judged["id"]] == [None]
    history = check(ui_server.admin.get(f"/datasets/{name}/responses/{judged['id']}/reviews"))
    assert [(h["verdict"], h["comment"]) for h in history] == [("accept", None),
                                                               ("requeue", "label drift")]


def test_text_search_without_vectors_says_what_to_run_and_phone_width(page, ui_server,
                                                                     tmp_path):
    admin, _ = ui_server.user("admin")
    name = ui_server.dataset(SETTINGS, [{"id": "x0", "text": "no vectors here"}])
    api_login(page.context, admin)
    page.goto(f"/datasets/{name}/records")
    expect(_rows(page)).to_have_text(["x0"])
    page.fill("#similar-q", "kittens")
    page.click("#similar-form button[type=submit]")
    expect(page.locator("#similar-results .error-text")).to_contain_text("accord assist embed")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/admin", f"/datasets/{name}/records"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, (path, width)
    expect(_rows(page)).to_have_text(["x0"])
    _shot(page, "records-phone.png", tmp_path)  # the first screen
