"""The admin page: users and tokens, dataset creation (form and YAML), import upload,
guidelines versions, members and the export link."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import expect

from tests.ui.conftest import api_login, check, unique


def test_create_user_and_token(page, ui_server):
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    name = unique("newbie")
    page.fill("#new-user-name", name)
    page.locator("#new-user-role").select_option("reviewer")
    page.fill("#new-user-password", "fresh-password-9")
    page.locator("#user-form button[type=submit]").click()
    row = page.locator(f'tr[data-user="{name}"]')
    expect(row).to_have_count(1)
    expect(row.locator("select")).to_have_value("reviewer")
    res = httpx.post(ui_server.url + "/api/v1/auth/login",
                     json={"username": name, "password": "fresh-password-9"})
    assert res.status_code == 200 and res.json()["user"]["role"] == "reviewer"
    row.get_by_role("button", name="New API token").click()
    token = page.locator("#token-output code").inner_text()
    me = httpx.get(ui_server.url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == name


def test_create_dataset_from_form_and_from_yaml(page, ui_server):
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    name = unique("built")
    page.fill("#new-dataset-name", name)
    page.fill("#builder-guidelines", "Be careful.")
    # the form of the new dataset (a dataset already picked under "Manage" has its own)
    form = page.get_by_role("region", name="New dataset")
    form.locator(".question-labels").fill("pos, neg")
    form.locator(".question-required").check()
    page.locator("#add-question").click()
    second = form.locator(".builder-row", has=page.locator(".question-name")).nth(1)
    second.locator(".question-name").fill("stars")
    second.locator(".question-type").select_option("rating")
    page.fill("#builder-overlap", "2")
    page.locator("#dataset-form button[type=submit]").click()
    expect(page.locator("#manage-dataset")).to_have_value(name)
    ds = check(ui_server.admin.get(f"/datasets/{name}"))
    assert ds["settings"]["guidelines"] == "Be careful."
    assert ds["settings"]["questions"] == [
        {"name": "label", "type": "label", "labels": {"pos": "pos", "neg": "neg"},
         "required": True},
        {"name": "stars", "type": "rating", "min": 1, "max": 5, "required": False}]
    assert ds["settings"]["distribution"]["overlap"] == 2

    page.locator("input[name=settings-source][value=text]").check()
    page.fill("#new-dataset-name", name + "-yaml")
    page.fill("#settings-text", "fields:\n  - {name: prompt, type: text}\nquestions:\n"
                                "  - {name: y, type: label, labels: [a]}\n")
    page.locator("#dataset-form button[type=submit]").click()
    expect(page.locator("#dataset-error")).to_contain_text(
        "line 4: questions[0].labels: needs at least 2 labels"  # the line in the text area
    )
    page.fill("#settings-text", "fields:\n  - {name: prompt, type: text}\nquestions:\n"
                                "  - {name: y, type: label, labels: [a, b]}\n")
    page.locator("#dataset-form button[type=submit]").click()
    expect(page.locator("#manage-dataset")).to_have_value(name + "-yaml")
    ds = check(ui_server.admin.get(f"/datasets/{name}-yaml"))
    assert ds["settings"]["fields"][0]["name"] == "prompt"


def test_import_upload_guidelines_members_and_export(page, ui_server, tmp_path):
    member, _ = ui_server.user()
    name = ui_server.dataset(
        {
            "guidelines": "v1 text",
            "fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
        },
        [],
    )
    data = tmp_path / "records.jsonl"
    data.write_text("".join(json.dumps({"id": f"i{i}", "text": f"text {i}", "source": "web"}) + "\n"
                            for i in range(25)))
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    page.locator("#manage-dataset").select_option(name)
    expect(page.locator("#guidelines-text")).to_have_value("v1 text")
    page.locator("#import-file").set_input_files(str(data))
    page.locator("#manage form", has=page.locator("#import-file")).locator(
        "button[type=submit]"
    ).click()
    expect(page.locator("#import-result")).to_contain_text("25 inserted, 0 updated, 0 rejected")
    expect(page.locator(".upload-progress")).to_have_attribute("value", "1")
    assert check(ui_server.admin.get(f"/datasets/{name}"))["counts"]["records"] == 25

    page.fill("#guidelines-text", "v2 text\nwith a new line")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#manage h3", has_text="Guidelines")).to_have_text("Guidelines (version 2)")
    versions = check(ui_server.admin.get(f"/datasets/{name}/settings/versions"))
    assert [v["guidelines"] for v in versions] == ["v1 text", "v2 text\nwith a new line"]

    page.locator("#add-member").select_option(member)
    page.get_by_role("button", name="Add member").click()
    expect(page.locator(".member-list")).to_contain_text(member)
    assert member in [m["name"] for m in check(ui_server.admin.get(f"/datasets/{name}/members"))]

    page.locator("#export-format").select_option("csv")
    link = page.locator("#export-link")
    expect(link).to_have_attribute("href", f"/api/v1/datasets/{name}/export?format=csv")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".csv")
