"""Opening the store from the CLI: ``--db`` / ``$ACCORD_DB``, schema created on first use."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from accord.errors import AccordError, InputError

__all__ = ["DbOption", "open_store", "close_stores"]

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="ACCORD_DB", help="Database URL (default sqlite:///accord.db).",
    show_envvar=True)]


# every engine a command opened; accord.cli.main disposes them when the command ends
_opened: list[Engine] = []


def close_stores() -> None:
    """Dispose every engine :func:`open_store` made (the command's connections close)."""
    while _opened:
        _opened.pop().dispose()


def open_store(db: str | None, *, migrate: bool = True) -> Engine:
    """Engine for ``db``; an empty database gets the schema, an outdated one an error.

    Raises
    ------
    InputError
        When the database cannot be opened or is behind the code's schema.
    """
    from accord.store.engine import make_engine
    from accord.store.migrate import current_revision, head_revision, upgrade

    engine = make_engine(db)
    shown = engine.url.render_as_string(hide_password=True)
    _opened.append(engine)  # closed by close_stores when the command ends, however it ends
    try:
        current = current_revision(engine)
        if migrate and current is None:
            upgrade(engine)
        elif migrate and current != head_revision():
            raise InputError(f"database schema is at revision {current}, this accord needs "
                             f"{head_revision()}: run 'accord db upgrade' (back it up first)",
                             field="--db")
    except OperationalError as exc:
        engine.dispose()
        raise InputError(f"cannot open database {shown!r}: {exc.orig}", field="--db") from None
    except AccordError:
        engine.dispose()
        raise
    except Exception as exc:  # driver-level connection errors (psycopg)
        engine.dispose()
        raise InputError(f"cannot open database {shown!r}: {exc}", field="--db") from None
    return engine
