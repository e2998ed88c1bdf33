"""Settings stay editable (issue 20 item 5): the admin renames a label everywhere, retires one
and adds one from the admin page; the annotator is no longer offered the retired label and
each response carries the settings version it was saved under."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["pos", "neg", "meh"]}]}


def test_rename_retire_and_add_a_label_from_the_admin_page(page, ui_server):
    admin, _ = ui_server.user("admin")
    ann, client = ui_server.user()
    name = ui_server.dataset(SETTINGS, [{"id": f"r{i}", "text": f"t{i}"} for i in range(3)],
                             members=[ann])
    rec = check(client.post(f"/datasets/{name}/next"))
    check(client.put(f"/datasets/{name}/records/{rec['id']}/response",
                     json={"values": {"y": "meh"}, "status": "submitted"}))
    api_login(page.context, admin)
    page.goto("/admin")
    page.locator("#manage-dataset").select_option(name)
    tools = page.locator("#label-tools")
    tools.locator("#label-old").select_option("pos")
    tools.locator("#label-new").fill("positive")
    tools.locator("#label-rename").click()
    expect(page.locator("#notice")).to_contain_text("Renamed pos to positive")
    expect(page.locator("#settings-edit h3")).to_have_text("Settings (version 2)")
    page.locator("#label-tools #label-old").select_option("meh")
    page.locator("#label-retire").click()
    expect(page.locator("#settings-edit h3")).to_have_text("Settings (version 3)")
    expect(page.locator("#label-old option", has_text="meh (retired)")).to_have_count(1)
    # add a label through the settings JSON
    text = page.locator("#settings-edit-text")
    text.fill(text.input_value().replace('"neg": "neg"', '"neg": "neg", "mixed": "mixed"'))
    page.locator("#settings-edit form button[type=submit]").first.click()
    expect(page.locator("#settings-edit h3")).to_have_text("Settings (version 4)")
    ds = check(ui_server.admin.get(f"/datasets/{name}"))
    q = ds["settings"]["questions"][0]
    assert sorted(q["labels"]) == ["meh", "mixed", "neg", "positive"] and q["retired"] == ["meh"]
    # the annotator sees every label but the retired one; the old answer kept "meh"
    api_login(page.context, ann)
    page.goto(f"/datasets/{name}/annotate")
    options = page.locator('[data-question="y"] .option')
    expect(options).to_have_count(3)
    assert sorted(options.evaluate_all("els => els.map(e => e.dataset.value)")) == [
        "mixed", "neg", "positive"]
    options.filter(has_text="positive").first.click()
    page.locator("#submit-button").click()
    deadline = time.monotonic() + 15
    while len(responses := {k: v[0] for k, v in ui_server.responses(name).items() if v}) < 2:
        assert time.monotonic() < deadline, "the submit never arrived"
        time.sleep(0.1)
    assert responses[rec["external_id"]]["values"] == {"y": "meh"}
    assert responses[rec["external_id"]]["settings_version"] == 1
    assert {r["settings_version"] for k, r in responses.items()
            if k != rec["external_id"]} == {4}
