"""Structured-output negotiation: which ``response_format`` a server accepts, learned once.

OpenAI-compatible servers disagree on how a JSON schema is requested:

==============  =====================================================================
``json_schema`` ``{"type": "json_schema", "json_schema": {"name", "strict", "schema"}}``
                (OpenAI, vLLM, Ollama >= 0.5, llama.cpp's own ``llama-server``)
``json_object`` ``{"type": "json_object", "schema": {...}}`` (llama-cpp-python's server,
                which builds a grammar from the schema; OpenAI accepts the type and
                ignores the schema)
``prompt``      no ``response_format``: the schema is written into the system message
                and the answer is only validated afterwards
==============  =====================================================================

:meth:`accord.assist.client.LLMClient.complete` with ``schema=`` tries the
modes in that order and steps down only when the server *rejects* a mode's
request body (:func:`is_rejection` with status 400 or 422, or the HTTP 500
that llama-cpp-python's server sends for a request that fails its own
validation); other rejections (401, 403, 404) stop at once.
A rejection is never retried as it is. The first mode that is answered is
remembered for the base URL and model for the rest of the process, so a run
negotiates once (concurrent first requests wait for that negotiation instead
of each being rejected); :func:`forget` clears the memory.

In the ``json_object`` and ``prompt`` modes the schema is also appended to
the system message, since the server may ignore it (OpenAI's ``json_object``)
or not see it at all.
"""

from __future__ import annotations

import json
import threading
from typing import Any

__all__ = ["BODY_REJECTIONS", "MODES", "forget", "is_rejection", "known_mode", "remember",
           "structured_body"]

MODES = ("json_schema", "json_object", "prompt")
#: Rejections that can be about the request's body, so another mode may be accepted (400 Bad
#: Request, 422 Unprocessable, llama-cpp-python's validation 500); 401, 403, 404... cannot.
BODY_REJECTIONS = frozenset({400, 422, 500})

#: Statuses that mean "this request will never work as it is" (everything else in 4xx
#: except request timeout, conflict and rate limit, which are retried).
_RETRYABLE_4XX = frozenset({408, 409, 429})

_lock = threading.Lock()
_accepted: dict[tuple[str, str], str] = {}
_negotiating: dict[tuple[str, str], threading.Lock] = {}


def is_rejection(status: int | None, message: str = "") -> bool:
    """Whether the server refused the request itself (so retrying it cannot help).

    llama-cpp-python's server answers a body that fails its pydantic model (for
    example an unknown ``response_format`` type) with HTTP 500 and pydantic's
    "validation error" message; that is a rejection too.

    Examples
    --------
    >>> is_rejection(400), is_rejection(422), is_rejection(429), is_rejection(503)
    (True, True, False, False)
    >>> is_rejection(500, "1 validation error for CreateChatCompletionRequest")
    True
    """
    if status is None:
        return False
    if 400 <= status < 500:
        return status not in _RETRYABLE_4XX
    return status == 500 and "validation error" in message.lower()


def known_mode(base_url: str, model: str) -> str | None:
    """The mode this server and model accepted earlier in this process, if any."""
    with _lock:
        return _accepted.get((base_url, model))


def remember(base_url: str, model: str, mode: str) -> None:
    """Record that ``mode`` works for this server and model."""
    if mode not in MODES:
        raise ValueError(f"unknown structured-output mode {mode!r}; modes are {MODES}")
    with _lock:
        _accepted[(base_url, model)] = mode


def forget(base_url: str | None = None, model: str | None = None) -> None:
    """Forget what was learned (all of it, or for one server and model)."""
    with _lock:
        if base_url is None:
            _accepted.clear()
        else:
            _accepted.pop((base_url, model or ""), None)


def negotiation_lock(base_url: str, model: str) -> threading.Lock:
    """The lock held while the first request to this server and model finds its mode."""
    with _lock:
        return _negotiating.setdefault((base_url, model), threading.Lock())


def _schema_note(schema: dict[str, Any]) -> str:
    return ("\n\nAnswer with only a JSON object (no code fence, no other text) that matches "
            "this JSON schema:\n" + json.dumps(schema, ensure_ascii=False, sort_keys=True))


def structured_body(body: dict[str, Any], mode: str, schema: dict[str, Any],
                    name: str = "answer") -> dict[str, Any]:
    """A copy of the request ``body`` asking for ``schema`` in ``mode``.

    Examples
    --------
    >>> s = {"type": "object", "properties": {"label": {"enum": ["a", "b"]}}}
    >>> b = structured_body({"messages": [{"role": "user", "content": "?"}]}, "json_object", s)
    >>> b["response_format"]["type"], b["messages"][0]["role"], "JSON schema" in b[
    ...     "messages"][0]["content"]
    ('json_object', 'system', True)
    >>> "response_format" in structured_body({"messages": []}, "prompt", s)
    False
    """
    out = dict(body)
    if mode == "json_schema":
        out["response_format"] = {"type": "json_schema",
                                  "json_schema": {"name": name, "strict": True,
                                                  "schema": schema}}
        return out
    if mode == "json_object":
        out["response_format"] = {"type": "json_object", "schema": schema}
    elif mode != "prompt":
        raise ValueError(f"unknown structured-output mode {mode!r}; modes are {MODES}")
    messages = [dict(m) for m in body.get("messages") or []]
    note = _schema_note(schema)
    system = next((m for m in messages if m.get("role") == "system"), None)
    if system is not None and isinstance(system.get("content"), str):
        system["content"] += note
    else:
        messages.insert(0, {"role": "system", "content": note.strip()})
    out["messages"] = messages
    return out
