"""``accord backup OUT`` and ``accord restore IN [--force]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, err_console
from accord.cli.store import DbOption

__all__ = ["register"]


def backup_command(
    out: Annotated[Path, typer.Argument(help="Backup file to write (replaced atomically).")],
    db: DbOption = None,
) -> None:
    """Back the database up to OUT while it stays in use.

    SQLite: an online, consistent copy (a SQLite file). PostgreSQL: pg_dump's
    custom format (restore with 'accord restore').
    """
    from accord.store.backup import backup_database
    from accord.store.engine import resolve_url

    url = resolve_url(db)
    shown = _shown(url)
    with err_console.status(f"backing up {shown}"):
        info = backup_database(url, out)
    console.print(info.line(shown), markup=False, highlight=False)


def restore_command(
    src: Annotated[Path, typer.Argument(metavar="IN", help="A file written by 'accord backup'.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a database that already holds data.")] = False,
    db: DbOption = None,
) -> None:
    """Restore a backup into the database (an empty one unless --force).

    Stop 'accord serve' first: a restore replaces everything under it.
    """
    from accord.store.backup import restore_database
    from accord.store.engine import resolve_url
    from accord.store.migrate import head_revision

    url = resolve_url(db)
    shown = _shown(url)
    with err_console.status(f"restoring into {shown}"):
        info = restore_database(url, src, force=force)
    console.print(info.line(shown, restored=True), markup=False, highlight=False)
    if info.revision != head_revision():
        console.print(f"the backup's schema is older than this accord's ({head_revision()}): "
                      "run 'accord db upgrade'", markup=False)


def _shown(url: str) -> str:
    """The URL without its password (malformed URLs are reported by make_engine)."""
    from accord.store.engine import make_engine

    engine = make_engine(url)
    try:
        return engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()


def register(root: typer.Typer) -> None:
    root.command("backup")(backup_command)
    root.command("restore")(restore_command)
