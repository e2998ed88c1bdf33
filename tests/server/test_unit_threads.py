"""The unit-of-work threads (accord.server.unit_threads): what anyio.to_thread.run_sync gave
the annotator loop is kept: context variables, exceptions, and a cancelled request waits
for its unit to finish (it keeps its admission while the unit holds a connection)."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from accord.server.unit_threads import run_in_unit_thread

CURRENT = contextvars.ContextVar("current", default="none")


def _run(coro):  # type: ignore[no-untyped-def]
    """``asyncio.run(coro)`` on a thread of its own: a test module before this one may
    leave an event loop running on the main thread (Playwright's sync API does)."""
    out: list = []

    def main() -> None:
        try:
            out.append((True, asyncio.run(coro)))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            out.append((False, exc))

    thread = threading.Thread(target=main, name="test-loop")
    thread.start()
    thread.join(30)
    assert out, "the event loop's thread did not finish"
    ok, value = out[0]
    if not ok:
        raise value
    return value


def test_the_unit_runs_in_another_thread_with_the_callers_context():
    def unit(x: int) -> tuple[str, int, str]:
        return CURRENT.get(), x + 1, threading.current_thread().name

    async def request() -> tuple[str, int, str]:
        CURRENT.set("span-7")
        return await run_in_unit_thread(unit, 41)

    span, value, thread = _run(request())
    assert (span, value) == ("span-7", 42)
    assert thread.startswith("accord-unit")


def test_the_units_exception_reaches_the_caller():
    def unit() -> None:
        raise LookupError("no such record")

    with pytest.raises(LookupError, match="no such record"):
        _run(run_in_unit_thread(unit))


def test_a_cancelled_request_waits_for_its_unit():
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def unit() -> str:
        started.set()
        assert release.wait(10)
        done.append("committed")
        return "answer"

    async def scenario() -> None:
        task = asyncio.ensure_future(run_in_unit_thread(unit))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        for _ in range(20):  # the cancellation is held while the unit runs
            await asyncio.sleep(0)
        assert not task.done() and done == []
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert done == ["committed"]

    _run(scenario())
