"""Active learning in the background: retrain and reorder every N new answers.

A dataset opts in with ``assist.active_learning: {question, every: N}``.
:func:`relearn_due` looks at every such dataset, counts people's submitted
answers, and for each one with at least N new answers since its last run
claims the dataset's lease (:mod:`accord.store.assist_jobs`: one UPDATE, so
with several workers or servers only one runs) and calls
:func:`accord.assist.learned_order.prioritize_learned`. :class:`Relearner`
calls it from a daemon thread every few seconds; ``accord serve`` starts one
(``--relearn-interval``). It lives beside the ``serve`` command rather than in
:mod:`accord.assist` so that a server whose datasets never opt in does not load
numpy and scipy (importing :mod:`accord.assist` does).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from accord.errors import AccordError
from accord.store.assist_jobs import claim_job, count_human_answers, finish_job
from accord.store.datasets import settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.models import Dataset, utcnow

if TYPE_CHECKING:
    from accord.assist.learned_order import LearnedOrder

__all__ = ["KIND", "Relearner", "relearn_due"]

KIND = "active_learning"
log = logging.getLogger("accord.relearn")


def relearn_due(engine: Engine, *, holder: str | None = None,
                ttl: float = 600.0) -> list[LearnedOrder | str]:
    """Run active learning for every dataset that is due; one result per run.

    A failed run (e.g. no vectors yet) frees the lease without moving the
    baseline and is returned as its message.
    """
    holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    with session_scope(engine) as session:
        due = []
        for ds in session.scalars(select(Dataset)):
            assist = settings_of(ds).assist
            if assist is not None and assist.active_learning is not None:
                due.append((ds.id, ds.name, assist.active_learning,
                            count_human_answers(session, ds.id)))
    out: list[LearnedOrder | str] = []
    if due:  # numpy and scipy load only once a dataset asks for active learning
        from accord.assist.learned_order import prioritize_learned
    for dataset_id, name, al, answers in due:
        with write_scope(engine) as session:
            claimed = claim_job(session, dataset_id, KIND, holder, utcnow(), ttl=ttl,
                                answers=answers, every=al.every)
        if not claimed:
            continue
        seen: int | None = None
        try:
            result: LearnedOrder | str = prioritize_learned(
                engine, name, al.question, strategy=al.strategy, batch=al.batch or al.every,
                vector=al.vector)
            seen = answers
        except AccordError as exc:
            result = f"{name}: {exc}"
            log.warning("active learning on %s failed: %s", name, exc)
        finally:
            with write_scope(engine) as session:
                finish_job(session, dataset_id, KIND, holder, answers_seen=seen)
        out.append(result)
    return out


class Relearner:
    """Calls :func:`relearn_due` every ``interval`` seconds in a daemon thread."""

    def __init__(self, engine: Engine, *, interval: float = 10.0) -> None:
        self.engine = engine
        self.interval = interval
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Relearner:
        self._thread = threading.Thread(target=self._run, name="accord-relearn", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                relearn_due(self.engine, holder=self.holder)
            except Exception as exc:  # noqa: BLE001 (a background loop must not die)
                log.warning("active learning loop: %s", exc)

    def __enter__(self) -> Relearner:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
