"""Login / logout for the UI (session cookie + CSRF cookie), ``/me`` and the user's own
password change."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import anyio
from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    WriteSession,
    accept_caller,
    credentials,
)
from accord.server.schemas import LoginRequest, LoginResult, PasswordChange, UserPublic
from accord.store.audit import record_event
from accord.store.engine import session_scope, write_scope
from accord.store.login_throttle import give_back_login_tries, take_login_tries
from accord.store.models import User, utcnow
from accord.store.users import (
    change_own_password,
    check_password_policy,
    create_token,
    hash_password,
    revoke_token,
    user_for_token,
    verify_password_hash,
)

router = APIRouter(tags=["auth"], route_class=CheckedRoute)

SESSION_HOURS = 12
T = TypeVar("T")
# argon2 (64 MiB, a few tens of ms of CPU per hash) runs in its own small thread pool,
# outside every transaction and the SQLite write gate: a login storm queues here while
# the annotators' work keeps its threads and cores
_HASH_THREADS = anyio.CapacityLimiter(max(1, (os.cpu_count() or 2) // 2))


async def _in_write_unit(request: Request, fn: Callable[[Session], T]) -> T:
    """``fn`` in one short write transaction on a worker thread."""
    engine = request.app.state.engine

    def unit() -> T:
        with write_scope(engine) as session:
            return fn(session)

    return await anyio.to_thread.run_sync(unit)


async def _hash_work(fn: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(fn, limiter=_HASH_THREADS)


def client_address(request: Request) -> str:
    """The client's address as the server sees it: the peer, or the address a trusted
    proxy forwarded (uvicorn's proxy headers, only from ``accord serve --trusted-proxies``)."""
    return request.client.host if request.client else "unknown"


@router.post("/auth/login", response_model=LoginResult)
async def login(body: LoginRequest, request: Request, response: Response) -> LoginResult:
    """Log in with a password; sets the session and CSRF cookies.

    A client address has 10 tries per user name (one back every 30 s) and 50 in
    all (one back every 6 s); a successful login gives its tries back. Without a
    try: 429 with ``Retry-After``. No account is ever locked: the tries belong to
    the guessing address. The password is checked outside any transaction.
    """
    address = client_address(request)

    def begin(session: Session) -> tuple[bool, int, int | None, str | None]:
        got = take_login_tries(session, address, body.username, time.time())
        if not got.granted:
            return False, got.retry_after, None, None
        row = session.execute(select(User.id, User.password_hash).where(
            User.name == body.username, User.active.is_(True))).first()
        return True, 0, (row[0] if row else None), (row[1] if row else None)

    granted, retry_after, user_id, stored = await _in_write_unit(request, begin)
    if not granted:
        raise HTTPException(429, f"too many failed logins from this address; try again in "
                            f"{retry_after} s", headers={"Retry-After": str(retry_after)})
    ok = await _hash_work(lambda: verify_password_hash(stored, body.password))
    now = utcnow()
    if not ok or user_id is None:
        def failed(session: Session) -> None:
            record_event(session, "login.failed", "login", body.username[:64], at=now,
                         details={"address": address})

        await _in_write_unit(request, failed)
        raise HTTPException(401, "wrong user name or password")

    def succeeded(session: Session) -> tuple[User, str]:
        give_back_login_tries(session, address, body.username)
        user = session.get(User, user_id)
        token = create_token(session, user, name="ui session", kind="session",
                             expires_at=now + timedelta(hours=SESSION_HOURS))
        record_event(session, "login", "user", user.id, user_id=user.id, at=now)
        return user, token

    user, token = await _in_write_unit(request, succeeded)
    csrf = secrets.token_urlsafe(24)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        max_age=SESSION_HOURS * 3600, path="/")
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure,
                        max_age=SESSION_HOURS * 3600, path="/")
    return LoginResult(user=UserPublic.model_validate(user), csrf_token=csrf)


@router.post("/auth/password", status_code=204)
async def change_password(body: PasswordChange, request: Request) -> None:
    """Change your own password (the current one is required). Every other session and
    every API token of yours is revoked; the UI session making the change stays."""
    engine = request.app.state.engine
    token, kind = credentials(request)
    address = client_address(request)

    def begin(session: Session) -> tuple[User, int]:
        user = accept_caller(request, user_for_token(session, token, kind=kind), kind)
        check_password_policy(body.new_password, name=user.name)
        got = take_login_tries(session, address, user.name, time.time())
        return user, 0 if got.granted else got.retry_after

    user, retry_after = await _in_write_unit(request, begin)
    if retry_after:
        raise HTTPException(429, f"too many failed password checks from this address; try "
                            f"again in {retry_after} s", headers={"Retry-After": str(retry_after)})

    def stored_hash() -> str | None:
        with session_scope(engine) as session:
            return session.scalar(select(User.password_hash).where(User.id == user.id))

    stored = await anyio.to_thread.run_sync(stored_hash)
    ok = await _hash_work(lambda: verify_password_hash(stored, body.current_password))
    new_hash = await _hash_work(lambda: hash_password(body.new_password, name=user.name)) \
        if ok else ""

    def save(session: Session) -> int:
        row = session.get(User, user.id)
        if ok:
            give_back_login_tries(session, address, row.name)
        revoked = change_own_password(session, row, ok, new_hash,
                                      keep_token=token if kind == "session" else None)
        record_event(session, "user.password", "user", row.id, user_id=row.id,
                     details={"by": "self", "revoked": revoked})
        return revoked

    await _in_write_unit(request, save)


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
