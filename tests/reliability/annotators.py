"""Simulated annotators: threads, each with its own user and token, running the
next -> submit loop over HTTP and recording every acknowledged (HTTP 200) submission.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Tally:
    """What the annotators saw, shared by every thread (guarded by ``lock``)."""

    acks: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    handed: dict[str, list[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    transport_errors: int = 0
    conflicts: int = 0
    failed: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)
        self.failed.set()

    def ack(self, record_id: int, user: str, values: dict[str, Any]) -> None:
        with self.lock:
            self.acks[(record_id, user)] = values


def values_for(user: str, record_id: int) -> dict[str, Any]:
    """Deterministic, distinct answers, so a lost or swapped response shows.

    ``user`` may carry a connection suffix (``ann001#2``); the answer depends on
    the user only, so two connections of one user submit the same values.
    """
    user = user.split("#")[0]
    return {"label": "pos" if (record_id + len(user)) % 2 else "neg",
            "note": f"{user} on {record_id}"}


def annotate(base_url: str | list[str], user: str, token: str, tally: Tally, *,
             dataset: str = "d",
             stop: threading.Event | None = None, max_records: int | None = None,
             think: float = 0.0, timeout: float = 60.0, fail_fast: bool = False,
             allow_conflict: bool = False) -> None:
    """next -> submit until nothing is left, ``stop`` is set or the server goes away.

    A request that gets no answer within ``timeout`` seconds counts as a
    transport error; with ``fail_fast`` any error stops every annotator. With
    ``allow_conflict`` a 409 on submit (another connection of the same user
    saved the same response at the same moment) is counted, not an error.
    Several ``base_url``: servers (hosts) on one database, used in turn, so a
    record handed out by one host is submitted through the next.
    """
    headers = {"Authorization": f"Bearer {token}"}
    done = 0
    bases = [base_url] if isinstance(base_url, str) else list(base_url)
    clients = [httpx.Client(base_url=b + "/api/v1", headers=headers, timeout=timeout)
               for b in bases]
    turn = itertools.count(sum(map(ord, user)))  # annotators start on different hosts

    def host() -> httpx.Client:
        return clients[next(turn) % len(clients)]

    with contextlib.ExitStack() as stack:
        for c in clients:
            stack.enter_context(c)
        while not (stop is not None and stop.is_set()) and \
                not (fail_fast and tally.failed.is_set()):
            if max_records is not None and done >= max_records:
                return
            try:
                r = host().post(f"/datasets/{dataset}/next")
                if r.status_code == 204:
                    return
                if r.status_code != 200:
                    tally.error(f"{user} next: {r.status_code} {r.text[:300]}")
                    return
                rid = r.json()["id"]
                with tally.lock:
                    tally.handed.setdefault(user, []).append(rid)
                if think:
                    time.sleep(think)
                values = values_for(user, rid)
                s = host().put(f"/datasets/{dataset}/records/{rid}/response",
                               json={"values": values, "status": "submitted"})
                if s.status_code == 409 and allow_conflict:
                    with tally.lock:
                        tally.conflicts += 1
                    continue
                if s.status_code != 200:
                    tally.error(f"{user} submit {rid}: {s.status_code} {s.text[:300]}")
                    return
                tally.ack(rid, user, values)
                done += 1
            except httpx.TransportError as exc:
                with tally.lock:
                    tally.transport_errors += 1
                if fail_fast:
                    tally.error(f"{user}: {type(exc).__name__} (no answer within {timeout} s)")
                return


def run_annotators(base_url: str | list[str], tokens: dict[str, str], tally: Tally, *,
                   stop: threading.Event | None = None,
                   **kwargs: Any) -> list[threading.Thread]:
    """Start one thread per annotator; returns the started threads."""
    threads = [threading.Thread(target=annotate, args=(base_url, user, token, tally),
                                kwargs={"stop": stop, **kwargs}, daemon=True)
               for user, token in tokens.items()]
    for t in threads:
        t.start()
    return threads


def join_all(threads: list[threading.Thread], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t for t in threads if t.is_alive()]
    assert not alive, f"{len(alive)} annotator threads still running after {timeout} s"
