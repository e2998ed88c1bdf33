"""The dashboard draws its charts as inline SVG from /stats and /quality."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import api_login, check

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "stars", "type": "rating", "min": 1, "max": 5,
                           "required": True},
                          {"name": "y", "type": "label", "labels": ["a", "b"]}],
            "distribution": {"overlap": 2}}


def test_dashboard_renders_charts(page, ui_server):
    people = [ui_server.user() for _ in range(2)]
    reviewer, reviewer_client = ui_server.user("reviewer")
    name = ui_server.dataset(SETTINGS, [{"id": f"r{i}", "text": f"t{i}"} for i in range(4)],
                             members=[u for u, _ in people] + [reviewer])
    first_response = None
    for k, (_, client) in enumerate(people):
        for i in range(3):
            rec = check(client.post(f"/datasets/{name}/next"))
            ui_server.live.pass_time(10 + 5 * k)  # the time reported really passed
            resp = check(client.put(f"/datasets/{name}/records/{rec['id']}/response", json={
                "values": {"stars": 1 + (i + k) % 5, "y": "a" if i % 2 else "b"},
                "status": "submitted", "time_spent": 10 + 5 * k}))
            first_response = first_response or resp
    check(reviewer_client.post(f"/datasets/{name}/responses/{first_response['id']}/review",
                               json={"verdict": "reject", "reason": "no",
                                     "version": first_response["version"]}))
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/dashboard")
    expect(page.locator("#cards .stat").first).to_contain_text("%")
    expect(page.locator("#cards")).to_contain_text("submitted responses")
    expect(page.locator("#throughput-chart svg rect.bar")).to_have_count(2)  # 2 people, 1 hour
    expect(page.locator("#throughput-chart .legend")).to_have_text(
        "".join(u for u, _ in people))
    expect(page.locator("#agreement-chart svg .bar-label")).to_have_text(["stars", "y"])
    expect(page.locator("#time-chart svg rect.bar")).to_have_count(2)
    expect(page.locator("#quality-chart svg rect.bar")).to_have_count(1)  # one correction rate
    table = page.locator("#annotator-table tbody tr")
    expect(table).to_have_count(2)
    # the rejected annotator's correction rate
    expect(table.filter(has_text=people[0][0])).to_contain_text("100 %")
    page.locator("#bucket").select_option("day")
    expect(page.locator("#throughput-chart svg text", has_text="per day")).to_have_count(1)


def test_dashboard_flags_a_spammer_with_the_reason(page, ui_server):
    settings = {"fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "y", "type": "label", "labels": ["a", "b"],
                               "required": True}],
                "distribution": {"overlap": 3}}
    people = [ui_server.user() for _ in range(3)]
    reviewer, _ = ui_server.user("reviewer")
    name = ui_server.dataset(settings, [{"id": f"r{i}", "text": f"t{i}"} for i in range(12)],
                             members=[u for u, _ in people] + [reviewer])
    for k, (_, client) in enumerate(people):
        while (rec := check(client.post(f"/datasets/{name}/next"))) is not None:
            n = int(rec["external_id"][1:])
            value = "a" if k == 2 or n % 2 else "b"  # the third always says "a"
            check(client.put(f"/datasets/{name}/records/{rec['id']}/response",
                             json={"values": {"y": value}, "status": "submitted"}))
    api_login(page.context, reviewer)
    page.goto(f"/datasets/{name}/dashboard")
    rows = page.locator("#annotator-checks tbody tr")
    expect(rows).to_have_count(3)
    spammer = rows.filter(has_text=people[2][0])
    expect(spammer).to_contain_text("always gave label")
    expect(spammer).to_contain_text("(100% of 12 labels; the consensus uses it for 50%")
    expect(spammer).to_have_class("flagged")
    expect(rows.filter(has_text=people[0][0])).to_contain_text("–")
