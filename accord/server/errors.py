"""One JSON error shape for every failure.

```json
{"error": {"type": "input_error", "message": "...", "field": "intent", "line": null}}
```

Status codes: 4xx for anything the request got wrong (422 ``input_error`` names
the field); 503 ``unavailable`` with ``Retry-After`` while the database is busy,
restarting or unreachable (:func:`database_error_response`); 500 ``internal``
with a ``request_id`` (the server log has the traceback under it) for a bug,
sent by :class:`accord.server.internal_errors.InternalErrors`, which also keeps
the connection open.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from accord.errors import AccordError, Conflict, Forbidden, InputError, NotFound, SettingsError

__all__ = ["install_error_handlers", "error_body", "error_response", "ERROR_RESPONSES",
           "ErrorResponse", "busy_reason", "unavailable_reason", "database_error_response",
           "RETRY_AFTER_SECONDS"]

_STATUS = [(InputError, 422, "input_error"), (SettingsError, 422, "settings_error"),
           (NotFound, 404, "not_found"), (Conflict, 409, "conflict"),
           (Forbidden, 403, "forbidden")]

_HTTP_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large",
               422: "input_error", 429: "rate_limited", 503: "unavailable"}


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **extra}}


class _ErrorJSON(JSONResponse):
    """Error bodies are ASCII JSON: a message quoting a client's bad text (a lone
    surrogate) can always be encoded."""

    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_response(status: int, kind: str, message: str, *,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """The one error shape as a response."""
    return _ErrorJSON(error_body(kind, message, **extra), status_code=status, headers=headers)


class ErrorProblem(BaseModel):
    path: str
    message: str
    line: int | None = Field(default=None, description="the path's line in the submitted "
                             "YAML/JSON text, when the settings came as text")


class ErrorInfo(BaseModel):
    """What went wrong: ``type`` is machine-readable, ``message`` names the field and
    what was expected."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="input_error, settings_error, unauthorized, forbidden, "
                                  "not_found, conflict, too_large, rate_limited, unavailable, "
                                  "...")
    message: str
    field: str | None = Field(default=None, description="the offending field (input_error)")
    line: int | None = Field(default=None, description="line of an uploaded file (input_error)")
    problems: list[ErrorProblem] | None = Field(default=None,
                                                description="every problem (settings_error)")
    reason: str | None = Field(default=None, description="why the write policy refused "
                               "(forbidden, conflict): paused, needs_guidelines_ack, training, "
                               "qualification, quota_reached, outside_assignment, "
                               "leased_to_other, not_handed_out, stale_version, ... "
                               "(docs/api.md)")
    request_id: str | None = Field(default=None, description="internal: the server log's "
                                                             "key for this failure")


class ErrorResponse(BaseModel):
    """The one error shape of the API."""

    error: ErrorInfo


# Documented on every /api/v1 operation (app.py), so /openapi.json describes the real
# error body instead of FastAPI's default {"detail": [...]}.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text} for code, text in [
        (400, "Bad request"), (401, "Not authenticated (missing, invalid, expired or revoked "
                               "token)"),
        (403, "Forbidden (role, membership or CSRF)"), (404, "Not found"),
        (409, "Conflict (stale version, duplicate)"),
        (413, "Request body larger than the server's cap"),
        (422, "Invalid input: names the field and what was expected"),
        (429, "Too many failed logins (Retry-After)"),
        (503, "Database busy, restarting or unreachable (Retry-After)")]}


RETRY_AFTER_SECONDS = 2
# PostgreSQL SQLSTATEs that mean "contention, try again": serialization failure,
# deadlock, lock_timeout, statement_timeout / cancelled.
_PG_BUSY = {"40001": "serialization failure", "40P01": "deadlock", "55P03": "lock timeout",
            "57014": "statement timeout"}


def _driver_error(exc: BaseException) -> BaseException | None:
    """The DBAPI driver's exception inside ``exc`` (SQLAlchemy wraps it), else None."""
    if isinstance(exc, DBAPIError):
        return exc.orig
    module = type(exc).__module__
    if module == "sqlite3" or module.startswith("psycopg"):
        return exc  # raised by a raw driver cursor in accord/store
    return None


def busy_reason(exc: BaseException) -> str | None:
    """Why ``exc`` is a transient lock/contention failure, or None when it is not one.

    SQLite: "database is locked"/"busy" after the busy timeout; PostgreSQL: the
    SQLSTATEs in ``_PG_BUSY``.
    """
    orig = _driver_error(exc)
    if orig is None:
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_BUSY:
        return _PG_BUSY[sqlstate]
    if type(orig).__module__ == "sqlite3":
        text = str(orig).lower()
        if "locked" in text or "busy" in text:
            return "database is locked"
    return None


# PostgreSQL SQLSTATE classes/codes that mean "the server is not there right now":
# connection exceptions (08), shutdown and crash recovery (57P01-57P03), out of
# resources (53: too many connections, disk full).
_PG_GONE = ("08", "57P01", "57P02", "57P03", "53")
_SQLITE_GONE = ("unable to open database", "disk i/o error", "database or disk is full")


def unavailable_reason(exc: BaseException) -> str | None:
    """Why ``exc`` means "the database cannot serve now, retry later", or None.

    Busy (:func:`busy_reason`), restarting, unreachable, out of connections: the
    request was fine and the same request can succeed later.
    """
    if isinstance(exc, PoolTimeout):
        return "every database connection is in use"
    busy = busy_reason(exc)
    if busy is not None:
        return f"the database is busy ({busy})"
    orig = _driver_error(exc)
    if orig is None:
        return None
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "the connection to the database was lost"
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate.startswith(_PG_GONE):
        return "the database is restarting or unreachable"
    module = type(orig).__module__
    if module.startswith("psycopg") and not sqlstate and type(orig).__name__ in (
            "OperationalError", "InterfaceError"):
        return "the database is unreachable"  # connection refused, closed, reset
    if module == "sqlite3" and type(orig).__name__ == "OperationalError":
        text = str(orig).lower()
        if any(part in text for part in _SQLITE_GONE):
            return "the database file cannot be used now"
    return None


def database_error_response(exc: BaseException) -> JSONResponse | None:
    """The reply to a database failure that is not a bug: 422 for a number the database
    cannot hold, 503 ``unavailable`` with ``Retry-After`` for a busy, restarting or
    unreachable database; None for anything else (a real failure: 500)."""
    if isinstance(exc, DataError) and "out of range" in str(exc.orig):
        # e.g. PostgreSQL "bigint out of range" for an id no record can have
        return error_response(422, "input_error", "a number in the request is out of range "
                              "for the database", field=None, line=None)
    reason = unavailable_reason(exc)
    if reason is None:
        return None
    return error_response(503, "unavailable", f"{reason}; retry in {RETRY_AFTER_SECONDS} s",
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AccordError)
    async def _accord(_: Request, exc: AccordError) -> JSONResponse:
        status, kind = next(((s, k) for cls, s, k in _STATUS if isinstance(exc, cls)),
                            (400, "error"))
        extra: dict[str, Any] = {}
        if isinstance(exc, InputError):
            extra = {"field": exc.field, "line": exc.line}
            message = exc.message if exc.path is None else str(exc)
        elif isinstance(exc, SettingsError):
            extra = {"problems": [{"path": p, "message": m} if p not in exc.lines else
                                  {"path": p, "message": m, "line": exc.lines[p]}
                                  for p, m in exc.problems]}
            message = str(exc)
        else:
            message = str(exc)
            reason = getattr(exc, "reason", None)
            if reason is not None:  # the write policy's reason code (docs/api.md)
                extra = {"reason": reason}
        return error_response(status, kind, message, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        field = _loc(tuple(first.get("loc", ())))
        message = f"{field}: {first['msg']}" if field else str(first["msg"])
        return error_response(422, "input_error", message, field=field or None, line=None)

    async def _database(_: Request, exc: Exception) -> JSONResponse:
        response = database_error_response(exc)
        if response is None:
            raise exc  # a real failure: InternalErrors logs it and answers a JSON 500
        return response

    for cls in (DBAPIError, PoolTimeout):
        app.add_exception_handler(cls, _database)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        # an integer parameter too large for the database's 64-bit integers (the driver
        # refuses to bind it): the request is wrong, not the server
        return error_response(422, "input_error", "a number in the request is out of range: "
                              f"{exc}", field=None, line=None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = _HTTP_TYPES.get(exc.status_code, "error")
        return error_response(exc.status_code, kind, str(exc.detail),
                              headers=getattr(exc, "headers", None))
