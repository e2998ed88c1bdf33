"""The LLM client against the fake server: retries, pacing, concurrency, cache, usage."""

from __future__ import annotations

import random
import threading
from datetime import UTC

import httpx
import pytest

from accord.assist import LLMClient, LLMConfig, LLMError, ResponseCache
from accord.assist.backoff import RetryPolicy, parse_retry_after
from accord.assist.ratelimit import RateLimiter
from accord.assist.usage import Price, UsageMeter, parse_prices
from accord.errors import InputError

MESSAGES = [{"role": "user", "content": "Say hello"}]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retries_then_succeeds(fake_llm, make_client, status):
    fake = fake_llm(fail_first=2, fail_status=status, retry_after_ms=20)
    client = make_client(fake, cache=False)
    result = client.complete(MESSAGES)
    assert result.choices[0].content.startswith("A draft answer")
    assert [c.status for c in fake.calls] == [status, status, 200]
    assert client.retries == 2
    assert client.meter.calls == 1  # failed attempts are not billed


def test_non_retryable_error_fails_at_once(fake_llm, make_client):
    fake = fake_llm(fail_first=1, fail_status=401)
    client = make_client(fake, cache=False)
    with pytest.raises(LLMError, match="HTTP 401: fake failure 1"):
        client.complete(MESSAGES)
    assert len(fake.calls) == 1


def test_gives_up_after_max_retries(fake_llm, make_client):
    fake = fake_llm(fail_first=100, fail_status=500, retry_after_ms=1)
    client = make_client(fake, cache=False, max_retries=3)
    with pytest.raises(LLMError, match="failed after 4 attempts: HTTP 500"):
        client.complete(MESSAGES)
    assert len(fake.calls) == 4


def _mock_transport(statuses, headers=None):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = statuses[len(seen)]
        seen.append(request)
        if status != 200:
            return httpx.Response(status, headers=headers or {}, json={"error": "busy"})
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}],
                                         "usage": {"prompt_tokens": 3, "completion_tokens": 1}})
    return httpx.MockTransport(handler), seen


def test_retry_after_header_is_honoured():
    transport, seen = _mock_transport([429, 429, 200], headers={"Retry-After": "7"})
    sleeps: list[float] = []
    with LLMClient(LLMConfig(model="m", base_url="http://llm.invalid/v1"), transport=transport,
                   sleep=sleeps.append) as client:
        assert client.complete(MESSAGES).choices[0].content == "ok"
    assert sleeps == [7.0, 7.0] and len(seen) == 3


def test_backoff_is_exponential_with_jitter():
    transport, _ = _mock_transport([503] * 5 + [200])
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=6, base=1.0, cap=8.0, rng=random.Random(3))
    with LLMClient(LLMConfig(model="m", base_url="http://llm.invalid/v1"), transport=transport,
                   sleep=sleeps.append, policy=policy) as client:
        client.complete(MESSAGES)
    for attempt, delay in enumerate(sleeps):
        d = min(8.0, 2.0 ** attempt)
        assert d / 2 <= delay <= d
    assert len(set(sleeps)) == len(sleeps)  # jittered, not a fixed schedule
    assert sleeps[4] > sleeps[0] * 3


def test_timeouts_are_retried(fake_llm, make_client):
    fake = fake_llm(latency=0.5)
    client = make_client(fake, cache=False, timeout=0.05, max_retries=1)
    client.policy = RetryPolicy(max_retries=1, base=0.01, cap=0.01)
    with pytest.raises(LLMError, match="failed after 2 attempts: ReadTimeout"):
        client.complete(MESSAGES)


def test_parse_retry_after_http_date():
    from datetime import datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after({"Retry-After": "Thu, 01 Jan 2026 12:00:05 GMT"}, now=now) == 5.0
    assert parse_retry_after({"Retry-After": "soon"}) is None


def _max_in_flight(calls) -> int:
    events = sorted([(c.start, 1) for c in calls] + [(c.end, -1) for c in calls],
                    key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, delta in events:
        level += delta
        peak = max(peak, level)
    return peak


def test_concurrency_limit_is_respected(fake_llm, make_client):
    fake = fake_llm(latency=0.15)
    client = make_client(fake, cache=False, concurrency=3)
    threads = [threading.Thread(target=client.complete,
                                args=([{"role": "user", "content": f"q{i}"}],))
               for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.calls) == 12
    assert _max_in_flight(fake.calls) == 3  # never more, and the limit is actually used


def test_requests_per_minute_are_paced(fake_llm, make_client):
    fake = fake_llm()
    client = make_client(fake, cache=False, concurrency=8, rpm=600)  # one every 0.1 s
    threads = [threading.Thread(target=client.complete,
                                args=([{"role": "user", "content": f"q{i}"}],))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts = sorted(c.start for c in fake.calls)
    assert starts[-1] - starts[0] >= 0.6  # 7 intervals of 0.1 s, minus scheduling slack
    for window_start in starts:  # no 0.5 s window holds more than 0.5 * 10 + 1 starts
        assert sum(window_start <= s < window_start + 0.5 for s in starts) <= 6


def test_rate_limiter_schedule():
    now = [0.0]
    slept: list[float] = []

    def sleep(d: float) -> None:
        slept.append(d)

    limiter = RateLimiter(120, clock=lambda: now[0], sleep=sleep)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.5, 1.0]
    assert RateLimiter(None).acquire() == 0.0


def test_cache_hit_makes_no_call(fake_llm, make_client, tmp_path):
    fake = fake_llm()
    client = make_client(fake)
    first = client.complete(MESSAGES, temperature=0.0)
    second = client.complete(MESSAGES, temperature=0.0)
    assert len(fake.calls) == 1 and second.cached and not first.cached
    assert second.choices[0].content == first.choices[0].content
    assert client.cache.hits == 1 and client.meter.cached_calls == 1
    client.complete(MESSAGES, temperature=0.5)  # other sampling parameters: another entry
    assert len(fake.calls) == 2
    assert not list((tmp_path / "cache").rglob("*.part"))  # written atomically


def test_corrupt_cache_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("ab" + "0" * 62, {"choices": []})
    (tmp_path / "ab" / ("0" * 62 + ".json")).write_text("{not json")
    assert cache.get("ab" + "0" * 62) is None and cache.misses == 1


def test_servers_that_ignore_n_get_more_requests(fake_llm, make_client):
    fake = fake_llm(support_n=False)
    client = make_client(fake)
    result = client.complete(MESSAGES, n=3, temperature=1.0)
    assert len(result.choices) == 3 and len(fake.calls) == 3


def test_usage_and_cost():
    meter = UsageMeter(prices=parse_prices(["m=1.0/2.0"]))
    meter.add("m", 1_000_000, 500_000)
    meter.add("m", 10, 10, cached=True)
    assert meter.cost == pytest.approx(2.0) and meter.tokens == 1_500_000
    assert meter.cost_text() == "$2.0000" and meter.cached_calls == 1
    meter.add("other", 1, 1)
    assert "no --price for other" in meter.cost_text()
    assert Price(0.15, 0.6).cost(1000, 1000) == pytest.approx(0.00075)
    with pytest.raises(InputError, match="MODEL=INPUT/OUTPUT"):
        parse_prices(["nope"])


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("ACCORD_LLM_MODEL", "qwen2.5")
    monkeypatch.setenv("ACCORD_LLM_BASE_URL", "http://127.0.0.1:11434/v1/")
    monkeypatch.delenv("ACCORD_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    config = LLMConfig.from_env()
    assert (config.model, config.base_url, config.api_key) == \
        ("qwen2.5", "http://127.0.0.1:11434/v1", "sk-test")
    assert LLMConfig.from_env(model="other").model == "other"
    monkeypatch.delenv("ACCORD_LLM_MODEL")
    with pytest.raises(InputError, match="no model"):
        LLMConfig.from_env()


def test_api_key_is_sent_as_bearer(fake_llm):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    with LLMClient(LLMConfig(model="m", base_url="http://x.invalid/v1", api_key="sk-1"),
                   transport=httpx.MockTransport(handler)) as client:
        client.complete(MESSAGES)
    assert seen == ["Bearer sk-1"]


def test_prices_from_a_file(tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text("gpt-4o-mini: {input: 0.15, output: 0.6}\n")
    assert parse_prices([f"@{path}", "x=1/2"]) == {"gpt-4o-mini": Price(0.15, 0.6),
                                                   "x": Price(1.0, 2.0)}
    path.write_text("gpt-4o-mini: 3\n")
    with pytest.raises(InputError, match="expected {input: number, output: number}"):
        parse_prices([f"@{path}"])
