"""Every request value is checked once, where it enters: ``CheckedRoute``.

Each router is built with ``APIRouter(route_class=CheckedRoute)`` (a test checks
every API route). Before FastAPI binds the request to the endpoint, the route
checks what it received with :func:`accord.schema.storable.check_storable`, the
rule the import path applies to every row too:

- path and query parameters: no NUL character;
- a JSON body: decoded here (with the same decoder FastAPI uses, whose result
  FastAPI then reuses, so the body is parsed once), then no NUL or lone
  surrogate in any string or key, no integer outside 64 bits, no NaN, and at
  most ``MAX_DEPTH`` levels of nesting (a body nested 10,000 deep is a 422, not
  a ``RecursionError``).

A bad value is a 422 ``input_error`` naming the field path
(``values.note``, ``records[3].text``), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from accord.errors import InputError
from accord.io.readers.json_text import loads_as_stdlib
from accord.schema.storable import MAX_DEPTH, check_storable, check_text

__all__ = ["CheckedRoute", "check_request"]


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/")
                                          and kind.endswith("+json"))


async def check_request(request: Request) -> None:
    """Raise :class:`InputError` for a path, query or JSON body value that cannot be stored."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(value, field=name)
    if request.scope.get("query_string"):  # parsing an empty one costs a few microseconds
        for name, value in request.query_params.multi_items():
            check_text(name, field=name)
            check_text(value, field=name)
    if not _is_json(request.headers.get("content-type")):
        return
    body = await request.body()
    if not body:
        return
    try:
        # json.loads (the decoder FastAPI uses), through orjson where that is the same
        data = loads_as_stdlib(body)
    except RecursionError:
        raise InputError(f"the JSON body is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:
        return  # not JSON: FastAPI answers its own 422/400 for that
    check_storable(data)
    # Starlette's Request caches the decoded body here; FastAPI's request.json()
    # returns it instead of decoding the body a second time.
    request._json = data


class CheckedRoute(APIRoute):
    """An API route whose request values pass :func:`check_request` first."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await check_request(request)
            return await handler(request)

        return checked
