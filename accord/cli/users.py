"""``accord user create`` and ``accord token create``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["user_app", "token_app"]

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


@user_app.command("create")
def create_user(
    name: str,
    role: Annotated[str, typer.Option("--role", help="admin, reviewer or annotator.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin.")] = False,
    no_password: Annotated[bool, typer.Option("--no-password",
                                              help="API-token-only user.")] = False,
    db: DbOption = None,
) -> None:
    """Create a user (password from a prompt or --password-stdin)."""
    from accord.store.engine import write_scope
    from accord.store.users import check_password_policy, create_user as _create

    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not no_password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
        check_password_policy(password, name=name)
    engine = open_store(db)
    with write_scope(engine) as session:
        user = _create(session, name, role, password)
        console.print(f"created {user.role} {user.name!r}", markup=False)


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
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    db: DbOption = None,
) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    from accord.store.engine import write_scope
    from accord.store.users import create_token as _create, get_user

    engine = open_store(db)
    with write_scope(engine) as session:
        user = get_user(session, name)
        token = _create(session, user, name=label)
    print(f"token for {name} (shown once; store it safely):", file=sys.stderr)
    print(token)
