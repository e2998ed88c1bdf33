"""Request dependencies: database sessions, the current user, dataset access by role.

Auth: ``Authorization: Bearer <token>`` for the API; the UI's session cookie
(``accord_session``) with a CSRF double-submit check (the ``accord_csrf``
cookie must equal the ``X-CSRF-Token`` header) on every unsafe method.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from accord.errors import Forbidden
from accord.schema import Settings
from accord.server.unit_threads import run_in_unit_thread
from accord.store.access import caller_with_dataset, dataset_for_user
from accord.store.datasets import hold_dataset, hold_dataset_named
from accord.store.engine import NOT_NOW, session_scope, write_now, write_scope, write_unit
from accord.store.models import Dataset, User
from accord.store.users import user_for_token

__all__ = ["ReadSession", "WriteSession", "CurrentUser", "run_annotator_work", "AnnotatorWork",
           "authenticate", "check_dataset_access", "AdminUser", "DatasetCtx",
           "dataset_reader", "dataset_annotator", "dataset_reviewer", "dataset_admin",
           "SESSION_COOKIE", "CSRF_COOKIE", "CSRF_HEADER", "ROLE_RANK"]

SESSION_COOKIE = "accord_session"
CSRF_COOKIE = "accord_csrf"
CSRF_HEADER = "x-csrf-token"
ROLE_RANK = {"annotator": 0, "reviewer": 1, "admin": 2}
_SAFE = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")


def _read_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.engine) as session:
        yield session


def _write_session(request: Request) -> Iterator[Session]:
    with write_scope(request.app.state.engine) as session:
        # the route's own path, without the /api/v1 prefix it is mounted under
        if request.scope["route"].path.startswith(_DATASET_PATH):
            # a write under a dataset locks its row first, as a dataset delete does
            hold_dataset_named(session, request.path_params["name"])
        yield session


_DATASET_PATH = "/datasets/{name}"


# scope="function": the transaction commits when the endpoint returns, before the
# response is sent, so a client never sees an acknowledgement of uncommitted work.
ReadSession = Annotated[Session, Depends(_read_session, scope="function")]
WriteSession = Annotated[Session, Depends(_write_session, scope="function")]


def _current_user(request: Request) -> User:
    with session_scope(request.app.state.engine) as session:
        return authenticate(request, session)


def authenticate(request: Request, session: Session) -> User:
    """The user behind the request's bearer token or session cookie (401/403 otherwise)."""
    token, kind = credentials(request)
    return accept_caller(request, user_for_token(session, token, kind=kind), kind)


def credentials(request: Request) -> tuple[str, str]:
    """``(token, kind)`` the request presents: a bearer token (``api``) or the session
    cookie (``session``); 401 when it presents neither or a malformed header."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "expected 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})
        return token.strip(), "api"
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise HTTPException(401, "authentication required: send 'Authorization: Bearer "
                            "<token>' or log in", headers={"WWW-Authenticate": "Bearer"})
    return cookie, "session"


def accept_caller(request: Request, user: User | None, kind: str) -> User:
    """``user`` (looked up from :func:`credentials`) or 401; for a session cookie on an
    unsafe method, the CSRF double-submit check (403)."""
    if kind == "api":
        if user is None:
            raise HTTPException(401, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return user
    if user is None:
        raise HTTPException(401, "session expired; log in again")
    if request.method not in _SAFE:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            raise HTTPException(403, "CSRF check failed: send the accord_csrf cookie's value "
                                "in the X-CSRF-Token header")
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def _admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden(f"this needs the admin role; {user.name!r} is {user.role}")
    return user


AdminUser = Annotated[User, Depends(_admin)]


@dataclass
class DatasetCtx:
    """A dataset the current user may act on, with its parsed settings."""

    dataset: Dataset
    settings: Settings
    user: User

    @property
    def can_review(self) -> bool:
        return ROLE_RANK[self.user.role] >= ROLE_RANK["reviewer"]


def check_dataset_access(session: Session, name: str, user: User, min_role: str) -> DatasetCtx:
    """The dataset (detached, see :func:`accord.store.access.dataset_for_user`) if ``user``
    may act on it with at least ``min_role``; 404 / 403 otherwise."""
    return _checked_access(name, user, min_role, *dataset_for_user(session, name, user.id))


def _checked_access(name: str, user: User, min_role: str, ds: Dataset, settings: Settings,
                    member: bool) -> DatasetCtx:
    if user.role != "admin" and not member:
        raise Forbidden(f"{user.name!r} is not a member of dataset {name!r}")
    if ROLE_RANK[user.role] < ROLE_RANK[min_role]:
        raise Forbidden(f"this needs the {min_role} role; {user.name!r} is {user.role}")
    return DatasetCtx(ds, settings, user)


def _dataset_access(min_role: str):  # type: ignore[no-untyped-def]
    def dependency(name: str, user: CurrentUser, session: ReadSession) -> DatasetCtx:
        return check_dataset_access(session, name, user, min_role)

    return dependency


@dataclass
class AnnotatorWork:
    """The hot path's one transaction: auth, dataset access and the work share it."""

    ctx: DatasetCtx
    session: Session


async def run_annotator_work(request: Request, name: str,
                             work: Callable[[AnnotatorWork], T]) -> T:
    """Run auth, dataset access, ``work`` and the commit in ONE call: on the event loop
    (SQLite, when the write can start at once), else in one worker-thread call.

    FastAPI runs a sync dependency's entry, the endpoint and the dependency's
    exit as separate thread-pool calls; a transaction held across those hops
    parks a connection (PostgreSQL) or the write lock (SQLite) while the
    request waits for its next thread, which starved the pools under load
    (docs/reliability.md, bugs 1 and 1b) and costs a GIL hand-over per hop.
    Here the whole unit of work is one call: a transaction never waits for a
    thread, and the commit happens before the response is sent.
    """
    engine = request.app.state.engine

    def body(session: Session) -> T:
        token, kind = credentials(request)
        # the caller and the dataset in one statement (accord.store.access)
        # on PostgreSQL it also takes the dataset's key-share lock, which hold_dataset
        # below then finds held
        found, access = caller_with_dataset(session, token, name, kind=kind, hold=True)
        user = accept_caller(request, found, kind)
        ctx = _checked_access(name, user, "annotator", *access())
        hold_dataset(session, ctx.dataset)  # lock order as a dataset delete's
        return work(AnnotatorWork(ctx, session))

    # SQLite: run on the event loop when the write can start at once. The unit is a
    # few index seeks (~1.5 ms); a thread hand-over (and the GIL ping-pong around it)
    # cost about a third of the server's CPU per next + submit cycle. Waiting is never
    # done here: a held lock (another process, a long import) sends the work to a thread.
    out = write_now(engine, body)
    if out is not NOT_NOW:
        return out  # type: ignore[return-value]

    return await run_in_unit_thread(write_unit, engine, body)


dataset_reader = _dataset_access("annotator")
dataset_annotator = _dataset_access("annotator")
dataset_reviewer = _dataset_access("reviewer")
dataset_admin = _dataset_access("admin")
