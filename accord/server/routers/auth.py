"""Login / logout for the UI (session cookie + CSRF cookie) and ``/me``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select

from accord.server.checked_route import CheckedRoute
from accord.server.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentUser, WriteSession
from accord.server.schemas import LoginRequest, LoginResult, UserPublic
from accord.store.audit import count_recent, record_event
from accord.store.models import User, utcnow
from accord.store.users import create_token, revoke_token, verify_password

router = APIRouter(tags=["auth"], route_class=CheckedRoute)

SESSION_HOURS = 12
# Failed logins in WINDOW: per (user name, client address), per client address, and
# per user name from all addresses together. The per-pair limit is what a stranger can
# trigger, and it only locks the stranger's own address out; the per-name ceiling is
# higher so a distributed guess is still slowed (docs/security.md, "Login rate limit").
MAX_FAILURES_PER_USER_AND_IP = 10
MAX_FAILURES_PER_IP = 50
MAX_FAILURES_PER_USER = 100
WINDOW = timedelta(minutes=15)


def _key(*parts: str) -> str:
    """An audit object id (at most 64 characters) for a user name and/or address."""
    text = "\n".join(parts)
    if len(parts) == 1 and len(text) <= 64:
        return text
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:57]


@router.post("/auth/login", response_model=LoginResult)
def login(body: LoginRequest, request: Request, response: Response,
          session: WriteSession) -> LoginResult:
    """Log in with a password; sets the session and CSRF cookies.

    Failed attempts are counted in the database (so several workers share the
    limit); in 15 minutes, 10 failures for one user name from one client address,
    50 from one address, or 100 for one user name from all addresses get 429.
    """
    now = utcnow()
    ip = request.client.host if request.client else "unknown"
    since = now - WINDOW
    name_key, ip_key, pair_key = _key(body.username), _key(ip), _key(body.username, ip)
    if (count_recent(session, "login.failed", "login_user_ip", pair_key, since)
            >= MAX_FAILURES_PER_USER_AND_IP or
            count_recent(session, "login.failed", "login_ip", ip_key, since)
            >= MAX_FAILURES_PER_IP or
            count_recent(session, "login.failed", "login", name_key, since)
            >= MAX_FAILURES_PER_USER):
        raise HTTPException(429, "too many failed logins; try again in 15 minutes",
                            headers={"Retry-After": "900"})
    user = session.scalar(select(User).where(User.name == body.username))
    if user is None or not verify_password(user, body.password):
        record_event(session, "login.failed", "login", name_key, at=now)
        record_event(session, "login.failed", "login_ip", ip_key, at=now)
        record_event(session, "login.failed", "login_user_ip", pair_key, at=now)
        session.commit()
        raise HTTPException(401, "wrong user name or password")
    token = create_token(session, user, name="ui session", kind="session",
                         expires_at=now + timedelta(hours=SESSION_HOURS))
    csrf = secrets.token_urlsafe(24)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        max_age=SESSION_HOURS * 3600, path="/")
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure,
                        max_age=SESSION_HOURS * 3600, path="/")
    record_event(session, "login", "user", user.id, user_id=user.id, at=now)
    return LoginResult(user=UserPublic.model_validate(user), csrf_token=csrf)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, user: CurrentUser,
           session: WriteSession) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        revoke_token(session, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/auth/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)
