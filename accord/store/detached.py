"""Rows loaded with one Core statement into detached model objects.

The annotator loop reads a handful of rows per request (the caller, a record,
a response). Loading them through the ORM's identity map costs several times
the query itself; these loaders run a prebuilt ``SELECT`` and build a
detached instance carrying every column, which the caller reads but never
flushes (changes go through explicit UPDATE statements in ``accord.store``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import Session

from accord.store.direct import run
from accord.store.models import Base, Record, Response, User

__all__ = ["columns_of", "detached", "load_record", "load_response", "load_user",
           "RESPONSE_COLUMNS", "RESPONSE_KEYS"]

M = TypeVar("M", bound=Base)


def columns_of(model: type[Base]) -> tuple[list[Any], list[str]]:
    """The model's columns labelled by attribute name (``meta`` for column ``metadata``)."""
    props = inspect(model).column_attrs
    return [p.columns[0].label(p.key) for p in props], [p.key for p in props]


def detached(model: type[M], keys: list[str], row: Any) -> M:
    """A ``model`` instance (transient, no session) from a row selected with :func:`columns_of`.

    The values go straight into the instance's ``__dict__`` as loaded state, as the
    ORM's own loader does: the constructor would fire one attribute event per column
    (a tenth of the annotator loop's CPU). Unlisted attributes read as None.
    """
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(zip(keys, row, strict=False))
    return obj


def _by(model: type[Base], *where: Any) -> tuple[Select[Any], list[str]]:
    cols, keys = columns_of(model)
    return select(*cols).where(*where), keys


_RECORD, _RECORD_KEYS = _by(Record, Record.id == bindparam("id"))
_RESPONSE, _RESPONSE_KEYS = _by(Response, Response.record_id == bindparam("rid"),
                                Response.user_id == bindparam("uid"))
RESPONSE_COLUMNS, RESPONSE_KEYS = columns_of(Response)
_RESPONSE_LOCKED = _RESPONSE.with_for_update()
USER_COLUMNS, USER_KEYS = columns_of(User)


def load_record(session: Session, record_id: int) -> Record | None:
    row = run(session, _RECORD, {"id": record_id}).first()
    return None if row is None else detached(Record, _RECORD_KEYS, row)


def load_response(session: Session, record_id: int, user_id: int, *,
                  for_update: bool = False) -> Response | None:
    """The user's response to the record; ``for_update`` locks it on PostgreSQL (SQLite
    serializes writers already)."""
    stmt = _RESPONSE_LOCKED if for_update and session.get_bind().dialect.name == "postgresql" \
        else _RESPONSE
    row = run(session, stmt, {"rid": record_id, "uid": user_id}).first()
    return None if row is None else detached(Response, _RESPONSE_KEYS, row)


def load_user(row: Any, offset: int = 0) -> User:
    """A detached user from ``row[offset:]`` selected with :data:`USER_COLUMNS`."""
    return detached(User, USER_KEYS, row[offset:offset + len(USER_KEYS)])
