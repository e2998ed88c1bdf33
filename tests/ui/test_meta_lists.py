"""The UI's lists come from GET /api/v1/meta: every question type in the settings builder
(each with its own inputs), every export format in the admin export dialog, and the
consensus methods on the dashboard."""

from __future__ import annotations

from playwright.sync_api import expect

from accord.io.exporters import FORMATS
from accord.schema.questions import BUILTINS
from tests.ui.conftest import api_login, check, unique


def test_settings_builder_offers_every_type_and_creates_keypoints_and_transcript(page, ui_server):
    meta = check(ui_server.admin.get("/meta"))
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    first = page.locator(".question-type").first
    expect(first.locator("option")).to_have_count(len(meta["question_types"]))  # /meta answered
    offered = first.locator("option").evaluate_all("opts => opts.map(o => o.value)")
    assert offered == [t["name"] for t in meta["question_types"]]
    assert offered[:len(BUILTINS)] == list(BUILTINS)

    name = unique("media")
    page.fill("#new-dataset-name", name)
    page.locator(".field-name").first.fill("photo")
    page.locator(".field-type").first.select_option("image")
    page.locator("#add-field").click()
    page.locator(".field-name").nth(1).fill("clip")
    page.locator(".field-type").nth(1).select_option("audio")

    rows = page.locator(".builder-row", has=page.locator(".question-name"))
    rows.nth(0).locator(".question-name").fill("pose")
    rows.nth(0).locator(".question-type").select_option("keypoints")
    expect(rows.nth(0).locator(".question-help")).to_contain_text("Its field: image.")
    rows.nth(0).locator(".question-field").fill("photo")
    rows.nth(0).locator(".question-points").fill("head, neck, tail")
    rows.nth(0).locator(".question-skeleton").fill("head-neck, neck-tail")
    rows.nth(0).locator(".question-required").check()
    page.locator("#add-question").click()
    rows.nth(1).locator(".question-name").fill("words")
    rows.nth(1).locator(".question-type").select_option("transcript")
    expect(rows.nth(1).locator(".question-points")).to_have_count(0)
    rows.nth(1).locator(".question-field").fill("clip")
    page.locator("#dataset-form button[type=submit]").click()
    expect(page.locator("#manage-dataset")).to_have_value(name)

    ds = check(ui_server.admin.get(f"/datasets/{name}"))
    assert [f["type"] for f in ds["settings"]["fields"]] == ["image", "audio"]
    assert ds["settings"]["questions"] == [
        {"name": "pose", "type": "keypoints", "field": "photo", "required": True,
         "points": ["head", "neck", "tail"], "skeleton": [["head", "neck"], ["neck", "tail"]]},
        {"name": "words", "type": "transcript", "field": "clip", "required": False}]


def test_every_type_renders_its_own_inputs(page, ui_server):
    meta = check(ui_server.admin.get("/meta"))
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    row = page.locator(".builder-row", has=page.locator(".question-name")).first
    for t in meta["question_types"]:
        row.locator(".question-type").select_option(t["name"])
        for spec in t["form"]:
            cls = "question-" + spec["key"].replace("_", "-")
            if spec["kind"] == "fields":
                expect(row.locator(f".{cls}-0")).to_have_count(1)
            else:
                expect(row.locator(f".{cls}")).to_have_count(1)


def test_export_dialog_lists_every_export_format(page, ui_server):
    name = ui_server.dataset({"fields": [{"name": "text", "type": "text"}],
                              "questions": [{"name": "y", "type": "label",
                                             "labels": ["a", "b"]}]}, [])
    api_login(page.context, "admin", "admin-password-1")
    page.goto("/admin")
    page.locator("#manage-dataset").select_option(name)
    # the manage panel re-renders for the picked dataset (with jsonl chosen) after the
    # select: wait for it, or a format picked before then is reset by the re-render
    expect(page.locator("#export-link")).to_have_attribute(
        "href", f"/api/v1/datasets/{name}/export?format=jsonl")
    options = page.locator("#export-format option")
    expect(options).to_have_count(len(FORMATS))
    assert options.evaluate_all("opts => opts.map(o => o.value)") == list(FORMATS)
    page.locator("#export-format").select_option("coco")
    expect(page.locator("#export-summary")).to_contain_text("bbox, polygon, keypoints")
    expect(page.locator("#export-link")).to_have_attribute(
        "href", f"/api/v1/datasets/{name}/export?format=coco")


def test_dashboard_offers_the_classification_methods(page, ui_server):
    meta = check(ui_server.admin.get("/meta"))
    name = ui_server.dataset({"fields": [{"name": "text", "type": "text"}],
                              "questions": [{"name": "y", "type": "label",
                                             "labels": ["a", "b"]},
                                            {"name": "stars", "type": "rating"}]}, [])
    api_login(page.context, "admin", "admin-password-1")
    page.goto(f"/datasets/{name}/dashboard")
    methods = [m["name"] for m in meta["aggregation_methods"] if m["kind"] == "classification"]
    select = page.locator("#aggregate-method")
    expect(select.locator("option")).to_have_count(len(methods))
    default = {t["name"]: t for t in meta["question_types"]}["label"]["consensus"]["default"]
    expect(select).to_have_value(default)
    expect(page.locator("#agreement-legend")).to_contain_text(
        "y: alpha, nominal")
