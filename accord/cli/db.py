"""``accord db upgrade | current``."""

from __future__ import annotations

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["app"]

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Upgrade the database schema to the latest revision."""
    from accord.store.migrate import current_revision, head_revision
    from accord.store.migrate import upgrade as _upgrade

    engine = open_store(db, migrate=False)
    before = current_revision(engine)
    _upgrade(engine)
    console.print(f"database at revision {head_revision()} (was {before or 'empty'})",
                  markup=False)


@app.command("current")
def current(db: DbOption = None) -> None:
    """Print the database's schema revision."""
    from accord.store.migrate import current_revision

    engine = open_store(db, migrate=False)
    console.print(current_revision(engine) or "empty", markup=False)
