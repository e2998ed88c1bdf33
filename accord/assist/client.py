"""A client for any OpenAI-compatible chat-completions endpoint.

Works with OpenAI, vLLM, llama.cpp's server and Ollama (``/v1``): it speaks
plain ``POST {base_url}/chat/completions`` over httpx, so only the protocol
matters. Every call goes through, in order: the on-disk cache
(:mod:`accord.assist.cache`), the requests-per-minute limiter
(:mod:`accord.assist.ratelimit`), a concurrency limit (a semaphore held only
while a request is in flight, not while backing off) and the retry policy
(:mod:`accord.assist.backoff`). Token usage and cost go to a
:class:`~accord.assist.usage.UsageMeter`. A request the server rejects as
invalid (:func:`accord.assist.structured.is_rejection`) is never retried: the
server's message is raised at once. With ``schema=`` the client negotiates the
structured-output mode the server accepts (:mod:`accord.assist.structured`).

Configuration comes from arguments, else the environment:
``ACCORD_LLM_BASE_URL`` (or ``OPENAI_BASE_URL``), ``ACCORD_LLM_MODEL``,
``ACCORD_LLM_API_KEY`` (or ``OPENAI_API_KEY``; local servers need none).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from accord.assist.backoff import RETRY_STATUSES, RetryPolicy, parse_retry_after
from accord.assist.cache import ResponseCache, request_key
from accord.assist.ratelimit import RateLimiter
from accord.assist.structured import (
    BODY_REJECTIONS,
    MODES,
    is_rejection,
    known_mode,
    negotiation_lock,
    remember,
    structured_body,
)
from accord.assist.usage import UsageMeter
from accord.errors import AccordError, InputError

log = logging.getLogger("accord.assist")

__all__ = [
    "DEFAULT_BASE_URL",
    "Choice",
    "Completion",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "TokenLogprob",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class LLMError(AccordError):
    """The endpoint refused a request, or kept failing after every retry.

    ``status`` is the last HTTP status (None for a transport error) and
    ``rejected`` says the server refused the request itself (never retried).
    """

    def __init__(self, message: str, *, status: int | None = None,
                 rejected: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.rejected = rejected


@dataclass
class LLMConfig:
    """Where and how to call the model.

    Examples
    --------
    >>> LLMConfig.from_env(base_url="http://127.0.0.1:8080/v1/", model="qwen").base_url
    'http://127.0.0.1:8080/v1'
    """

    model: str
    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = None
    timeout: float = 120.0
    concurrency: int = 8
    rpm: float | None = None
    max_retries: int = 6

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if self.concurrency < 1:
            raise InputError(f"concurrency must be at least 1, got {self.concurrency}",
                             field="--concurrency")

    @classmethod
    def from_env(cls, *, base_url: str | None = None, model: str | None = None,
                 api_key: str | None = None, **options: Any) -> LLMConfig:
        """Arguments first, then ``ACCORD_LLM_*`` / ``OPENAI_*`` variables.

        Raises
        ------
        InputError
            When no model is given anywhere.
        """
        env = os.environ
        model = model or env.get("ACCORD_LLM_MODEL")
        if not model:
            raise InputError("no model: pass --model or set ACCORD_LLM_MODEL", field="--model")
        url = base_url or env.get("ACCORD_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") \
            or DEFAULT_BASE_URL
        key = api_key or env.get("ACCORD_LLM_API_KEY") or env.get("OPENAI_API_KEY")
        return cls(model=model, base_url=url, api_key=key, **options)


@dataclass
class TokenLogprob:
    """One generated token, its log probability and the most likely alternatives."""

    token: str
    logprob: float
    top: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Choice:
    content: str
    finish_reason: str | None = None
    logprobs: list[TokenLogprob] | None = None


@dataclass
class Completion:
    """The choices of one or more requests for the same prompt, with their token usage."""

    model: str
    choices: list[Choice]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    structured: str | None = None  # the structured-output mode used (see MODES), if any


class LLMClient:
    """Chat completions with cache, pacing, concurrency limit, retries and accounting.

    Parameters
    ----------
    config : LLMConfig
    cache : ResponseCache, optional
        Without one every call goes to the server.
    meter : UsageMeter, optional
        Receives token counts; one is created if not given.
    transport : httpx.BaseTransport, optional
        For tests (``httpx.MockTransport``).
    sleep : callable, optional
        Used for backoff waits (tests record them instead of sleeping).
    policy : RetryPolicy, optional
    """

    def __init__(self, config: LLMConfig, *, cache: ResponseCache | None = None,
                 meter: UsageMeter | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 policy: RetryPolicy | None = None) -> None:
        self.config = config
        self.cache = cache
        self.meter = meter or UsageMeter()
        self.policy = policy or RetryPolicy(max_retries=config.max_retries)
        self.retries = 0
        self._retries_lock = threading.Lock()
        self._sleep = sleep
        self._limiter = RateLimiter(config.rpm)
        self._slots = threading.BoundedSemaphore(config.concurrency)
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        limits = httpx.Limits(max_connections=config.concurrency,
                              max_keepalive_connections=config.concurrency)
        self._http = httpx.Client(timeout=config.timeout, headers=headers, limits=limits,
                                  transport=transport)

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def complete(self, messages: list[dict[str, Any]], *, model: str | None = None,
                 response_format: dict[str, Any] | None = None,
                 schema: dict[str, Any] | None = None, schema_name: str = "answer",
                 n: int = 1, temperature: float = 0.0, logprobs: bool = False,
                 top_logprobs: int = 0, max_tokens: int | None = None,
                 seed: int | None = None) -> Completion:
        """Ask for ``n`` choices; servers that ignore ``n`` (Ollama) get more requests.

        ``schema`` asks for a JSON answer matching it in the first mode of
        :data:`~accord.assist.structured.MODES` the server accepts (learned once
        per base URL and model); ``response_format`` instead sends a format as is.

        Raises
        ------
        LLMError
            A rejected request (400, 401, 404, 422...: never retried), retries
            exhausted, or every structured-output mode rejected.
        """
        if schema is not None and response_format is not None:
            raise ValueError("give schema or response_format, not both")
        model = model or self.config.model
        body: dict[str, Any] = {"model": model, "messages": messages, "temperature": temperature}
        if n > 1:
            body["n"] = n
        if response_format is not None:
            body["response_format"] = response_format
        if logprobs:
            body["logprobs"] = True
            if top_logprobs:
                body["top_logprobs"] = top_logprobs
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if seed is not None:
            body["seed"] = seed
        mode = None
        if schema is not None:
            result, mode = self._structured_request(body, schema, schema_name)
            body = structured_body(body, mode, schema, schema_name)
        else:
            result = self._request(body)
        extra = 0
        while len(result.choices) < n and extra < n:
            extra += 1
            more_body = {**body, "n": n - len(result.choices), "seed": (seed or 0) + 1000 + extra}
            if more_body["n"] == 1:
                del more_body["n"]
            more = self._request(more_body)
            result.choices.extend(more.choices)
            result.prompt_tokens += more.prompt_tokens
            result.completion_tokens += more.completion_tokens
            result.cached = result.cached and more.cached
        result.choices = result.choices[:max(n, 1)]
        result.structured = mode
        return result

    def _structured_request(self, body: dict[str, Any], schema: dict[str, Any],
                            name: str) -> tuple[Completion, str]:
        """The first request of a structured call, in the mode the server accepts."""
        url, model = self.config.base_url, body["model"]
        mode = known_mode(url, model)
        if mode is not None:
            return self._request(structured_body(body, mode, schema, name)), mode
        with negotiation_lock(url, model):
            mode = known_mode(url, model)
            if mode is not None:
                return self._request(structured_body(body, mode, schema, name)), mode
            refused: list[str] = []
            status: int | None = None
            for mode in MODES:
                try:
                    result = self._request(structured_body(body, mode, schema, name))
                except LLMError as exc:
                    if not (exc.rejected and exc.status in BODY_REJECTIONS):
                        raise  # not about the request's body (401, 404, a timeout...)
                    refused.append(f"{mode}: {exc.message}")
                    status = exc.status
                    continue
                remember(url, model, mode)
                return result, mode
        raise LLMError("the server rejected the request in every structured-output mode; "
                       + "; ".join(refused), status=status, rejected=True)

    def _request(self, body: dict[str, Any]) -> Completion:
        key = request_key(body) if self.cache is not None else ""
        data = self.cache.get(key) if self.cache is not None else None
        cached = data is not None
        if data is None:
            data = self._post(body)
            if self.cache is not None:
                self.cache.put(key, data)
        usage = data.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        self.meter.add(body["model"], prompt_tokens, completion_tokens, cached=cached)
        return Completion(model=str(data.get("model") or body["model"]),
                          choices=[_choice(c) for c in data.get("choices") or []],
                          prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                          cached=cached)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.config.base_url}/chat/completions"
        attempt = 0
        while True:
            self._limiter.acquire()
            retry_after: float | None = None
            status: int | None = None
            try:
                with self._slots:
                    response = self._http.post(url, json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    try:
                        data = response.json()
                    except ValueError:
                        data = None
                    if isinstance(data, dict) and isinstance(data.get("choices"), list):
                        return data
                    error = f"unexpected response body {response.text[:200]!r}"
                else:
                    status = response.status_code
                    message = _error_message(response)
                    error = f"HTTP {status}: {message}"
                    rejected = is_rejection(status, message)
                    if rejected or status not in RETRY_STATUSES:
                        raise LLMError(f"POST {url} ({body['model']}): {error}", status=status,
                                       rejected=rejected)
                    retry_after = parse_retry_after(response.headers)
            if attempt >= self.policy.max_retries:
                raise LLMError(f"POST {url} ({body['model']}): failed after {attempt + 1} "
                               f"attempts: {error}", status=status)
            with self._retries_lock:
                self.retries += 1
            wait = self.policy.delay(attempt, retry_after)
            # a long wait is not silence: say what failed and when the next try is (on
            # standard error in the CLI, in the server's log)
            log.warning("POST %s (%s): %s; retry %d of %d in %.1f s", url,
                        body["model"], error, attempt + 1, self.policy.max_retries, wait)
            self._sleep(wait)
            attempt += 1


def _error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
        if isinstance(err, str):
            return err[:300]
    return response.text[:300]


def _choice(raw: dict[str, Any]) -> Choice:
    message = raw.get("message") or {}
    content = message.get("content") or ""
    lp = raw.get("logprobs")
    tokens = None
    if isinstance(lp, dict) and isinstance(lp.get("content"), list):
        tokens = [TokenLogprob(str(t.get("token", "")), float(t.get("logprob", 0.0)),
                               [(str(a.get("token", "")), float(a.get("logprob", 0.0)))
                                for a in t.get("top_logprobs") or []])
                  for t in lp["content"]]
    return Choice(content=content, finish_reason=raw.get("finish_reason"), logprobs=tokens)
