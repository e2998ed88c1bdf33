"""Users, argon2 password hashes and API tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from accord.errors import Conflict, InputError, NotFound
from accord.store.models import ApiToken, User, utcnow

__all__ = ["ROLES", "create_user", "get_user", "list_users", "set_password", "verify_password",
           "check_password_policy", "create_token", "user_for_token", "revoke_token",
           "hash_token", "TOKEN_PREFIX", "set_user_attributes"]

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


def create_user(session: Session, name: str, role: str, password: str | None = None) -> User:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                         field="role")
    if not name or len(name) > 128 or name.strip() != name:
        raise InputError(f"invalid user name {name!r}: 1-128 characters, no surrounding spaces",
                         field="name")
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(name=name, role=role)
    if password is not None:
        check_password_policy(password, name=name)
        user.password_hash = _hasher.hash(password)
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


def set_password(session: Session, user: User, password: str) -> None:
    check_password_policy(password, name=user.name)
    user.password_hash = _hasher.hash(password)
    session.flush()


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


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash or not user.active:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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


_BY_TOKEN = (select(User, ApiToken.kind, ApiToken.revoked, ApiToken.expires_at)
             .join(ApiToken, ApiToken.user_id == User.id)
             .where(ApiToken.token_hash == bindparam("h")))


def user_for_token(session: Session, token: str, *, kind: str | None = None) -> User | None:
    """The active user owning a live token (one indexed query), else None."""
    row = session.execute(_BY_TOKEN, {"h": hash_token(token)}).first()
    if row is None:
        return None
    user, token_kind, revoked, expires_at = row
    if revoked or (kind is not None and token_kind != kind) or not user.active:
        return None
    if expires_at is not None:
        exp = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=utcnow().tzinfo)
        if exp < utcnow():
            return None
    return user


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None:
        row.revoked = True
        session.flush()
