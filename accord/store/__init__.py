"""Storage: SQLAlchemy models, engines, migrations and the only SQL in accord."""

from accord.store.engine import (
    DEFAULT_URL,
    check_connection,
    make_engine,
    resolve_url,
    session_scope,
    write_scope,
)
from accord.store.migrate import upgrade

__all__ = ["DEFAULT_URL", "check_connection", "make_engine", "resolve_url", "session_scope",
           "write_scope", "upgrade"]
