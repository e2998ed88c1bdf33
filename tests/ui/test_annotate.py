"""The annotation page in a real browser: every question type by keyboard, span by mouse,
ranking by drag, suggestions, drafts and conflicts, undo, skip, history, guidelines."""

from __future__ import annotations

import base64
import json
import struct

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

ALL_TYPES = {
    "guidelines": "Answer **every** question.",
    "fields": [
        {"name": "prompt", "type": "text"},
        {"name": "conversation", "type": "chat"},
        {"name": "candidates", "type": "json"},
        {"name": "response_a", "type": "text"},
        {"name": "response_b", "type": "text"},
    ],
    "questions": [
        {"name": "intent", "type": "label", "labels": ["billing", "bug", "other"],
         "required": True},
        {"name": "topics", "type": "multi_label", "labels": ["refund", "login", "shipping"]},
        {"name": "entities", "type": "span", "field": "prompt", "labels": ["PER", "ORG", "LOC"]},
        {"name": "helpfulness", "type": "rating", "min": 1, "max": 5},
        {"name": "order", "type": "ranking", "field": "candidates", "allow_ties": True},
        {"name": "preference", "type": "pairwise", "fields": ["response_a", "response_b"],
         "allow_tie": True},
        {"name": "rewrite", "type": "text", "field": "response_a"},
        {"name": "safety", "type": "flags", "labels": ["violence", "self_harm", "pii"],
         "severities": ["low", "high"]},
    ],
}


def _record(i: int) -> dict:
    return {"id": f"r{i}", "prompt": "Alice called Acme support in Paris.",
            "conversation": [{"role": "user", "content": "My card was charged twice."},
                             {"role": "assistant", "content": "Sorry! Let me check."}],
            "candidates": [{"id": "c1", "text": "First answer"}, {"id": "c2", "text": "Second"},
                           {"id": "c3", "text": "Third answer"}],
            "response_a": "Refund issued.", "response_b": "Please wait."}


def _open(page, ui_server, settings, records, **kw):  # type: ignore[no-untyped-def]
    user, client = ui_server.user()
    name = ui_server.dataset(settings, records, members=[user], **kw)
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    expect(page.locator(".question").first).to_be_focused()
    return name, user, client


def _only_response(ui_server, name, user):  # type: ignore[no-untyped-def]
    found = [r for rs in ui_server.responses(name).values() for r in rs if r["user"] == user]
    assert len(found) == 1, found
    return found[0]


def test_every_question_type_by_keyboard(page, ui_server):
    name, user, _ = _open(page, ui_server, ALL_TYPES, [_record(0), _record(1)])
    kb = page.keyboard
    kb.press("2")                      # intent: bug
    kb.press("Tab")
    kb.press("1"), kb.press("3")       # topics: refund, shipping
    kb.press("Tab")
    kb.press("1")                      # entities: Alice = PER
    kb.press("ArrowRight"), kb.press("ArrowRight")
    kb.press("Shift+ArrowRight")       # Acme support
    kb.press("2")                      # ORG
    kb.press("End"), kb.press("ArrowLeft")
    kb.press("3")                      # Paris = LOC
    kb.press("Tab")
    kb.press("4")                      # helpfulness 4
    kb.press("Tab")
    kb.press("ArrowDown"), kb.press("Shift+ArrowUp")   # c2 to the top
    kb.press("ArrowDown"), kb.press("ArrowDown")
    kb.press("t")                      # c3 tied with c1
    kb.press("Tab")
    kb.press("b"), kb.press("3")       # B is better, strength 3
    kb.press("Tab")
    kb.press("Enter")                  # into the rewrite box
    kb.press("Control+a")
    kb.type("Refund issued today.")
    kb.press("Escape")
    kb.press("Tab")
    kb.press("3"), kb.press("Shift+3")  # pii, then severity high
    kb.press("1")                      # violence (low)
    expect(page.locator(".q-span .span-item")).to_have_count(3)
    expect(page.locator(".q-ranking .rank-group.tied .candidate")).to_have_count(2)
    kb.press("Control+Enter")
    expect(page.locator("#record-id strong")).to_have_text("r1")
    resp = _only_response(ui_server, name, user)
    assert resp["status"] == "submitted"
    assert resp["values"] == {
        "intent": "bug",
        "topics": ["refund", "shipping"],
        "entities": [{"start": 0, "end": 5, "label": "PER"},
                     {"start": 13, "end": 25, "label": "ORG"},
                     {"start": 29, "end": 34, "label": "LOC"}],
        "helpfulness": 4,
        "order": ["c2", ["c1", "c3"]],
        "preference": {"choice": "b", "strength": 3},
        "rewrite": "Refund issued today.",
        "safety": [{"label": "violence", "severity": "low"}, {"label": "pii", "severity": "high"}],
    }
    assert resp["time_spent"] > 0


SPAN = {"fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "ents", "type": "span", "field": "text",
                       "labels": ["PER", "ORG"], "allow_overlap": False}]}
TEXT = "👍 Bob met 🇫🇷 Marie Curie at CERN today."


def _drag_select(page, first, last):  # type: ignore[no-untyped-def]
    a = page.locator(".span-text .tok", has_text=first).first.bounding_box()
    b = page.locator(".span-text .tok", has_text=last).first.bounding_box()
    page.mouse.move(a["x"] + 1, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=4)
    page.mouse.move(b["x"] + b["width"] - 1, b["y"] + b["height"] / 2)
    page.mouse.up()


def test_span_by_mouse_selection_uses_code_point_offsets(page, ui_server):
    name, user, _ = _open(page, ui_server, SPAN, [{"id": "s1", "text": TEXT}])
    _drag_select(page, "Marie", "Curie")
    expect(page.locator(".span-text .tok.sel")).to_have_count(2)
    page.keyboard.press("1")
    _drag_select(page, "CERN", "CERN")
    page.locator(".span-labels .option", has_text="ORG").click()
    # relabelling an overlapping selection replaces the old span (no overlap allowed)
    _drag_select(page, "Curie", "Curie")
    page.keyboard.press("2")
    expect(page.locator(".span-note")).to_contain_text("replaced an overlapping span")
    page.keyboard.press("Control+z")
    expect(page.locator(".span-item")).to_have_count(2)
    page.locator("#submit-button").click()
    expect(page.locator("#empty")).to_be_visible()
    start = TEXT.index("Marie")  # Python str offsets: code points
    assert _only_response(ui_server, name, user)["values"]["ents"] == [
        {"start": start, "end": start + len("Marie Curie"), "label": "PER"},
        {"start": TEXT.index("CERN"), "end": TEXT.index("CERN") + 4, "label": "ORG"}]


RANKING = {"fields": [{"name": "candidates", "type": "json"}],
           "questions": [{"name": "order", "type": "ranking", "field": "candidates",
                          "allow_ties": True, "required": True}]}


def test_ranking_by_drag(page, ui_server):
    cands = [
        {"id": "c1", "text": "one"},
        {"id": "c2", "text": "two"},
        {"id": "c3", "text": "three"},
    ]
    name, user, _ = _open(page, ui_server, RANKING, [{"id": "k1", "candidates": cands}])
    expect(page.locator(".rank-state")).to_contain_text("not ranked yet")
    def cand(cid):
        return page.locator(f'.candidate[data-id="{cid}"]')

    cand("c3").drag_to(cand("c1"), target_position={"x": 30, "y": 2})     # before c1
    expect(page.locator(".candidate").first).to_have_attribute("data-id", "c3")
    box = cand("c1").bounding_box()
    cand("c2").drag_to(cand("c1"), target_position={"x": 30, "y": box["height"] / 2})  # tie
    expect(page.locator(".rank-group.tied .candidate")).to_have_count(2)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    assert _only_response(ui_server, name, user)["values"] == {"order": ["c3", ["c1", "c2"]]}


SUGGESTED = {"fields": [{"name": "text", "type": "text"}],
             "questions": [{"name": "y", "type": "label", "labels": ["pos", "neg"]},
                           {"name": "tags", "type": "multi_label", "labels": ["plot", "cast"]},
                           {"name": "summary", "type": "text"}]}


def test_suggestions_shown_with_score_and_accepted_with_one_key(page, ui_server):
    user, _client = ui_server.user()
    name = ui_server.dataset(SUGGESTED, [{"id": "a", "text": "great film"}], members=[user])
    check(ui_server.admin.put(f"/datasets/{name}/suggestions", json={
        "agent": "judge-7b@prompt-v3", "suggestions": [
            {"external_id": "a", "question": "y", "value": "pos", "score": 0.87},
            {"external_id": "a", "question": "tags", "value": ["cast"], "score": 0.4},
            {"external_id": "a", "question": "summary", "value": "A great film."}]}))
    api_login(page.context, user)
    page.goto(f"/datasets/{name}/annotate")
    first = page.locator(".suggestion").first
    expect(first).to_contain_text("score 0.87")
    expect(first).to_contain_text("judge-7b@prompt-v3")
    expect(page.locator(".q-text textarea")).to_have_value("A great film.")
    page.keyboard.press("Alt+a")
    expect(page.locator('.q-label .option[aria-checked="true"]')).to_have_text("1pos")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    assert _only_response(ui_server, name, user)["values"] == {
        "y": "pos", "tags": ["cast"], "summary": "A great film."}


LABEL = {"guidelines": "Line one\nLine two",
         "fields": [{"name": "text", "type": "text"}],
         "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True},
                       {"name": "note", "type": "text"}]}


def test_draft_autosave_and_conflict_message(page, ui_server):
    name, _user, client = _open(page, ui_server, LABEL, [{"id": "d1", "text": "x"}])
    page.keyboard.press("Control+Enter")  # nothing answered yet
    expect(page.locator(".q-label .question-error")).to_have_text(
        "required question is not answered")
    page.keyboard.press("1")
    expect(page.locator("#save-state")).to_contain_text("draft saved", timeout=8000)
    rec_id = check(ui_server.admin.get(f"/datasets/{name}/records"))["records"][0]["id"]
    stored = check(client.get(f"/datasets/{name}/records/{rec_id}/response"))
    assert (stored["status"], stored["values"], stored["version"]) == ("draft", {"y": "a"}, 1)
    # the same response changes elsewhere (another tab): this tab's next save must not win
    check(client.put(f"/datasets/{name}/records/{rec_id}/response",
                     json={"values": {"y": "b"}, "status": "draft", "version": 1}))
    page.keyboard.press("1")  # clears the label in this tab: a stale edit
    banner = page.locator("#conflict")
    expect(banner).to_be_visible(timeout=8000)
    expect(banner).to_contain_text("changed somewhere else")
    expect(page.locator("#save-state")).to_contain_text("conflict")
    assert check(client.get(f"/datasets/{name}/records/{rec_id}/response"))["values"] == {"y": "b"}
    banner.get_by_role("button", name="Reload record").click()
    expect(banner).to_be_hidden()
    expect(page.locator('.q-label .option[aria-checked="true"]')).to_have_text("2b")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#empty")).to_be_visible()
    final = check(client.get(f"/datasets/{name}/records/{rec_id}/response"))
    assert (final["status"], final["values"], final["version"]) == ("submitted", {"y": "b"}, 3)


def test_undo_skip_history_and_going_back(page, ui_server):
    name, user, _client = _open(page, ui_server, LABEL,
                               [{"id": f"u{i}", "text": f"text {i}"} for i in range(3)])
    checked = page.locator('.q-label .option[aria-checked="true"]')
    page.keyboard.press("1")
    page.keyboard.press("2")
    expect(checked).to_have_text("2b")
    page.keyboard.press("Control+z")
    expect(checked).to_have_text("1a")
    page.keyboard.press("Control+z")
    expect(checked).to_have_count(0)
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#record-id strong")).to_have_text("u1")
    page.keyboard.press("Control+Backspace")  # skip
    expect(page.locator("#record-id strong")).to_have_text("u2")
    values = {ext: [(r["status"], r["values"]) for r in rs if r["user"] == user]
              for ext, rs in ui_server.responses(name).items()}
    assert values == {"u0": [("submitted", {"y": "a"})], "u1": [("discarded", {})], "u2": []}
    page.locator("#history-button").click()
    items = page.locator(".history-item")
    expect(items).to_have_count(2)
    page.keyboard.press("Alt+p")  # back to the previous record: the skipped one
    expect(page.locator("#record-id strong")).to_have_text("u1")
    page.keyboard.press("Alt+p")
    expect(page.locator("#record-id strong")).to_have_text("u0")
    expect(page.locator("#record-id .status-badge")).to_have_text("submitted")
    expect(checked).to_have_text("1a")
    page.keyboard.press("2")  # change a submitted answer: Submit saves it
    expect(page.locator("#save-state")).to_contain_text("Submit")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#record-id strong")).to_have_text("u2")
    assert ui_server.responses(name)["u0"][0]["values"] == {"y": "b"}


def test_guidelines_changes_highlighted_since_last_read(page, ui_server):
    name, _user, client = _open(page, ui_server, LABEL, [{"id": "g1", "text": "x"}])
    panel = page.locator("#guidelines")
    expect(panel).to_contain_text("Please read the guidelines")
    page.locator("#guidelines-ack").click()
    expect(page.locator("#guidelines-ack")).to_have_count(0)
    assert check(client.get(f"/datasets/{name}/guidelines/seen")) == {"version": 1, "stored": True}
    check(
        ui_server.admin.put(
            f"/datasets/{name}/settings",
            json={**LABEL, "guidelines": "Line one\nLine two, revised\nLine three"},
        )
    )
    page.reload()
    expect(panel.locator(".banner")).to_contain_text("changed since you read version 1")
    expect(panel.locator(".diff-add")).to_have_text(["+Line two, revised", "+Line three"])
    expect(panel.locator(".diff-del")).to_have_text(["−Line two"])
    page.locator("#guidelines-ack").click()
    expect(page.locator("#guidelines-ack")).to_have_count(0)
    assert check(client.get(f"/datasets/{name}/guidelines/seen"))["version"] == 2
    page.reload()
    expect(panel.locator("details")).not_to_have_attribute("open", "")
    expect(panel.locator(".diff-add")).to_have_count(0)


PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
       "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
FIELDS = {"fields": [{"name": "plain", "type": "text"}, {"name": "md", "type": "markdown"},
                     {"name": "chat", "type": "chat"}, {"name": "pic", "type": "image"},
                     {"name": "sound", "type": "audio"}, {"name": "data", "type": "json"}],
          "questions": [{"name": "ok", "type": "label", "labels": ["yes", "no"]}]}


def _wav() -> str:
    header = (b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1,
              8000, 8000, 1, 8) + b"data" + struct.pack("<I", 0))
    return "data:audio/wav;base64," + base64.b64encode(header).decode()


def test_fields_render_by_type(page, ui_server):
    plain = "  indented\n\n\tand tabbed  "
    data = {"a": [1, 2], "b": {"c": "d"}}
    record = {"id": "f1", "plain": plain, "pic": PNG, "sound": _wav(), "data": data,
              "md": "# Title\n\nSome *em* and **strong** with `code` and "
                    "[a link](https://example.com/x).\n\n- one\n- two\n\n```\nblock\n```",
              "chat": [{"role": "system", "content": "be brief"},
                       {"role": "user", "content": "hi\nthere"},
                       {"role": "assistant", "content": "hello"}]}
    _open(page, ui_server, FIELDS, [record])
    assert page.locator(".plain-text").first.text_content() == plain
    md = page.locator(".field-markdown .markdown")
    expect(md.locator("h3")).to_have_text("Title")
    expect(md.locator("em")).to_have_text("em")
    expect(md.locator("strong")).to_have_text("strong")
    expect(md.locator("p code")).to_have_text("code")
    link = md.locator("a")
    expect(link).to_have_attribute("href", "https://example.com/x")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(md.locator("li")).to_have_text(["one", "two"])
    expect(md.locator("pre code")).to_have_text("block")
    expect(page.locator(".turn-role")).to_have_text(["system", "user", "assistant"])
    assert page.locator(".turn-content").nth(1).text_content() == "hi\nthere"
    expect(page.locator("img.image-body")).to_have_attribute("src", PNG)
    assert page.locator("img.image-body").evaluate("img => img.complete && img.naturalWidth") == 1
    expect(page.locator("audio.audio-body")).to_have_count(1)
    assert page.locator(".json-body").text_content() == json.dumps(data, indent=2)
