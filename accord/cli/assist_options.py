"""The options ``accord assist`` commands share, and the model client and executor they open.

Library code is imported inside the functions, so ``accord --help`` needs neither numpy
nor torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "Against",
    "Agent",
    "ApiKey",
    "AsJson",
    "BaseUrl",
    "BatchSize",
    "CacheDir",
    "Concurrency",
    "ExecutorName",
    "Limit",
    "Model",
    "NoCache",
    "Prices",
    "Question",
    "RayAddress",
    "Retries",
    "Rpm",
    "Workers",
    "executor_scope",
    "llm_client",
]

Question = Annotated[str, typer.Option("--question", "-q", help="Question name.")]
Model = Annotated[str | None, typer.Option("--model", help="Model name [env ACCORD_LLM_MODEL].")]
BaseUrl = Annotated[str | None, typer.Option(
    "--base-url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 "
    "[env ACCORD_LLM_BASE_URL; default OpenAI].")]
ApiKey = Annotated[str | None, typer.Option(
    "--api-key", help="API key (prefer env ACCORD_LLM_API_KEY or OPENAI_API_KEY).")]
Concurrency = Annotated[int, typer.Option("--concurrency", min=1, help="Requests in flight.")]
Rpm = Annotated[float | None, typer.Option("--rpm", min=0, help="Requests per minute limit.")]
Retries = Annotated[int, typer.Option("--max-retries", min=0,
                                      help="Retries on 429/5xx/timeouts per request.")]
Limit = Annotated[int | None, typer.Option("--limit", min=1, help="At most this many records.")]
Agent = Annotated[str | None, typer.Option("--agent", help="Suggestion agent (default: latest).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
CacheDir = Annotated[Path | None, typer.Option(
    "--cache-dir", help="Response cache [env ACCORD_CACHE_DIR; default ~/.cache/accord/llm].")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Always call the model.")]
Prices = Annotated[list[str] | None, typer.Option(
    "--price", help="MODEL=IN/OUT dollars per million tokens, or @FILE (YAML/JSON "
    "{model: {input, output}}); repeatable.")]
Against = Annotated[str, typer.Option("--against", help="Reference: gold or responses.")]
ExecutorName = Annotated[str | None, typer.Option(
    "--executor", help="Run the per-record work on a prep executor: local (worker processes) "
    "or ray (default: threads in this process).")]
Workers = Annotated[int | None, typer.Option("--workers", min=1,
                                             help="Worker processes of --executor local.")]
RayAddress = Annotated[str | None, typer.Option(
    "--ray-address", help="Ray cluster for --executor ray (default: start a local one).")]
BatchSize = Annotated[int, typer.Option("--batch-size", min=1,
                                        help="Records per batch (per executor task).")]


@contextmanager
def executor_scope(name: str | None, workers: int | None, address: str | None) -> Iterator[Any]:
    """The executor ``--executor`` names (None: in-process), closed at the end."""
    from accord.assist.executor_batches import make_executor

    runner = make_executor(name, workers=workers, address=address)
    try:
        yield runner
    finally:
        if runner is not None:
            runner.close()


def llm_client(model: str | None, base_url: str | None, api_key: str | None, concurrency: int,
            rpm: float | None, cache_dir: Path | None, no_cache: bool,
            prices: list[str] | None, max_retries: int = 6) -> Any:
    """An LLMClient from the connection options (arguments first, then the environment)."""
    from accord.assist import LLMClient, LLMConfig, ResponseCache, UsageMeter, default_cache_dir
    from accord.assist.usage import parse_prices

    config = LLMConfig.from_env(model=model, base_url=base_url, api_key=api_key,
                                concurrency=concurrency, rpm=rpm, max_retries=max_retries)
    cache = None if no_cache else ResponseCache(cache_dir or default_cache_dir())
    return LLMClient(config, cache=cache, meter=UsageMeter(prices=parse_prices(prices)))
