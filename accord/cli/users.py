"""``accord user create/set/list`` and ``accord token create/list/revoke``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["user_app", "token_app", "parse_attrs"]

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)

AttrOption = Annotated[list[str] | None, typer.Option(
    "--attr", help="Annotator attribute KEY=VALUE (repeatable); a comma makes a list "
    "(languages=en,fr or expertise=law,), an empty VALUE removes the key.")]


def parse_attrs(items: list[str] | None) -> dict[str, object]:
    """``["languages=en,fr", "locale=en-GB", "x="]`` -> ``{"languages": ["en", "fr"],
    "locale": "en-GB", "x": None}``.

    >>> parse_attrs(["languages=en,fr", "expertise=law,", "locale=en-GB", "old="])
    {'languages': ['en', 'fr'], 'expertise': ['law'], 'locale': 'en-GB', 'old': None}
    """
    from accord.errors import InputError

    out: dict[str, object] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"expected KEY=VALUE, got {item!r}", field="--attr")
        if value == "":
            out[key] = None
        elif "," in value:
            out[key] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            out[key] = value.strip()
    return out


@user_app.command("create")
def create_user(
    name: str,
    role: Annotated[str, typer.Option("--role", help="admin, reviewer or annotator.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin.")] = False,
    no_password: Annotated[bool, typer.Option("--no-password",
                                              help="API-token-only user.")] = False,
    attr: AttrOption = None,
    db: DbOption = None,
) -> None:
    """Create a user (password from a prompt or --password-stdin)."""
    from accord.store.engine import write_scope
    from accord.store.users import check_user_name, hash_password, set_user_attributes
    from accord.store.users import create_user as _create

    attributes = parse_attrs(attr)
    check_user_name(name)  # before asking for a password
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not no_password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    new_hash = hash_password(password, name=name) if password is not None else None
    engine = open_store(db)
    with write_scope(engine) as session:
        user = _create(session, name, role, password_hash=new_hash)
        if attributes:
            set_user_attributes(session, user, attributes)
        console.print(f"created {user.role} {user.name!r}", markup=False)


@user_app.command("set")
def set_user(
    name: str,
    attr: AttrOption = None,
    role: Annotated[str | None, typer.Option("--role", help="New role.")] = None,
    password: Annotated[bool, typer.Option(
        "--password", help="Set a new password (prompted); revokes the user's sessions and "
                           "API tokens.")] = False,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Like --password, reading it from stdin.")] = False,
    active: Annotated[bool | None, typer.Option(
        "--active/--inactive", help="Reactivate or deactivate; deactivating revokes the "
                                    "user's sessions and API tokens.")] = None,
    db: DbOption = None,
) -> None:
    """Change a user's attributes (merged), role, password or active flag."""
    from accord.errors import InputError
    from accord.store.engine import write_scope
    from accord.store.users import (
        ROLES,
        get_user,
        hash_password,
        set_active,
        set_password,
        set_user_attributes,
    )

    attributes = parse_attrs(attr)
    if role is not None and role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                         field="--role")
    new_hash = None
    if password or password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n") if password_stdin else \
            typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        new_hash = hash_password(secret, name=name)  # before the write transaction
    engine = open_store(db)
    with write_scope(engine) as session:
        user = get_user(session, name)
        if role is not None:
            user.role = role
        revoked = 0
        if active is not None:
            revoked += set_active(session, user, active)
        if new_hash is not None:
            revoked += set_password(session, user, password_hash=new_hash)
        current = set_user_attributes(session, user, attributes) if attributes else \
            (user.attributes or {})
        state = "active" if user.active else "inactive"
        console.print(f"{user.name}: {user.role}, {state}, attributes {current}"
                      + (f"; {revoked} sessions/tokens revoked" if revoked else ""),
                      markup=False)


@user_app.command("list")
def list_users(db: DbOption = None) -> None:
    """List users and roles."""
    from rich.table import Table

    from accord.store.engine import session_scope
    from accord.store.users import list_users as _list

    engine = open_store(db)
    table = Table("name", "role", "active", "created")
    with session_scope(engine) as session:
        for u in _list(session):
            table.add_row(u.name, u.role, "yes" if u.active else "no",
                          u.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@token_app.command("create")
def create_token(
    name: Annotated[str, typer.Argument(help="User name.")],
    label: Annotated[str, typer.Option("--name", "--label", help="What the token is for.")] = "",
    expires_in: Annotated[str | None, typer.Option(
        "--expires-in", help="Lifetime, e.g. 30d, 12h, 90m, 2w (default: no expiry).")] = None,
    db: DbOption = None,
) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    from accord.store.engine import write_scope
    from accord.store.models import utcnow
    from accord.store.users import create_token as _create
    from accord.store.users import get_user, parse_duration

    expires_at = utcnow() + parse_duration(expires_in) if expires_in else None
    engine = open_store(db)
    with write_scope(engine) as session:
        user = get_user(session, name)
        token = _create(session, user, name=label, expires_at=expires_at)
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    print(f"token {token[:8]} for {name}{until} (shown once; store it safely):",
          file=sys.stderr)
    print(token)


def _when(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@token_app.command("list")
def list_tokens(name: Annotated[str, typer.Argument(help="User name.")],
                db: DbOption = None) -> None:
    """A user's API tokens: id, prefix, name, created, last used, expires, revoked
    (never the token)."""
    from rich.table import Table

    from accord.store.engine import session_scope
    from accord.store.models import utcnow
    from accord.store.users import get_user
    from accord.store.users import list_tokens as _list

    engine = open_store(db)
    table = Table("id", "prefix", "name", "created", "last used", "expires", "status")
    now = utcnow()
    with session_scope(engine) as session:
        for t in _list(session, get_user(session, name)):
            status = "revoked" if t.revoked else \
                "expired" if t.expires_at is not None and t.expires_at <= now else "active"
            table.add_row(str(t.id), t.prefix, t.name, _when(t.created_at),
                          _when(t.last_used_at), _when(t.expires_at), status)
    console.print(table)


@token_app.command("revoke")
def revoke_token(name: Annotated[str, typer.Argument(help="User name.")],
                 token: Annotated[str, typer.Argument(
                     help="The token's id or prefix (from `accord token list`).")],
                 db: DbOption = None) -> None:
    """Revoke one of a user's API tokens; it stops working at once."""
    from accord.store.audit import record_event
    from accord.store.engine import write_scope
    from accord.store.users import find_token, get_user, revoke_token_row

    engine = open_store(db)
    with write_scope(engine) as session:
        user = get_user(session, name)
        row = find_token(session, user, token)
        revoke_token_row(session, row)
        record_event(session, "token.revoke", "user", user.id,
                     details={"token_id": row.id, "prefix": row.prefix, "via": "cli"})
        console.print(f"revoked token {row.id} ({row.prefix}) of {user.name}", markup=False)
