"""The per-record work of ``assist embed`` and ``assist prelabel`` as executor batch functions.

Both commands run through the prep pipeline's executor interface
(:mod:`accord.prep.executors`): ``local`` (worker processes) or ``ray`` (Ray
Data on a local or remote cluster). The driver reads records from the store,
hands them out as ``(position, JSON bytes)`` items, and writes what comes
back; workers never touch the database. Each outcome carries its item's
position, so results do not depend on how an executor cuts or orders
batches and every executor gives byte-identical vectors and suggestions.
Without an executor the same batch functions run in the calling process
(with the caller's embedder or client), so there is one code path.

* :class:`EncodeBatch` embeds texts; a worker loads the embedder once
  (:func:`accord.assist.embeddings.load_embedder`) and keeps it.
* :class:`PrelabelBatch` asks the model about records with
  :func:`accord.assist.prelabel.suggest_one`, ``concurrency`` requests at a
  time per worker; a worker builds its own client from the
  :class:`~accord.assist.client.LLMConfig` (the response cache directory is
  shared) and returns its token usage with the batch's first outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from accord.errors import InputError
from accord.prep.executors import Executor, Item, get_executor

__all__ = ["EncodeBatch", "PrelabelBatch", "PrelabelOutcome", "make_executor"]

_worker_embedder: Any = None


def make_executor(name: str | None, *, address: str | None = None,
                  workers: int | None = None) -> Executor | None:
    """The executor called ``name`` (None: run in this process).

    Raises
    ------
    InputError
        An unknown name (``field`` is ``--executor``).
    """
    if name is None:
        return None
    try:
        return get_executor(name, workers=workers, address=address)
    except ValueError as exc:
        raise InputError(str(exc), field="--executor") from None


class EncodeBatch:
    """Embed a batch of ``(position, UTF-8 text)`` items: ``[(position, float32 vector)]``."""

    def __init__(self, embedder: Any = None) -> None:
        self.embedder = embedder

    def __getstate__(self) -> dict[str, Any]:
        return {"embedder": None}  # workers load their own

    def __call__(self, items: Sequence[Item]) -> list[tuple[int, Any]]:
        global _worker_embedder
        embedder = self.embedder
        if embedder is None:
            if _worker_embedder is None:
                from accord.assist.embeddings import load_embedder

                _worker_embedder = load_embedder()
            embedder = _worker_embedder
        vectors = embedder.encode([payload.decode("utf-8") for _, payload in items])
        return [(index, vector) for (index, _), vector in zip(items, vectors, strict=True)]


@dataclass
class PrelabelOutcome:
    """What the model said about one record: a suggestion, or why there is none."""

    index: int
    value: Any = None
    score: float | None = None
    meta: dict[str, Any] | None = None
    error: str | None = None  # an invalid answer: the record failed
    fatal: str | None = None  # the endpoint failed: the run stops
    usage: dict[str, Any] | None = None  # the worker's calls, tokens and retries


@dataclass
class PrelabelBatch:
    """Pre-label a batch of ``(position, fields as JSON)`` items.

    ``client`` is used when given (in-process runs); it is not pickled, so a
    worker builds one from ``config`` with a cache in ``cache_dir``.
    """

    config: Any
    settings: Any
    question: str
    options: Any
    template: Any
    examples: list[tuple[dict[str, Any], Any]]
    cache_dir: Path | None = None
    prices: dict[str, Any] = field(default_factory=dict)
    client: Any = None
    progress: Callable[[int], None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "client": None, "progress": None}

    def __call__(self, items: Sequence[Item]) -> list[PrelabelOutcome]:
        from accord.assist.client import LLMClient, LLMError
        from accord.assist.prelabel import suggest_one
        from accord.assist.runs import parallel_map

        client, own = self.client, self.client is None
        if own:
            from accord.assist.cache import ResponseCache
            from accord.assist.usage import UsageMeter

            cache = ResponseCache(self.cache_dir) if self.cache_dir is not None else None
            client = LLMClient(self.config, cache=cache, meter=UsageMeter(prices=self.prices))
        question = self.settings.question(self.question)
        failed: list[str] = []  # the endpoint's first failure: the records not started skip

        def one(item: Item) -> PrelabelOutcome:
            index, payload = item
            if failed:
                return PrelabelOutcome(index, fatal=failed[0])
            try:
                value, score, meta = suggest_one(client, self.settings, question,
                                                 orjson.loads(payload), self.options,
                                                 self.template, self.examples)
            except InputError as exc:
                return PrelabelOutcome(index, error=str(exc))
            except LLMError as exc:
                failed.append(exc.message)
                return PrelabelOutcome(index, fatal=exc.message)
            return PrelabelOutcome(index, value, score, meta)

        try:
            done = dict(parallel_map(one, list(items), workers=self.config.concurrency,
                                     progress=self.progress))
        finally:
            if own:
                client.close()
        outcomes = [done[item] for item in items]
        if own and outcomes:
            m = client.meter
            outcomes[0].usage = {"calls": m.calls, "cached_calls": m.cached_calls,
                                 "prompt_tokens": m.prompt_tokens,
                                 "completion_tokens": m.completion_tokens, "cost": m.cost,
                                 "unpriced": sorted(m.unpriced), "retries": client.retries}
        return outcomes
