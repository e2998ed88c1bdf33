"""Databases at the head schema without running the migrations for every test.

The migrations run once per test session into a template (a SQLite file; a PostgreSQL
database); each test that wants a migrated database gets a copy of it: a file copy for
SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL. The migrations themselves are
still tested from an empty database (tests/store/test_store.py, tests/reliability).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from accord.store import make_engine, upgrade
from accord.store.migrate import current_revision

__all__ = ["migrated"]

_sqlite_template: Path | None = None


def _sqlite_template_file() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        path = Path(tempfile.mkdtemp(prefix="accord-template-")) / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        _sqlite_template = path
    return _sqlite_template


def _is_empty_sqlite(path: Path) -> bool:
    return not path.exists() or path.stat().st_size == 0


def migrated(db_url: str) -> str:
    """Bring the fresh, empty database at ``db_url`` to the head schema; returns ``db_url``.

    A database that already holds tables is upgraded the ordinary way.
    """
    from tests.pg import PostgresServer

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        target = Path(url.database)
        if _is_empty_sqlite(target):
            template = _sqlite_template_file()
            for suffix in ("", "-wal"):
                if Path(f"{template}{suffix}").exists():
                    shutil.copyfile(f"{template}{suffix}", f"{target}{suffix}")
            return db_url
    elif url.get_backend_name() == "postgresql" and url.port is not None:
        server = PostgresServer.running.get(url.port)
        if server is not None and _pg_is_empty(db_url):
            server.recreate_from_template(url.database or "")
            return db_url
    engine = make_engine(db_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return db_url


def _pg_is_empty(db_url: str) -> bool:
    engine = make_engine(db_url)
    try:
        return current_revision(engine) is None
    finally:
        engine.dispose()
