"""The last line of defence: an exception no handler knew becomes a JSON 500.

Starlette's own error middleware answers ``500 Internal Server Error`` as
text/plain and re-raises, and uvicorn then closes the keep-alive connection,
so one bad request also broke the client's next one. This pure ASGI
middleware sits inside it (``create_app`` adds it last): it logs the traceback
with a request id and answers the one JSON error shape,

```json
{"error": {"type": "internal", "message": "... request id 3f9c2a61d0b4",
           "request_id": "3f9c2a61d0b4"}}
```

with an ``X-Request-Id`` header, and returns normally, so the connection
stays open. A database that is busy, restarting or unreachable is not a bug:
it gets the 503 of :func:`accord.server.errors.database_error_response` here
too (for failures raised by a middleware, outside the app's handlers).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from accord.server.errors import database_error_response, error_response

__all__ = ["InternalErrors"]

logger = logging.getLogger("accord.server")


class InternalErrors:
    """Answer unhandled exceptions with a JSON 500 (or the database's 503)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - this is the handler of last resort
            if started:
                raise  # the reply is half sent: only closing the connection is honest
            response = database_error_response(exc)
            if response is None:
                request_id = secrets.token_hex(6)
                logger.error("request %s: %s %s failed", request_id, scope.get("method"),
                             scope.get("path"), exc_info=exc)
                response = error_response(
                    500, "internal", f"internal server error; the server log has the "
                    f"details under request id {request_id}", request_id=request_id,
                    headers={"X-Request-Id": request_id})
            await response(scope, receive, send)
