"""Users (admin only) and API tokens (admin or the token's owner)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from accord.errors import Forbidden
from accord.server.checked_route import CheckedRoute
from accord.server.deps import AdminUser, CurrentUser, ReadSession, WriteSession
from accord.server.schemas import TokenCreated, TokenPublic, UserCreate, UserPublic, UserUpdate
from accord.store.audit import record_event
from accord.store.engine import write_scope
from accord.store.models import ApiToken, User, utcnow
from accord.store.users import (
    ROLES,
    check_user_name,
    create_token,
    create_user,
    get_token,
    get_user,
    hash_password,
    hash_token,
    list_tokens,
    list_users,
    parse_duration,
    revoke_token_row,
    set_active,
    set_password,
    set_user_attributes,
)

router = APIRouter(tags=["users"], route_class=CheckedRoute)


@router.get("/users", response_model=list[UserPublic])
def users(_: AdminUser, session: ReadSession) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in list_users(session)]


@router.post("/users", response_model=UserPublic, status_code=201)
def add_user(body: UserCreate, admin: AdminUser, request: Request) -> UserPublic:
    check_user_name(body.name)
    # argon2 before the write transaction: hashing never holds the write lock
    new_hash = hash_password(body.password, name=body.name) if body.password is not None \
        else None
    with write_scope(request.app.state.engine) as session:
        user = create_user(session, body.name, body.role, password_hash=new_hash)
        if body.attributes:
            set_user_attributes(session, user, body.attributes)
        record_event(session, "user.create", "user", user.id, user_id=admin.id,
                     details={"name": user.name, "role": user.role})
        return UserPublic.model_validate(user)


@router.patch("/users/{name}", response_model=UserPublic)
def update_user(name: str, body: UserUpdate, admin: AdminUser, request: Request) -> UserPublic:
    """Change a user's role, active flag, password or attributes (admin). A new password
    or deactivation revokes the user's sessions and API tokens; reactivation revives
    none of them."""
    new_hash = hash_password(body.password, name=name) if body.password is not None else None
    with write_scope(request.app.state.engine) as session:
        user = get_user(session, name)
        changes: dict[str, object] = {}
        if body.role is not None and body.role in ROLES:
            user.role = body.role
            changes["role"] = body.role
        revoked = 0
        if body.active is not None:
            revoked += set_active(session, user, body.active)
            changes["active"] = body.active
        if new_hash is not None:
            revoked += set_password(session, user, password_hash=new_hash)
            changes["password"] = "changed"
        if body.attributes is not None:
            changes["attributes"] = set_user_attributes(session, user, body.attributes)
        if revoked:
            changes["revoked_credentials"] = revoked
        record_event(session, "user.update", "user", user.id, user_id=admin.id, details=changes)
        session.flush()
        return UserPublic.model_validate(user)


def _owner_or_admin(current: User, owner_id: int, what: str) -> None:
    if current.role != "admin" and current.id != owner_id:
        raise Forbidden(f"only an admin or the owner may {what}")


@router.get("/users/{name}/tokens", response_model=list[TokenPublic])
def tokens(name: str, current: CurrentUser, session: ReadSession) -> list[TokenPublic]:
    """A user's API tokens (admin or the user): prefix, label, dates, revoked; never the
    token itself."""
    user = get_user(session, name)
    _owner_or_admin(current, user.id, "list these tokens")
    return [TokenPublic.model_validate(t) for t in list_tokens(session, user)]


@router.post("/users/{name}/tokens", response_model=TokenCreated, status_code=201)
def new_token(name: str, current: CurrentUser, session: WriteSession,
              label: Annotated[str, Query(max_length=128)] = "",
              expires_in: Annotated[str | None, Query(
                  max_length=16, description="lifetime, e.g. 30d, 12h, 90m; none: no expiry")]
              = None) -> TokenCreated:
    """Create an API token for a user (admin or the user); the response is the only time
    the token is visible."""
    user = get_user(session, name)
    _owner_or_admin(current, user.id, "create tokens for this user")
    expires_at = utcnow() + parse_duration(expires_in) if expires_in else None
    token = create_token(session, user, name=label, expires_at=expires_at)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    record_event(session, "token.create", "user", user.id, user_id=current.id,
                 details={"label": label, "token_id": row.id,
                          "expires_at": expires_at.isoformat() if expires_at else None})
    return TokenCreated(token=token, user=user.name, label=label, id=row.id, prefix=row.prefix,
                        expires_at=expires_at)


@router.delete("/tokens/{token_id}", status_code=204)
def delete_token(token_id: int, current: CurrentUser, session: WriteSession) -> None:
    """Revoke an API token (admin or its owner); it stops working at once."""
    row = get_token(session, token_id)
    _owner_or_admin(current, row.user_id, "revoke this token")
    revoke_token_row(session, row)
    record_event(session, "token.revoke", "user", row.user_id, user_id=current.id,
                 details={"token_id": row.id, "prefix": row.prefix})
