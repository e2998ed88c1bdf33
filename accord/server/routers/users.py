"""Users and API tokens (admin only)."""

from __future__ import annotations

from fastapi import APIRouter

from accord.server.deps import AdminUser, ReadSession, WriteSession
from accord.server.schemas import TokenCreated, UserCreate, UserPublic, UserUpdate
from accord.store.audit import record_event
from accord.store.users import (
    ROLES, check_password_policy, create_token, create_user, get_user, list_users, set_password,
    set_user_attributes,
)

router = APIRouter(tags=["users"])


@router.get("/users", response_model=list[UserPublic])
def users(_: AdminUser, session: ReadSession) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in list_users(session)]


@router.post("/users", response_model=UserPublic, status_code=201)
def add_user(body: UserCreate, admin: AdminUser, session: WriteSession) -> UserPublic:
    user = create_user(session, body.name, body.role, body.password)
    if body.attributes:
        set_user_attributes(session, user, body.attributes)
    record_event(session, "user.create", "user", user.id, user_id=admin.id,
                 details={"name": user.name, "role": user.role})
    return UserPublic.model_validate(user)


@router.patch("/users/{name}", response_model=UserPublic)
def update_user(name: str, body: UserUpdate, admin: AdminUser,
                session: WriteSession) -> UserPublic:
    user = get_user(session, name)
    changes: dict[str, object] = {}
    if body.role is not None and body.role in ROLES:
        user.role = body.role
        changes["role"] = body.role
    if body.active is not None:
        user.active = body.active
        changes["active"] = body.active
    if body.password is not None:
        check_password_policy(body.password, name=user.name)
        set_password(session, user, body.password)
        changes["password"] = "changed"
    if body.attributes is not None:
        changes["attributes"] = set_user_attributes(session, user, body.attributes)
    record_event(session, "user.update", "user", user.id, user_id=admin.id, details=changes)
    session.flush()
    return UserPublic.model_validate(user)


@router.post("/users/{name}/tokens", response_model=TokenCreated, status_code=201)
def new_token(name: str, admin: AdminUser, session: WriteSession,
              label: str = "") -> TokenCreated:
    """Create an API token for a user; the response is the only time it is visible."""
    user = get_user(session, name)
    token = create_token(session, user, name=label)
    record_event(session, "token.create", "user", user.id, user_id=admin.id,
                 details={"label": label})
    return TokenCreated(token=token, user=user.name, label=label)
