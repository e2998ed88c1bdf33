"""Request bodies: nothing expensive before the caller is known, and caps per caller.

A pure ASGI middleware, the outermost layer of the app:

- a body of at most :data:`ANONYMOUS_BODY_BYTES` (64 KiB: a login, a submit, any
  small call) passes straight through, counted against that size;
- a larger declared body, or one without a ``Content-Length`` (chunked), is let
  in only after the caller is known: the bearer token or session cookie is looked
  up (accord.server.deps.credentials, accord.store.users.user_for_token) before a
  byte of the body is read. No valid credentials: 401 at once, the body unread
  (an anonymous 64 MiB body used to take the server from ~300 MiB to 1.4 GB before
  its 401, and an anonymous upload was spooled to disk first);
- the caller's cap: the upload cap on the bulk routes (file upload, JSON record
  import, suggestions) for admins only; the body cap for everyone else and every
  other route. A declared ``Content-Length`` above it is refused with 413 before
  the application runs; a chunked body is counted while the application reads it
  and refused as soon as it passes the cap, so neither the JSON parser nor the
  multipart spooler ever sees more than the cap.

Caps come from ``accord serve --max-upload-mb/--max-body-mb``, which set
``$ACCORD_MAX_UPLOAD_MB`` / ``$ACCORD_MAX_BODY_MB`` for the workers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

# No FastAPI import at module level: every CLI start reads the defaults via `accord serve`.

__all__ = ["BodyLimit", "BodyLimits", "limits_from_env", "DEFAULT_UPLOAD_MB", "DEFAULT_BODY_MB",
           "ANONYMOUS_BODY_BYTES"]

DEFAULT_UPLOAD_MB = 512
DEFAULT_BODY_MB = 10
_MB = 1024 * 1024
ANONYMOUS_BODY_BYTES = 64 * 1024
_BULK = re.compile(r"^/api/v1/datasets/[^/]+/(records(/upload)?|suggestions)/?$")


@dataclass(frozen=True)
class BodyLimits:
    upload_bytes: int = DEFAULT_UPLOAD_MB * _MB
    body_bytes: int = DEFAULT_BODY_MB * _MB

    def for_path(self, path: str, *, admin: bool = True) -> tuple[int, str]:
        """The cap for ``path`` and the option that raises it: the upload cap on the bulk
        routes for admins, the body cap otherwise."""
        if admin and _BULK.match(path):
            return self.upload_bytes, "--max-upload-mb"
        return self.body_bytes, "--max-body-mb"


def _env_mb(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default * _MB
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"${name}={raw!r}: expected a number of MiB") from None
    if value <= 0:
        raise ValueError(f"${name}={raw!r}: expected a positive number of MiB")
    return int(value * _MB)


def limits_from_env() -> BodyLimits:
    """Caps from ``$ACCORD_MAX_UPLOAD_MB`` and ``$ACCORD_MAX_BODY_MB`` (defaults 512 and 10)."""
    return BodyLimits(_env_mb("ACCORD_MAX_UPLOAD_MB", DEFAULT_UPLOAD_MB),
                      _env_mb("ACCORD_MAX_BODY_MB", DEFAULT_BODY_MB))


def _message(limit: int, option: str) -> str:
    return (f"request body larger than {limit / _MB:g} MiB (the server's {option}); "
            "send less per request")


class BodyLimit:
    """Refuse request bodies above the route's cap with 413 and the JSON error shape."""

    def __init__(self, app: Any, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or limits_from_env()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        chunked = False
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
            elif key == b"transfer-encoding":
                chunked = True
        if declared is None and not chunked:
            await self.app(scope, receive, send)  # no body
            return
        if declared is not None and 0 <= declared <= ANONYMOUS_BODY_BYTES:
            limit, option = ANONYMOUS_BODY_BYTES, "--max-body-mb"
        else:
            caller = await _caller(scope)
            if caller is None:
                await _send_error(send, 401, "unauthorized", _ANONYMOUS_MESSAGE,
                                  [(b"www-authenticate", b"Bearer")])
                return
            limit, option = self.limits.for_path(scope["path"], admin=caller.role == "admin")
            if declared is not None and declared > limit:
                await _send_error(send, 413, "too_large", _message(limit, option))
                return
        await self._counted(scope, receive, send, limit, option)

    async def _counted(self, scope: Any, receive: Any, send: Any, limit: int,
                       option: str) -> None:
        received = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises HTTPExceptions from body parsing; the app's
                    # handler turns it into the JSON error shape.
                    raise HTTPException(413, _message(limit, option))
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _send_error(send, 413, "too_large", str(exc.detail))


_ANONYMOUS_MESSAGE = (f"authentication required before sending a body over "
                      f"{ANONYMOUS_BODY_BYTES // 1024} KiB: send 'Authorization: Bearer "
                      "<token>' or log in")


async def _caller(scope: Any) -> Any:
    """The user behind the request's credentials (as every route authenticates), or None;
    looked up on a worker thread, before any of the body is read."""
    import anyio
    from fastapi import HTTPException as FastAPIHTTPException
    from starlette.requests import Request

    from accord.server.deps import credentials
    from accord.store.engine import session_scope
    from accord.store.users import user_for_token

    request = Request(scope)
    try:
        token, kind = credentials(request)
    except FastAPIHTTPException:
        return None
    engine = scope["app"].state.engine

    def lookup() -> Any:
        with session_scope(engine) as session:
            return user_for_token(session, token, kind=kind)

    return await anyio.to_thread.run_sync(lookup)


async def _send_error(send: Any, status: int, kind: str, message: str,
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """The JSON error shape, and the connection closed: the unread body is never read."""
    import orjson

    from accord.server.errors import error_body

    body = orjson.dumps(error_body(kind, message))
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
