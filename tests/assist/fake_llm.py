"""A fake LLM: a real HTTP server on 127.0.0.1 speaking OpenAI's chat-completions protocol.

``POST /v1/chat/completions`` answers deterministically from an *oracle*, a
function of the request (:class:`FakeRequest`) returning the answer: a dict
(serialized as the JSON content), a string (plain content), or
``(dict, probs)`` where ``probs`` is ``{key: {value as JSON text: probability}}``
for top-level keys whose value the model is "unsure" about. ``probs``
drives both the token logprobs (the value's first token gets
``log p(value)`` and ``top_logprobs`` lists the other values' first tokens)
and sampling: with ``temperature > 0`` each of the ``n`` choices draws the
value from ``probs`` with a seeded RNG, so self-consistency sees the same
distribution.

It can fail the first ``fail_first`` calls with ``fail_status`` (and a
``retry-after-ms`` header), add ``latency`` to every call, ignore ``n``
(like Ollama) or send no logprobs, and records every call (start and end
time, body, status) for the tests to measure concurrency and pacing.

The schema is read from ``response_format`` (``json_schema``, or
``json_object`` with a ``schema``) or, without one, from the system message.
``formats`` lists the ``response_format`` types it accepts; any other is
rejected with ``reject_status`` (500 with pydantic's "validation error"
text, as llama-cpp-python's server does). ``llama_cpp()`` builds the fake
that behaves like llama-cpp-python 0.3's server: only ``json_object`` with a
schema, no ``n``, words cut into sub-word tokens, and the log probabilities
of the *unconstrained* distribution although the output follows the grammar
(the forced first token at -12, the forced rest of a label improbable,
prose tokens ahead of the labels in ``top_logprobs``, the chosen token
always listed).

Run standalone: ``python -m tests.assist.fake_llm --port 8765 [--oracle probability]``.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["LLAMA_CPP", "Call", "FakeLLM", "FakeRequest", "llama_cpp", "schema_oracle"]

_TOKEN = re.compile(r'"?[A-Za-z0-9_]+|\s+|.', re.DOTALL)
_SURE = math.log(0.9999)
_SCHEMA_NOTE = re.compile(r"matches this JSON schema:\n(\{.*\})\s*$", re.DOTALL)
_PYDANTIC = ("1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  "
             "Input should be 'text' or 'json_object' [type=literal_error]")


@dataclass
class FakeRequest:
    body: dict[str, Any]
    user_text: str
    schema: dict[str, Any] | None
    sample: int
    temperature: float


@dataclass
class Call:
    start: float
    end: float
    status: int
    body: dict[str, Any]


Oracle = Callable[[FakeRequest], Any]


def _first_of_enum(schema: dict[str, Any], rng: random.Random) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: _first_of_enum(v, rng) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        n = schema.get("minItems", 1)
        items = schema.get("items", {})
        if "enum" in items and n == len(items["enum"]):
            return list(items["enum"])
        return [_first_of_enum(items, rng) for _ in range(n)]
    if kind == "integer":
        return 1
    return "text"


def schema_oracle(request: FakeRequest) -> Any:
    """A valid answer for any schema (first enum value, one item), or plain text."""
    if request.schema is None:
        return f"A draft answer to: {request.user_text[-40:]}"
    return _first_of_enum(request.schema, random.Random(0))


def probability_oracle(request: FakeRequest) -> Any:
    """A label question answered from a ``p=0.83`` marker in the record text: the model says
    "pos" with probability p and "neg" with 1 - p. Other questions: :func:`schema_oracle`."""
    if request.schema is None or "label" not in request.schema.get("properties", {}):
        return schema_oracle(request)
    p = float(re.findall(r"p=(\d\.\d+)", request.user_text)[-1])
    return {"label": "pos"}, {"label": {'"pos"': p, '"neg"': round(1 - p, 10)}}


ORACLES = {"schema": schema_oracle, "probability": probability_oracle}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _subwords(text: str) -> list[str]:
    """Tokens as a sub-word tokenizer cuts them: words in pieces of at most 3 characters."""
    out = []
    for tok in _TOKEN.findall(text):
        head = 4 if tok.startswith('"') else 3
        out.append(tok[:head])
        out.extend(tok[i:i + 3] for i in range(head, len(tok), 3))
    return out


def _schema_of(body: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The requested response_format type ("prompt" when none) and the schema asked for."""
    fmt = body.get("response_format") or {}
    kind = fmt.get("type")
    if kind == "json_schema":
        return kind, (fmt.get("json_schema") or {}).get("schema")
    if kind == "json_object":
        return kind, fmt.get("schema")
    system = next((m.get("content", "") for m in body.get("messages") or []
                   if m.get("role") == "system"), "")
    match = _SCHEMA_NOTE.search(system or "")
    return "prompt", json.loads(match.group(1)) if match else None


def _serialize(obj: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """JSON text of ``obj`` and the offset where each top-level value starts."""
    parts, offsets, pos = ["{"], {}, 1
    for i, (k, v) in enumerate(obj.items()):
        head = (", " if i else "") + json.dumps(k) + ": "
        parts.append(head)
        pos += len(head)
        offsets[k] = pos
        text = json.dumps(v)
        parts.append(text)
        pos += len(text)
    parts.append("}")
    return "".join(parts), offsets


class FakeLLM:
    """The fake server; use as a context manager (``with FakeLLM(...) as llm: llm.url``)."""

    def __init__(self, oracle: Oracle = schema_oracle, *, latency: float = 0.0,
                 fail_first: int = 0, fail_status: int = 429, retry_after_ms: int | None = None,
                 logprobs: bool = True, support_n: bool = True,
                 formats: tuple[str, ...] = ("json_schema", "json_object"),
                 reject_status: int = 400, unconstrained: bool = False) -> None:
        self.oracle = oracle
        self.formats = formats
        self.reject_status = reject_status
        self.unconstrained = unconstrained
        self.latency = latency
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.retry_after_ms = retry_after_ms
        self.logprobs = logprobs
        self.support_n = support_n
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._count = 0
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ok_calls(self) -> list[Call]:
        return [c for c in self.calls if c.status == 200]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._count = 0

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._handle, methods=["POST"]),
                                 Route("/v1/models", self._models, methods=["GET"])])

    async def _models(self, request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": "fake-1", "object": "model"}]})

    async def _handle(self, request: Request) -> JSONResponse:
        start = time.monotonic()
        body = await request.json()
        with self._lock:
            self._count += 1
            number = self._count
        if self.latency:
            await asyncio.sleep(self.latency)
        kind = (body.get("response_format") or {}).get("type")
        if kind is not None and kind not in self.formats:
            message = _PYDANTIC if self.reject_status == 500 else \
                f"response_format type {kind!r} is not supported"
            response = JSONResponse({"error": {"message": message, "type": "invalid_request"}},
                                    status_code=self.reject_status)
        elif number <= self.fail_first:
            headers = {} if self.retry_after_ms is None else \
                {"retry-after-ms": str(self.retry_after_ms)}
            response = JSONResponse({"error": {"message": f"fake failure {number}",
                                               "type": "rate_limit"}},
                                    status_code=self.fail_status, headers=headers)
        else:
            response = JSONResponse(self._complete(body))
        with self._lock:
            self.calls.append(Call(start, time.monotonic(), response.status_code, body))
        return response

    def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages") or []
        user_text = next((m.get("content", "") for m in reversed(messages)
                          if m.get("role") == "user"), "")
        _, schema = _schema_of(body)
        n = int(body.get("n") or 1) if self.support_n else 1
        temperature = float(body.get("temperature") or 0.0)
        seed = int(body.get("seed") or 0)
        want_lp = bool(body.get("logprobs")) and self.logprobs
        top_n = int(body.get("top_logprobs") or 0)
        choices, completion_tokens = [], 0
        for i in range(n):
            answer = self.oracle(FakeRequest(body, user_text, schema, i, temperature))
            probs: dict[str, dict[str, float]] = {}
            if isinstance(answer, tuple):
                answer, probs = answer
            if isinstance(answer, dict):
                answer = dict(answer)
                rng = random.Random(f"{user_text}|{seed}|{i}")
                for key, dist in probs.items():
                    if temperature > 0:
                        pick = rng.choices(list(dist), weights=list(dist.values()))[0]
                    else:
                        pick = max(dist, key=dist.get)
                    answer[key] = json.loads(pick)
                content, offsets = _serialize(answer)
            else:
                content, offsets = str(answer), {}
            tokens = _subwords(content) if self.unconstrained else _tokens(content)
            completion_tokens += len(tokens)
            choice: dict[str, Any] = {"index": i, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": content}}
            if want_lp:
                make = self._unconstrained_logprobs if self.unconstrained else self._logprobs
                choice["logprobs"] = {"content": make(tokens, offsets, probs, answer, top_n)}
            choices.append(choice)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
        return {"id": "fake-cmpl", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "fake"), "choices": choices,
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens}}

    @staticmethod
    def _logprobs(tokens: list[str], offsets: dict[str, int],
                  probs: dict[str, dict[str, float]], answer: Any,
                  top_n: int) -> list[dict[str, Any]]:
        starts: dict[int, str] = {}
        for key in probs:
            if key in offsets:
                starts[offsets[key]] = key
        out, pos = [], 0
        for tok in tokens:
            entry = {"token": tok, "logprob": _SURE, "top_logprobs": []}
            key = next((k for s, k in starts.items() if pos <= s < pos + len(tok)), None)
            if key is not None:
                prefix = tok[:offsets[key] - pos]
                chosen = json.dumps(answer[key])
                alts = []
                for value, p in probs[key].items():
                    first = _tokens(prefix + value)[0]
                    alts.append({"token": first, "logprob": math.log(max(p, 1e-12))})
                    if value == chosen:
                        entry["logprob"] = math.log(max(p, 1e-12))
                alts.append({"token": "\n", "logprob": math.log(0.01)})  # a non-answer token
                alts.sort(key=lambda a: -a["logprob"])
                entry["top_logprobs"] = alts[:top_n]
            else:
                entry["top_logprobs"] = [{"token": tok, "logprob": _SURE}][:top_n]
            out.append(entry)
            pos += len(tok)
        return out

    @staticmethod
    def _unconstrained_logprobs(tokens: list[str], offsets: dict[str, int],
                                probs: dict[str, dict[str, float]], answer: Any,
                                top_n: int) -> list[dict[str, Any]]:
        """llama.cpp under a grammar: what the model would have said without it.

        The answer's values get 30% of the mass at their first token (shared as
        ``probs`` says), prose gets the rest; every other token was forced by the
        grammar and looks improbable (the first at -12).
        """
        starts = {offsets[k]: k for k in probs if k in offsets}
        out, pos = [], 0
        for index, tok in enumerate(tokens):
            key = next((k for s, k in starts.items() if pos <= s < pos + len(tok)), None)
            if key is not None:
                prefix = tok[:offsets[key] - pos]
                chosen = json.dumps(answer[key])
                alts = [("I", 0.5), ("\n", 0.2)]
                alts += [(_subwords(prefix + v)[0], 0.3 * p) for v, p in probs[key].items()]
                logprob = math.log(max(0.3 * probs[key][chosen], 1e-12))
            elif index == 0:
                alts, logprob = [("Sure", 0.6), ("```", 0.3)], -12.0
            else:
                alts, logprob = [("\n", 0.5), (" ", 0.3)], math.log(0.05)
            alts.sort(key=lambda a: -a[1])
            top = [{"token": t, "logprob": math.log(max(p, 1e-12))} for t, p in alts[:top_n]]
            if top_n and all(t["token"] != tok for t in top):
                top.append({"token": tok, "logprob": logprob})  # llama.cpp lists the chosen one
            out.append({"token": tok, "logprob": logprob, "top_logprobs": top})
            pos += len(tok)
        return out

    def start(self) -> FakeLLM:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="error",
                                lifespan="off", ws="none", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: The options that make the fake behave like llama-cpp-python 0.3's server.
LLAMA_CPP: dict[str, Any] = {"formats": ("json_object",), "reject_status": 500,
                             "unconstrained": True, "support_n": False}


def llama_cpp(oracle: Oracle = schema_oracle, **options: Any) -> FakeLLM:
    """A fake that behaves like llama-cpp-python 0.3's server (see the module docstring)."""
    return FakeLLM(oracle, **{**LLAMA_CPP, **options})


def _main() -> None:  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--oracle", choices=sorted(ORACLES), default="schema")
    args = parser.parse_args()
    fake = FakeLLM(ORACLES[args.oracle], latency=args.latency)
    uvicorn.run(fake.app(), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    _main()
