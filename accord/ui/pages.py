"""Page routes, static files and the security headers of the web UI.

Every page is a small Jinja2 shell (navigation, the page's data attributes and
one ``<script type="module">``); the page's module fetches everything else
from ``/api/v1`` with the session cookie and the CSRF header. A page request
without a valid session redirects to ``/login?next=...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from accord.server.deps import ROLE_RANK, SESSION_COOKIE
from accord.store.engine import session_scope
from accord.store.users import user_for_token

__all__ = ["CSP", "PAGES", "SECURITY_HEADERS", "mount"]

_HERE = Path(__file__).resolve().parent

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data: https: http:; media-src 'self' data: https: http:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str
    min_role: str = "annotator"


PAGES = (
    Page("/", "index.html", "Datasets"),
    Page("/datasets/{name}/annotate", "annotate.html", "Annotate"),
    Page("/datasets/{name}/review", "review.html", "Review", "reviewer"),
    Page("/datasets/{name}/dashboard", "dashboard.html", "Dashboard", "reviewer"),
    Page("/datasets/{name}/records", "records.html", "Records", "reviewer"),
    Page("/datasets/{name}/report", "report.html", "Dataset health", "reviewer"),
    Page("/datasets/{name}/triage", "triage.html", "Feedback triage", "admin"),
    Page("/admin", "admin.html", "Admin", "admin"),
    Page("/account", "account.html", "Account"),
)


class _Static(StaticFiles):
    """Static files, revalidated on every load (cheap 304s; no stale modules after an
    upgrade) and never sniffed into another type."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_HERE / "templates"),
                       autoescape=select_autoescape(default=True), trim_blocks=True,
                       lstrip_blocks=True)


def _html(env: Environment, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = env.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def _session_user(request: Request) -> Any:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with session_scope(request.app.state.engine) as session:
        return user_for_token(session, token, kind="session")  # detached already


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303,
                            headers={"Cache-Control": "no-store"})


def _page_handler(env: Environment, page: Page):  # type: ignore[no-untyped-def]
    def handler(request: Request) -> Response:
        user = _session_user(request)
        if user is None:
            return _login_redirect(request)
        context = {"user": user, "page": page, "dataset": request.path_params.get("name"),
                   "is_reviewer": ROLE_RANK[user.role] >= ROLE_RANK["reviewer"],
                   "is_admin": user.role == "admin"}
        if ROLE_RANK[user.role] < ROLE_RANK[page.min_role]:
            return _html(env, "forbidden.html", 403, need=page.min_role, **context)
        return _html(env, page.template, **context)

    handler.__name__ = f"page_{page.template.split('.')[0]}"
    return handler


def mount(app: FastAPI) -> None:
    """Add the UI's pages and ``/static`` to ``app`` (none appear in the OpenAPI document)."""
    env = _environment()
    app.mount("/static", _Static(directory=_HERE / "static"), name="static")

    def login_page(request: Request) -> Response:
        return _html(env, "login.html", user=None, page=Page("/login", "login.html", "Log in"),
                     dataset=None, is_reviewer=False, is_admin=False)

    app.add_api_route("/login", login_page, methods=["GET"], include_in_schema=False,
                      response_class=HTMLResponse)

    def api_docs(request: Request) -> Response:
        """Swagger UI for /openapi.json from the vendored bundle (no CDN), under the UI's
        CSP and frame protection."""
        return HTMLResponse(env.get_template("api_docs.html").render(),
                            headers=SECURITY_HEADERS)

    app.add_api_route("/docs", api_docs, methods=["GET"], include_in_schema=False,
                      response_class=HTMLResponse)
    for page in PAGES:
        app.add_api_route(page.path, _page_handler(env, page), methods=["GET"],
                          include_in_schema=False, response_class=HTMLResponse)
