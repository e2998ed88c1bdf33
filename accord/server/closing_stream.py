"""A streamed response that closes its byte iterator when the response ends, however it ends.

Starlette's ``StreamingResponse`` pulls a sync iterator through a worker thread and, when
the client goes away in the middle, stops pulling but never closes it: a generator that
holds a database session (an export's read transaction and snapshot, its pooled
connection) or a temporary file stays suspended until the garbage collector finds it,
which on a quiet server can be never (a SQLite reader then keeps the WAL from being
reset; a PostgreSQL transaction holds back vacuum and one connection of the pool).
:class:`ClosingStream` closes the iterator in a worker thread (the close may do I/O:
a rollback, removing files) once the response is over: complete, cut by a disconnect,
or failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import anyio
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

__all__ = ["ClosingStream"]


class ClosingStream(StreamingResponse):
    """``StreamingResponse`` over ``chunks`` that closes ``chunks`` when it ends.

    The close runs after Starlette has stopped pulling: a pull runs in a worker thread
    that cancellation waits for, so the generator is never closed while it runs.
    """

    def __init__(self, chunks: Iterator[bytes], *, media_type: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(chunks, media_type=media_type, headers=headers)
        self._chunks = chunks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(close)
