"""Credentials in the browser: self-service password change, an admin setting a password,
the login page's ``next`` check, and /docs working offline under the UI's CSP.

Every test blocks requests that leave 127.0.0.1 and records them: the UI and
/docs must never need the internet."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.ui.conftest import PASSWORD, login, unique

NEW_PASSWORD = "a-new-password-9"


@pytest.fixture
def offsite(context):
    """Requests to anywhere but 127.0.0.1, aborted and recorded."""
    seen: list[str] = []

    def handle(route):  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            seen.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    return seen


def _status_with(url: str, token: str) -> int:
    return httpx.get(f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"},
                     timeout=30).status_code


def test_next_with_a_tab_never_leaves_the_site(page, ui_server, offsite):
    """``/\\t/evil.example`` passed a pattern on the raw text; the URL parser drops the tab
    and reads ``//evil.example``, another origin (issue 18, item 9)."""
    user, _ = ui_server.user()
    for sneaky in ("%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%5Cevil.example",
                   "https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example"):
        page.goto(f"/login?next={sneaky}")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        assert urlsplit(page.url).hostname == "127.0.0.1", (sneaky, page.url)
        assert urlsplit(page.url).path == "/", (sneaky, page.url)
    assert offsite == []
    # a same-site next still works, with its query
    page.goto("/login?next=%2Faccount%3Fx%3D1")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{ui_server.url}/account?x=1")


def test_a_user_changes_their_password_in_the_ui(page, ui_server, offsite):
    user, client = ui_server.user()
    token = client.headers["Authorization"].split()[1]
    assert _status_with(ui_server.url, token) == 200
    login(page, user)
    page.locator("#user-name").click()
    expect(page).to_have_url(f"{ui_server.url}/account")
    page.wait_for_load_state()  # the URL changes before the page's script takes the form over
    page.fill("#current-password", "not-my-password")
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    expect(page.locator("#password-error")).to_contain_text("current password is wrong")
    page.fill("#current-password", PASSWORD)
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#new-password-again", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("Password changed")
    # the API token is revoked; this browser session stays
    assert _status_with(ui_server.url, token) == 401
    page.goto("/account")
    expect(page).to_have_url(f"{ui_server.url}/account")
    page.locator("#logout").click()
    expect(page).to_have_url(f"{ui_server.url}/login")
    bad = httpx.post(f"{ui_server.url}/api/v1/auth/login",
                     json={"username": user, "password": PASSWORD})
    assert bad.status_code == 401
    login(page, user, NEW_PASSWORD)
    expect(page.locator("#user-name")).to_have_text(user)
    assert offsite == []


def test_an_admin_sets_the_password_of_a_user_created_in_the_ui(page, ui_server, offsite):
    """A user created on the admin page without a password could never log in; now the
    admin sets one from the same table."""
    admin, _ = ui_server.user("admin")
    login(page, admin, path="/admin")
    name = unique("nopass")
    page.fill("#new-user-name", name)
    page.click("#user-form button[type=submit]")
    row = page.locator(f"tr[data-user='{name}']")
    expect(row).to_have_count(1)
    assert httpx.post(f"{ui_server.url}/api/v1/auth/login",
                      json={"username": name, "password": NEW_PASSWORD}).status_code == 401
    row.get_by_label(f"new password for {name}").fill(NEW_PASSWORD)
    row.get_by_role("button", name="Set password").click()
    expect(page.locator("#notice")).to_contain_text(f"Password of {name} set")
    ok = httpx.post(f"{ui_server.url}/api/v1/auth/login",
                    json={"username": name, "password": NEW_PASSWORD})
    assert ok.status_code == 200, ok.text
    # a reset revokes the sessions the old password opened
    session = ok.cookies["accord_session"]
    row.get_by_label(f"new password for {name}").fill("another-pass-77")
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        row.get_by_role("button", name="Set password").click()
    assert patched.value.status == 200
    assert httpx.get(f"{ui_server.url}/api/v1/auth/me",
                     cookies={"accord_session": session}).status_code == 401
    assert offsite == []


def test_docs_render_offline_under_the_ui_csp(page, ui_server, offsite):
    """/docs loaded Swagger UI from a CDN: blank without internet, and outside the UI's
    CSP. Now the bundle is vendored (accord/ui/static/vendor/swagger-ui)."""
    res = httpx.get(f"{ui_server.url}/docs")
    assert res.status_code == 200
    assert "script-src 'self'" in res.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
    assert res.headers["x-frame-options"] == "DENY"
    assert "cdn" not in res.text.lower()
    assert httpx.get(f"{ui_server.url}/redoc").status_code == 404
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("accord")
    expect(page.locator("#operations-auth-login_api_v1_auth_login_post")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert offsite == [], offsite
