"""Retry policy for LLM calls: exponential backoff with jitter, honouring Retry-After.

Retried: HTTP 408, 409, 429 and 5xx, timeouts and connection errors. The
delay before retry *i* (0-based) is drawn uniformly from ``[d/2, d]`` with
``d = min(cap, base * 2**i)`` ("equal jitter": clients that failed together
spread out, yet every wait grows). When the server sends ``retry-after-ms``
or ``Retry-After`` (seconds or an HTTP date) that wait is used instead, up to
``max_retry_after`` seconds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["RETRY_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524})


@dataclass
class RetryPolicy:
    """How often and how long to wait between attempts.

    Examples
    --------
    >>> policy = RetryPolicy(base=1.0, cap=8.0, rng=random.Random(0))
    >>> [0.5 <= policy.delay(0) <= 1.0, 4.0 <= policy.delay(3) <= 8.0, policy.delay(9) <= 8.0]
    [True, True, True]
    >>> policy.delay(0, retry_after=2.5)
    2.5
    """

    max_retries: int = 6
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        d = min(self.cap, self.base * (2.0 ** attempt))
        return self.rng.uniform(d / 2.0, d)


def parse_retry_after(headers: Mapping[str, str], *,
                      now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait, from ``retry-after-ms`` or ``Retry-After``.

    Examples
    --------
    >>> parse_retry_after({"retry-after": "3"})
    3.0
    >>> parse_retry_after({"retry-after-ms": "250", "retry-after": "1"})
    0.25
    >>> parse_retry_after({}) is None
    True
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
