"""Logging in and out, redirects, role checks and the security headers of every page."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from accord.ui import PAGES
from tests.ui.conftest import api_login

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]}


def test_login_redirects_back_and_logout(page, ui_server):
    user, _ = ui_server.user()
    name = ui_server.dataset(SETTINGS, [{"id": "1", "text": "t"}], members=[user])
    page.goto(f"/datasets/{name}/annotate")
    expect(page).to_have_url(f"{ui_server.url}/login?next=%2Fdatasets%2F{name}%2Fannotate")
    page.fill("#username", user)
    page.fill("#password", "not-the-password")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("wrong user name or password")
    page.fill("#password", "ui-test-password-1")
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{ui_server.url}/datasets/{name}/annotate")
    expect(page.locator("#user-name")).to_have_text(user)
    expect(page.locator("#record-id strong")).to_have_text("1")
    page.locator("#logout").click()
    expect(page).to_have_url(f"{ui_server.url}/login")
    page.goto("/")
    expect(page).to_have_url(f"{ui_server.url}/login?next=%2F")


def test_login_never_redirects_off_site(page, ui_server):
    user, _ = ui_server.user()
    page.goto("/login?next=//evil.example/x")
    page.fill("#username", user)
    page.fill("#password", "ui-test-password-1")
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{ui_server.url}/")


def test_pages_need_their_role(page, ui_server):
    user, _ = ui_server.user("annotator")
    name = ui_server.dataset(SETTINGS, [], members=[user])
    api_login(page.context, user)
    for path in ("/admin", f"/datasets/{name}/review", f"/datasets/{name}/dashboard",
                 f"/datasets/{name}/triage"):
        res = page.goto(path)
        assert res.status == 403, path
        expect(page.locator("main")).to_contain_text("needs the")
    assert page.goto("/").status == 200
    expect(page.locator(".dataset-card")).to_have_count(1)
    expect(page.locator("nav")).not_to_contain_text("Admin")


@pytest.mark.parametrize("path", ["/login"] + [p.path.replace("{name}", "x") for p in PAGES])
def test_security_headers(ui_server, path):
    with httpx.Client(base_url=ui_server.url) as web:
        anonymous = web.get(path)
        if path != "/login":
            assert anonymous.status_code == 303
            assert anonymous.headers["location"].startswith("/login?next=")
            login_res = web.post("/api/v1/auth/login",
                                 json={"username": "admin", "password": "admin-password-1"})
            assert login_res.status_code == 200
        res = web.get(path)
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    csp = dict(
        part.strip().split(" ", 1) for part in res.headers["content-security-policy"].split(";")
    )
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "unsafe-inline" not in res.headers["content-security-policy"]
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["x-frame-options"] == "DENY"
    assert "<script>" not in res.text  # only <script type="module" src="/static/...">


def test_static_files_are_not_sniffed(ui_server):
    res = httpx.get(ui_server.url + "/static/js/api.js")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert res.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(ui_server.url + "/static/../pages.py").status_code == 404
