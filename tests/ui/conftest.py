"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn + SQLite.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``apt-get
install chromium``). Without it the UI tests fail in CI (``CI=true``) and are
skipped locally, with a banner in the terminal summary.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import LiveServer, start_server, stop_server

try:
    from playwright.sync_api import expect
except ImportError:  # the tests that need Playwright say so themselves
    expect = None
else:
    # an assertion waits up to 15 s (Playwright's default is 5): a password check (argon2)
    # or a page's first load takes seconds on a loaded 2-core machine; a passing
    # assertion returns as soon as it holds, so this costs nothing when all is well
    expect.set_options(timeout=15_000)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PASSWORD = "ui-test-password-1"
_names = itertools.count()
_skipped_for_browser: list[str] = []


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_names)}"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: install it with 'apt-get install chromium'"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required in CI)")
        _skipped_for_browser.append(message)
        pytest.skip(message + " — browser UI tests SKIPPED")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield b
        b.close()


class UiServer:
    """The live server plus helpers to set up users and datasets through the API."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.url = live.url
        self.admin = httpx.Client(base_url=live.url + "/api/v1", timeout=30,
                                  headers={"Authorization": f"Bearer {live.admin_token}"})
        self.clients: list[httpx.Client] = []

    def user(self, role: str = "annotator", name: str | None = None) -> tuple[str, httpx.Client]:
        """Create a user with the test password; returns its name and a bearer client."""
        name = name or unique(role)
        token = self.live.make_user(name, role, password=PASSWORD)
        client = httpx.Client(base_url=self.url + "/api/v1", timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
        self.clients.append(client)  # closed at the end at the latest (close())
        return name, client

    def dataset(self, settings: dict[str, Any], records: list[dict[str, Any]],
                members: list[str] = (), name: str | None = None) -> str:
        name = name or unique("ds")
        check(self.admin.post("/datasets", json={"name": name, "settings": settings}))
        if records:
            check(self.admin.post(f"/datasets/{name}/records", json={"records": records}))
        for m in members:
            check(self.admin.post(f"/datasets/{name}/members", json={"user": m}))
        return name

    def responses(self, dataset: str) -> dict[str, list[dict[str, Any]]]:
        """Every response in the dataset by record external_id (through the admin API)."""
        out: dict[str, list[dict[str, Any]]] = {}
        after = 0
        while True:
            page = check(self.admin.get(f"/datasets/{dataset}/records",
                                        params={"after": after, "limit": 500}))
            for rec in page["records"]:
                out[rec["external_id"]] = rec["responses"] or []
            if page["next_cursor"] is None:
                return out
            after = page["next_cursor"]

    def close(self) -> None:
        self.admin.close()
        for client in self.clients:
            client.close()


def check(res: httpx.Response) -> Any:
    assert res.status_code < 300, res.text
    return res.json() if res.content else None


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory, chromium_path):
    live = start_server(f"sqlite:///{tmp_path_factory.mktemp('ui') / 'accord.db'}")
    server = UiServer(live)
    yield server
    server.close()
    stop_server(live)


@pytest.fixture(scope="session")
def media_server(tmp_path_factory, chromium_path):
    """A server of its own with a media root (``.media_root``): one per session, each module
    writes the files it needs there (the server reads them at request time)."""
    root = tmp_path_factory.mktemp("media")
    before = os.environ.get("ACCORD_MEDIA_ROOT")
    os.environ["ACCORD_MEDIA_ROOT"] = str(root)
    try:
        live = start_server(f"sqlite:///{tmp_path_factory.mktemp('mm') / 'accord.db'}")
    finally:
        if before is None:
            del os.environ["ACCORD_MEDIA_ROOT"]
        else:
            os.environ["ACCORD_MEDIA_ROOT"] = before
    server = UiServer(live)
    server.media_root = root
    yield server
    server.close()
    stop_server(live)


class PageProblems:
    """Everything a page should never do: dialogs, script errors, CSP violations."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)

    def _dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, msg) -> None:  # type: ignore[no-untyped-def]
        text = msg.text
        if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text
                                    or "Uncaught" in text):
            self.errors.append(f"console: {text}")

    def assert_clean(self) -> None:
        assert not self.dialogs, f"dialogs fired: {self.dialogs}"
        assert not self.errors, f"errors: {self.errors}"


@pytest.fixture
def context(browser, ui_server):
    ctx = browser.new_context(base_url=ui_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    p = context.new_page()
    p.problems = PageProblems(p)
    yield p
    p.problems.assert_clean()


def login(page, user: str, password: str = PASSWORD, path: str = "/") -> None:  # type: ignore[no-untyped-def]
    """Log in through the login form, landing on ``path``."""
    page.goto(f"/login?next={path}")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def api_login(context, user: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Log in through the API (the context keeps the cookies), faster than the form."""
    res = context.request.post("/api/v1/auth/login", data={"username": user, "password": password})
    assert res.ok, res.text()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if _skipped_for_browser:
        terminalreporter.write_sep("!", "BROWSER UI TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_skipped_for_browser[0], red=True)
