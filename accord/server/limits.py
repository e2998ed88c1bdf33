"""Request body caps, enforced before a body is parsed or spooled to disk.

A pure ASGI middleware: a declared ``Content-Length`` above the cap is refused
with 413 before the application runs; a body without one (chunked transfer) is
counted while the application reads it and refused as soon as it passes the
cap, so neither the JSON parser nor the multipart spooler ever sees more than
the cap. Bulk routes (file upload, JSON record import, suggestions) get the
upload cap; every other route gets the smaller body cap.

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

__all__ = ["BodyLimit", "BodyLimits", "limits_from_env", "DEFAULT_UPLOAD_MB", "DEFAULT_BODY_MB"]

DEFAULT_UPLOAD_MB = 512
DEFAULT_BODY_MB = 10
_MB = 1024 * 1024
_BULK = re.compile(r"^/api/v1/datasets/[^/]+/(records(/upload)?|suggestions)/?$")


@dataclass(frozen=True)
class BodyLimits:
    upload_bytes: int = DEFAULT_UPLOAD_MB * _MB
    body_bytes: int = DEFAULT_BODY_MB * _MB

    def for_path(self, path: str) -> tuple[int, str]:
        """The cap for ``path`` and the option that raises it."""
        if _BULK.match(path):
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
        limit, option = self.limits.for_path(scope["path"])
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await _send_413(send, _message(limit, option))
                    return
                break
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
            await _send_413(send, str(exc.detail))


async def _send_413(send: Any, message: str) -> None:
    import orjson

    from accord.server.errors import error_body

    body = orjson.dumps(error_body("too_large", message))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
