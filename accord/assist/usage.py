"""Token and cost accounting for LLM calls.

Token counts come from each response's ``usage`` (``prompt_tokens``,
``completion_tokens``); cached responses are counted apart and cost nothing.
Prices are per million tokens, input and output, per model, given with
``--price MODEL=IN/OUT`` or a JSON/YAML file ``{model: {input: .., output: ..}}``:
accord ships no price list (prices change; a stale one would mislead).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.schema.yaml_lines import read_yaml

__all__ = ["Price", "UsageMeter", "load_prices", "parse_prices"]


@dataclass(frozen=True)
class Price:
    """US dollars per million input and output tokens."""

    input: float
    output: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1e6


def parse_prices(items: list[str] | None) -> dict[str, Price]:
    """Parse ``["gpt-4o-mini=0.15/0.60", ...]``; ``"@prices.yaml"`` reads a file.

    Examples
    --------
    >>> parse_prices(["m=0.15/0.6"])
    {'m': Price(input=0.15, output=0.6)}
    """
    prices: dict[str, Price] = {}
    for item in items or []:
        if item.startswith("@"):
            prices.update(load_prices(item[1:]))
            continue
        model, sep, rest = item.partition("=")
        inp, sep2, out = rest.partition("/")
        try:
            if not (sep and sep2 and model.strip()):
                raise ValueError
            prices[model.strip()] = Price(float(inp), float(out))
        except ValueError:
            raise InputError(f"expected MODEL=INPUT/OUTPUT dollars per million tokens, got "
                             f"{item!r}", field="--price") from None
    return prices


def load_prices(path: str | Path) -> dict[str, Price]:
    """Read ``{model: {input: .., output: ..}}`` from a JSON or YAML file."""
    p = Path(path)
    data = read_yaml(p).data
    if not isinstance(data, dict):
        raise InputError("expected a mapping of model to {input, output}", path=str(p))
    prices = {}
    for model, entry in data.items():
        try:
            prices[str(model)] = Price(float(entry["input"]), float(entry["output"]))
        except (TypeError, KeyError, ValueError):
            raise InputError(f"expected {{input: number, output: number}}, got {entry!r}",
                             path=str(p), field=str(model)) from None
    return prices


@dataclass
class UsageMeter:
    """Running totals of calls, tokens and cost (thread-safe)."""

    prices: dict[str, Price] = field(default_factory=dict)
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    unpriced: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, model: str, prompt_tokens: int, completion_tokens: int, *,
            cached: bool = False) -> None:
        with self._lock:
            if cached:
                self.cached_calls += 1
                return
            self.calls += 1
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens
            price = self.prices.get(model)
            if price is None:
                self.unpriced.add(model)
            else:
                self.cost += price.cost(prompt_tokens, completion_tokens)

    def merge(self, counts: dict[str, Any]) -> None:
        """Add another meter's totals (``calls``, ``cached_calls``, ``prompt_tokens``,
        ``completion_tokens``, ``cost``, ``unpriced``), e.g. a worker process's."""
        with self._lock:
            self.calls += int(counts.get("calls", 0))
            self.cached_calls += int(counts.get("cached_calls", 0))
            self.prompt_tokens += int(counts.get("prompt_tokens", 0))
            self.completion_tokens += int(counts.get("completion_tokens", 0))
            self.cost += float(counts.get("cost", 0.0))
            self.unpriced.update(counts.get("unpriced", ()))

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def cost_text(self) -> str:
        """``$0.0123``, or ``cost n/a`` when a model used has no price."""
        if self.unpriced:
            return "cost n/a (no --price for " + ", ".join(sorted(self.unpriced)) + ")"
        return f"${self.cost:,.4f}"
