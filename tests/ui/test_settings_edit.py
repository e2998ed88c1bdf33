"""Settings stay editable (issue 20 item 5): the admin renames a label everywhere, retires one
and adds one from the admin page, in the settings form or as JSON; the annotator is no longer
offered the retired label, labels keep the settings' order, and each response carries the
settings version it was saved under (shown on the review page)."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check
from tests.ui.test_review_workflow import shot

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
    expect(page.locator("#settings-edit-title")).to_have_text("Settings (version 2)")
    page.locator("#label-tools #label-old").select_option("meh")
    page.locator("#label-retire").click()
    expect(page.locator("#settings-edit-title")).to_have_text("Settings (version 3)")
    expect(page.locator("#label-old option", has_text="meh (retired)")).to_have_count(1)
    # add a label through the settings JSON (the "Advanced" editor)
    page.locator("#settings-json summary").click()
    text = page.locator("#settings-edit-text")
    text.fill(text.input_value().replace('"neg": "neg"', '"neg": "neg", "mixed": "mixed"'))
    page.locator("#settings-json-save").click()
    expect(page.locator("#settings-edit-title")).to_have_text("Settings (version 4)")
    ds = check(ui_server.admin.get(f"/datasets/{name}"))
    q = ds["settings"]["questions"][0]
    # the settings' order, not sorted: the renamed label kept its place
    assert list(q["labels"]) == ["positive", "neg", "mixed", "meh"]
    assert q["retired"] == ["meh"]
    # the annotator sees every label but the retired one, in the settings' order; the old
    # answer kept "meh"
    api_login(page.context, ann)
    page.goto(f"/datasets/{name}/annotate")
    options = page.locator('[data-question="y"] .option')
    expect(options).to_have_count(3)
    assert options.evaluate_all("els => els.map(e => e.dataset.value)") == [
        "positive", "neg", "mixed"]
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


def test_the_settings_form_opens_filled_in_and_saves_a_new_version(page, ui_server, tmp_path):
    admin, _ = ui_server.user("admin")
    ann, client = ui_server.user()
    reviewer, _ = ui_server.user("reviewer")
    settings = {"guidelines": "Old rules.",
                "fields": [{"name": "text", "type": "text", "title": "Review text"}],
                "questions": [{"name": "y", "type": "label", "title": "Sentiment",
                               "labels": {"pos": "Positive", "neg": "Negative"}}],
                "metadata": [{"name": "lang"}], "distribution": {"overlap": 1}}
    name = ui_server.dataset(settings, [{"id": f"b{i}", "text": f"t{i}"} for i in range(2)],
                             members=[ann, reviewer])
    api_login(page.context, admin)
    page.goto("/admin")
    page.locator("#manage-dataset").select_option(name)
    form = page.locator("#settings-builder-form")
    expect(form.locator("#edit-builder-guidelines")).to_have_value("Old rules.")
    row = form.locator('.builder-row[data-question="y"]')
    expect(row.locator(".question-labels")).to_have_value("pos, neg")  # the settings' order
    # add a label and a question, retire one, new guidelines: one new version
    row.locator(".question-labels").fill("pos, neg, mixed")
    row.locator(".question-retired").fill("neg")
    form.locator("#edit-add-question").click()
    added = form.locator(".builder-row").last
    added.locator(".question-name").fill("why")
    added.locator(".question-type").select_option("text")
    form.locator("#edit-builder-guidelines").fill("New rules.")
    shot(page.locator("#settings-edit"), "settings-edit.png", tmp_path)
    form.locator("#settings-builder-save").click()
    expect(page.locator("#notice")).to_contain_text("Saved: settings version 2")
    expect(page.locator("#settings-edit-title")).to_have_text("Settings (version 2)")

    versions = check(ui_server.admin.get(f"/datasets/{name}/settings/versions"))
    assert [v["version"] for v in versions] == [1, 2]
    new = versions[-1]["settings"]
    y, why = new["questions"]
    # what the form has no input for is kept: titles, label texts, metadata
    assert y == {"name": "y", "type": "label", "title": "Sentiment", "required": False,
                 "labels": {"pos": "Positive", "neg": "Negative", "mixed": "mixed"},
                 "retired": ["neg"]}
    assert (why["name"], why["type"]) == ("why", "text")
    assert new["fields"] == versions[0]["settings"]["fields"] and new["metadata"] == [
        {"name": "lang", "visible": True}]
    assert new["guidelines"] == "New rules."
    # a problem the server finds is shown, nothing is saved
    page.locator('#settings-builder-form .builder-row[data-question="y"] .question-retired'
                 ).fill("pos, neg, mixed")
    page.locator("#settings-builder-save").click()
    expect(page.locator("#settings-edit-result")).to_contain_text("every label is retired")
    assert len(check(ui_server.admin.get(f"/datasets/{name}/settings/versions"))) == 2

    # the response carries the version; the review page shows it
    rec = check(client.post(f"/datasets/{name}/next"))
    saved = check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
        "values": {"y": "mixed", "why": "mixed feelings"}, "status": "submitted"}))
    assert saved["settings_version"] == 2
    page.context.clear_cookies()
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/review")
    expect(page.locator("#comparison .settings-version")).to_have_text("settings v2")


def test_raising_overlap_in_the_form_reopens_completed_records(page, ui_server):
    """Issue 20 item 3 in the browser: every record is complete at overlap 1, so a second
    annotator has nothing to do; the admin raises the overlap to 2 in the settings form and
    that annotator gets the records; lowering it back completes them again."""
    admin, _ = ui_server.user("admin")
    first, first_client = ui_server.user()
    second, _ = ui_server.user()
    settings = {"fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "y", "type": "label", "labels": ["pos", "neg"]}],
                "distribution": {"overlap": 1}}
    name = ui_server.dataset(settings, [{"id": f"o{i}", "text": f"text {i}"} for i in range(2)],
                             members=[first, second])
    for _ in range(2):
        rec = check(first_client.post(f"/datasets/{name}/next"))
        check(first_client.put(f"/datasets/{name}/records/{rec['id']}/response",
                               json={"values": {"y": "pos"}, "status": "submitted"}))
    assert check(ui_server.admin.get(f"/datasets/{name}"))["counts"]["completed"] == 2
    api_login(page.context, second)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator("#empty")).to_be_visible()              # nothing left at overlap 1

    def set_overlap(value: int, version: int) -> None:
        page.context.clear_cookies()
        api_login(page.context, admin)
        page.goto("/admin")
        page.locator("#manage-dataset").select_option(name)
        page.wait_for_load_state("networkidle")  # the panel's sections have all loaded
        form = page.locator("#settings-builder-form")
        form.locator("#edit-builder-overlap").fill(str(value))
        expect(form.locator("#edit-builder-overlap")).to_have_value(str(value))
        form.locator("#settings-builder-save").click()
        expect(page.locator("#settings-edit-title")).to_have_text(
            f"Settings (version {version})")

    set_overlap(2, 2)
    ds = check(ui_server.admin.get(f"/datasets/{name}"))
    assert ds["settings"]["distribution"]["overlap"] == 2, ds["settings"]
    assert check(ui_server.admin.get(f"/datasets/{name}"))["counts"]["completed"] == 0
    page.context.clear_cookies()
    api_login(page.context, second)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator("#record-id strong")).to_have_text(["o0"])  # handed out again
    set_overlap(1, 3)
    assert check(ui_server.admin.get(f"/datasets/{name}"))["counts"]["completed"] == 2
