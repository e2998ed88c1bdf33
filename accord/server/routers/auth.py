"""Login / logout for the UI (session cookie + CSRF cookie) and ``/me``."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response

from accord.server.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentUser, WriteSession
from accord.server.schemas import LoginRequest, LoginResult, UserPublic
from accord.store.audit import count_recent, record_event
from accord.store.models import utcnow
from accord.store.users import create_token, revoke_token, verify_password
from sqlalchemy import select

from accord.store.models import User

router = APIRouter(tags=["auth"])

SESSION_HOURS = 12
MAX_FAILURES_PER_USER = 10
MAX_FAILURES_PER_IP = 50
WINDOW = timedelta(minutes=15)


@router.post("/auth/login", response_model=LoginResult)
def login(body: LoginRequest, request: Request, response: Response,
          session: WriteSession) -> LoginResult:
    """Log in with a password; sets the session and CSRF cookies.

    Failed attempts are counted in the database (so several workers share the
    limit): more than 10 per user name or 50 per client address in 15 minutes
    get 429.
    """
    now = utcnow()
    ip = request.client.host if request.client else "unknown"
    since = now - WINDOW
    if (count_recent(session, "login.failed", "login", body.username, since)
            >= MAX_FAILURES_PER_USER or
            count_recent(session, "login.failed", "login_ip", ip, since) >= MAX_FAILURES_PER_IP):
        raise HTTPException(429, "too many failed logins; try again in 15 minutes",
                            headers={"Retry-After": "900"})
    user = session.scalar(select(User).where(User.name == body.username))
    if user is None or not verify_password(user, body.password):
        record_event(session, "login.failed", "login", body.username, at=now)
        record_event(session, "login.failed", "login_ip", ip, at=now)
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
