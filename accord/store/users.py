"""Users, argon2 password hashes and API tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from accord.errors import Conflict, Forbidden, InputError, NotFound
from accord.store.detached import USER_COLUMNS, load_user
from accord.store.direct import run
from accord.store.engine import nowait_write
from accord.store.models import ApiToken, User, utcnow

__all__ = ["ROLES", "create_user", "get_user", "list_users", "set_password", "verify_password",
           "check_password_policy", "check_user_name", "hash_password", "set_active",
           "user_name_taken", "revoke_credentials", "change_own_password",
           "verify_password_hash", "create_token", "user_for_token", "revoke_token",
           "hash_token", "TOKEN_PREFIX", "set_user_attributes", "list_tokens", "get_token",
           "find_token", "revoke_token_row", "parse_duration", "TOUCH_EVERY",
           "TOKEN_COLUMNS", "TOKEN_ROW_WIDTH", "user_from_token_row"]

ROLES = ("admin", "reviewer", "annotator")
TOKEN_PREFIX = "acc_"
_hasher = PasswordHasher()


def check_password_policy(password: str, *, name: str = "") -> None:
    """At least 8 characters, not the user name, not all one character."""
    if len(password) < 8:
        raise InputError("password must have at least 8 characters", field="password")
    if name and password.lower() == name.lower():
        raise InputError("password must differ from the user name", field="password")
    if len(set(password)) < 3:
        raise InputError("password is too simple (fewer than 3 distinct characters)",
                         field="password")


# text direction controls (which make a name read as another) and invisible spaces;
# other format characters stay allowed (ZWNJ/ZWJ are part of Persian and Indic names)
_INVISIBLE = frozenset("\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2060\u2066\u2067\u2068\u2069\ufeff")


def check_user_name(name: str, *, field: str = "name") -> None:
    """The one rule for user names (REST, UI, CLI and imported annotator names).

    1-128 characters, no surrounding spaces, none of ``/``, ``\\`` or ``..``, no
    control characters: a name is a path segment of ``/api/v1/users/{name}`` and may
    become a file name, so it cannot name another path. Uniqueness ignores case
    (:func:`create_user`, and a unique index on ``lower(name)``).

    >>> check_user_name("ann.lee")
    >>> check_user_name("../admin")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    accord.errors.InputError: field 'name': invalid user name '../admin': ...
    """
    problem = None
    if not isinstance(name, str) or not name or len(name) > 128:
        problem = "expected 1-128 characters"
    elif name.strip() != name:
        problem = "no spaces around it"
    elif "/" in name or "\\" in name or ".." in name or name == ".":
        problem = "no '/', '\\' or '..': a user name is not a path"
    elif any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _INVISIBLE for c in name):
        problem = "no control characters, line breaks, text direction overrides or " \
            "invisible spaces"
    if problem is not None:
        raise InputError(f"invalid user name {name!r}: {problem}", field=field)


def user_name_taken(session: Session, name: str) -> str | None:
    """The existing user name equal to ``name`` ignoring case, else None."""
    return session.scalar(select(User.name).where(func.lower(User.name) == func.lower(name)))


def create_user(session: Session, name: str, role: str, password: str | None = None, *,
                password_hash: str | None = None) -> User:
    """Create a user; ``password_hash`` (from :func:`hash_password`, computed before the
    write transaction) instead of ``password`` keeps argon2 out of the write lock."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                         field="role")
    check_user_name(name)
    taken = user_name_taken(session, name)
    if taken is not None:
        same = "" if taken == name else f" (as {taken!r}; names ignore case)"
        raise Conflict(f"user {name!r} already exists{same}")
    user = User(name=name, role=role)
    if password is not None and password_hash is None:
        password_hash = hash_password(password, name=name)
    user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, name_or_id: str | int) -> User:
    if isinstance(name_or_id, int):
        user = session.get(User, name_or_id)
    else:
        user = session.scalar(select(User).where(User.name == name_or_id))
    if user is None:
        raise NotFound(f"user {name_or_id!r} does not exist")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def hash_password(password: str, *, name: str = "") -> str:
    """The policy check and the argon2 hash: call it before opening a write transaction
    (hashing takes tens of milliseconds of CPU)."""
    check_password_policy(password, name=name)
    return _hasher.hash(password)


def revoke_credentials(session: Session, user: User, *, keep_token: str | None = None) -> int:
    """Revoke every live session and API token of ``user`` (but ``keep_token``, the
    session making the change); returns how many were revoked. Revoked stays revoked:
    reactivating the user revives none of them."""
    stmt = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
    if keep_token is not None:
        stmt = stmt.where(ApiToken.token_hash != hash_token(keep_token))
    return int(session.execute(stmt.values(revoked=True)).rowcount or 0)


def set_password(session: Session, user: User, password: str | None = None, *,
                 password_hash: str | None = None, keep_token: str | None = None) -> int:
    """Set a new password (or its precomputed :func:`hash_password`) and revoke the user's
    sessions and API tokens but ``keep_token``; returns how many were revoked."""
    if password_hash is None:
        if password is None:
            raise InputError("a new password is required", field="password")
        password_hash = hash_password(password, name=user.name)
    user.password_hash = password_hash
    session.flush()
    return revoke_credentials(session, user, keep_token=keep_token)


def change_own_password(session: Session, user: User, current_ok: bool, password_hash: str, *,
                        keep_token: str | None = None) -> int:
    """A user's own password change: ``current_ok`` is the result of
    :func:`verify_password_hash` on the current password (run outside the write lock)."""
    if not current_ok:
        raise Forbidden("the current password is wrong")
    return set_password(session, user, password_hash=password_hash, keep_token=keep_token)


def set_active(session: Session, user: User, active: bool) -> int:
    """Activate or deactivate a user; deactivating revokes their sessions and tokens (and
    reactivating revives none). Returns how many credentials were revoked."""
    user.active = active
    session.flush()
    return 0 if active else revoke_credentials(session, user)


def set_user_attributes(session: Session, user: User, attributes: dict[str, Any], *,
                        replace: bool = False) -> dict[str, Any]:
    """Merge (or with ``replace`` set) the user's annotator attributes; a None value drops a key.

    Attributes are free-form JSON scalars or lists of scalars, e.g. ``{"locale": "en-GB",
    "languages": ["en", "fr"], "expertise": ["medical"]}``.
    """
    current = {} if replace else dict(user.attributes or {})
    for key, value in attributes.items():
        if not isinstance(key, str) or not key or len(key) > 64:
            raise InputError(f"attribute name {key!r} must be 1-64 characters", field="attributes")
        if value is None:
            current.pop(key, None)
            continue
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, (str, int, float, bool)) for v in items):
            raise InputError(f"attribute {key!r}: expected a string, number, boolean or a list "
                             f"of them, got {value!r}", field=f"attributes.{key}")
        current[key] = value
    user.attributes = current
    session.flush()
    return current


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user does not exist, so a miss costs what a hit costs (made on
    first use: every CLI start imports this module)."""
    return _hasher.hash("no such user: the time of a miss is the time of a hit")


def verify_password(user: User, password: str) -> bool:
    if not user.active:
        return False
    return verify_password_hash(user.password_hash, password)


def verify_password_hash(password_hash: str | None, password: str) -> bool:
    """argon2 verification of ``password`` against a stored hash; a missing hash (no such
    user, or a token-only user) is verified against a dummy hash and fails, in the same
    time. CPU-bound: run it outside any transaction."""
    try:
        ok = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(ok) and password_hash is not None


def hash_token(token: str) -> str:
    """Tokens are 256-bit random strings, so one SHA-256 round is enough at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, *, name: str = "", kind: str = "api",
                 expires_at: datetime | None = None) -> str:
    """Create a token and return it in clear text (the only time it is visible)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:8],
                         name=name, kind=kind, expires_at=expires_at))
    session.flush()
    return token


# one Core statement; the user comes back detached (accord.store.detached): every
# request authenticates, and the ORM's loading machinery costs more than the query
_BY_TOKEN = (select(ApiToken.kind, ApiToken.revoked, ApiToken.expires_at, ApiToken.id,
                    ApiToken.last_used_at, *USER_COLUMNS)
             .join_from(ApiToken, User, ApiToken.user_id == User.id)
             .where(ApiToken.token_hash == bindparam("h")))
# last_used_at is written at most once per TOUCH_EVERY per token, so a busy token costs
# one small UPDATE a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)
_TOUCH = (update(ApiToken).where(ApiToken.id == bindparam("tid"),
                                 or_(ApiToken.last_used_at.is_(None),
                                     ApiToken.last_used_at < bindparam("cutoff")))
          .values(last_used_at=bindparam("now")))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def user_for_token(session: Session, token: str, *, kind: str | None = None) -> User | None:
    """The active user owning a live token (one indexed query), else None.

    Revoked and expired tokens, tokens of another kind and tokens of deactivated
    users give None. A live token's ``last_used_at`` is refreshed when it is older
    than :data:`TOUCH_EVERY` (see :func:`_touch`).
    """
    row = session.connection().execute(_BY_TOKEN, {"h": hash_token(token)}).first()
    return None if row is None else user_from_token_row(session, row, kind=kind)


TOKEN_ROW_WIDTH = 5 + len(USER_COLUMNS)
"""Columns of :data:`TOKEN_COLUMNS`: a query may select more after them."""
TOKEN_COLUMNS = list(_BY_TOKEN.selected_columns)


def user_from_token_row(session: Session, row: Any, *, kind: str | None = None) -> User | None:
    """:func:`user_for_token` from a row starting with :data:`TOKEN_COLUMNS` (for a query
    that fetches more in the same statement, see :mod:`accord.store.access`)."""
    token_kind, revoked, expires_at, token_id, last_used = row[:5]
    user = load_user(row, 5)
    if revoked or (kind is not None and token_kind != kind) or not user.active:
        return None
    now = utcnow()
    if expires_at is not None and _aware(expires_at) <= now:
        return None
    if last_used is None or _aware(last_used) < now - TOUCH_EVERY:
        _touch(session, token_id, now)
    return user


def _touch(session: Session, token_id: int, now: datetime) -> None:
    """Record a token's use without ever making a request wait for the write.

    PostgreSQL: in the request's own transaction (a row lock on the token; a second
    request of the same token re-checks the condition and skips). SQLite: in the
    request's transaction when it is already a write transaction, else in a short
    transaction of its own only if this process's write lock is free and the
    database is not locked by another process; otherwise the touch waits for a
    later request.
    """
    params = {"tid": token_id, "cutoff": now - TOUCH_EVERY, "now": now}
    engine = session.get_bind()
    if engine.dialect.name != "sqlite" or \
            session.connection().get_execution_options().get("accord_write"):
        run(session, _TOUCH, params)  # the loop's unit of work: no ORM session for it
        return
    with nowait_write(engine) as conn:  # type: ignore[arg-type]
        if conn is not None:
            conn.execute(_TOUCH, params)


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``2w`` or a number of seconds, as a timedelta."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", text or "")
    if match is None or int(match.group(1)) == 0:
        raise InputError(f"invalid duration {text!r}; expected e.g. 30d, 12h, 90m, 2w",
                         field="expires_in")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}[match.group(2)]
    seconds = int(match.group(1)) * unit
    if seconds > 10 * 366 * 86400:
        raise InputError(f"duration {text!r} is longer than 10 years", field="expires_in")
    return timedelta(seconds=seconds)


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's API tokens (not UI sessions), newest first, revoked ones included."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.kind == "api")
                                .order_by(ApiToken.id.desc())))


def get_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.kind != "api":
        raise NotFound(f"token {token_id} does not exist")
    return row


def find_token(session: Session, user: User, prefix_or_id: str) -> ApiToken:
    """One of ``user``'s API tokens by id or by its prefix (``acc_XXXX``)."""
    tokens = list_tokens(session, user)
    if prefix_or_id.isdigit():
        found = [t for t in tokens if t.id == int(prefix_or_id)]
    else:
        found = [t for t in tokens if t.prefix == prefix_or_id]
    if not found:
        raise NotFound(f"user {user.name!r} has no token {prefix_or_id!r} "
                       "(see `accord token list`)")
    if len(found) > 1:
        ids = ", ".join(str(t.id) for t in found)
        raise InputError(f"prefix {prefix_or_id!r} matches tokens {ids} of {user.name!r}; "
                         "give the id", field="token")
    return found[0]


def revoke_token_row(session: Session, token: ApiToken) -> None:
    token.revoked = True
    session.flush()


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None:
        row.revoked = True
        session.flush()
