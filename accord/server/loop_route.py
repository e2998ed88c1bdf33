"""The annotator loop's routes without FastAPI's per-request binding.

FastAPI binds every request to its endpoint by solving the route's dependencies and
validating each parameter through its model fields, and wraps the endpoint in two exit
stacks for dependencies with ``yield``: about a fifth of a next + submit cycle's CPU on
the loop's two routes, which have no dependencies (their endpoints take the request and
run auth, dataset access and the work in one unit: ``accord.server.deps``).

A :class:`LoopRoute` sits ahead of the FastAPI route it stands for and calls a plain
binding function (``fast(request)``) that calls the route's own endpoint function. When
that function cannot bind the request (it returns None: an unusual path value, a body
the endpoint's model refuses), or when a deployment traces requests with OpenTelemetry
(FastAPI's handler opens the spans), the request goes to the FastAPI route itself, so
every error answer is the one FastAPI's binding gives. Exceptions raised by the
endpoint go to the application's exception handlers, as from any route. The FastAPI
route stays registered and describes the route in ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from fastapi.telemetry import get_telemetry_data
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

__all__ = ["LoopRoute"]

Bind = Callable[[Request], Awaitable[Response | None]]


class LoopRoute(Route):
    """``method`` on ``prefix + route.path`` through ``fast``, else through ``route``."""

    def __init__(self, prefix: str, route: APIRoute, method: str, fast: Bind) -> None:
        super().__init__(prefix + route.path, route.endpoint, methods=[method],
                         name=route.name, include_in_schema=False)
        self.method = method
        self.route = route
        self.fast = fast
        self.app = self._serve

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # another method on the same path is the FastAPI routes' (their 405 and other
        # routes on the path), never a partial match here
        if scope["type"] != "http" or scope["method"] != self.method:
            return Match.NONE, {}
        return super().matches(scope)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            response = None if get_telemetry_data() is not None else await self.fast(request)
            if response is None:
                await self.route.app(scope, _replay(request, receive), send)
            else:
                await response(scope, receive, send)

        await wrap_app_handling_exceptions(serve, request)(scope, receive, send)


def _replay(request: Request, receive: Receive) -> Receive:
    """``receive`` for a second reader of the request: the body the first one read, once."""
    body: bytes | None = getattr(request, "_body", None)
    if body is None:
        return receive

    async def replay() -> dict[str, Any]:
        nonlocal body
        if body is not None:
            message = {"type": "http.request", "body": body, "more_body": False}
            body = None
            return message
        return await receive()  # type: ignore[no-any-return]

    return replay
