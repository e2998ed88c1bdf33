"""Routing suggestions: confident ones are accepted, the rest go to people, least sure first.

For one question and one agent (default: the latest), a suggestion whose
score is at or above the threshold is

- ``response``: submitted as the response of the agent user
  ``model:<model>`` (role annotator, a member of the dataset). It counts
  towards ``overlap`` like any annotator, so with overlap 1 the record is
  completed and never handed out. Answers to several questions are merged
  into one response, submitted once every required question is answered
  (a draft until then). Gold records, completed ones and those whose
  every needed slot is held by people at the moment are left alone.
- ``prefill``: marked ``prefill: true`` in the suggestion's metadata (the
  annotation form starts from it); people still answer.
- ``off``: nothing is accepted.

Every scored record gets ``priority = 1 - score``, so ``next_record`` hands
out the least certain records first. The mode and thresholds come from the
dataset's ``assist`` settings unless given; ``target_precision`` picks the
lowest threshold whose accepted suggestions reached that precision against
gold or human answers (:func:`accord.assist.reference.calibrate`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from accord.assist.prelabel import question_of
from accord.assist.reference import calibrate, resolve_agent
from accord.errors import InputError, NotFound
from accord.schema.settings import Assist, Settings
from accord.store.assist_queries import (
    AGENT_USER_PREFIX,
    question_suggestions,
    update_suggestion_meta,
)
from accord.store.audit import record_event
from accord.store.datasets import add_member, get_dataset, settings_of, update_settings
from accord.store.engine import write_scope
from accord.store.models import QUEUE_OPEN, Record, User, utcnow
from accord.store.priorities import set_priorities
from accord.store.responses import get_response
from accord.store.users import create_user, get_user
from accord.workflow.responses import save_response

__all__ = ["MODES", "RouteSummary", "agent_user_name", "route"]

MODES = ("off", "response", "prefill")


@dataclass
class RouteSummary:
    dataset: str
    question: str
    agent: str
    mode: str
    threshold: float | None
    accepted: int = 0
    prefilled: int = 0
    queued: int = 0
    unscored: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        thr = "no threshold" if self.threshold is None else f"threshold {self.threshold:.4g}"
        return (f"route {self.dataset}/{self.question} ({self.agent}, {self.mode}, {thr}): "
                f"{self.accepted:,} accepted as responses, {self.prefilled:,} prefilled, "
                f"{self.queued:,} queued for people by uncertainty, {self.unscored:,} unscored, "
                f"{self.seconds:.1f} s")


def agent_user_name(agent: str) -> str:
    """``gpt-4o-mini@p:3f9a1c`` -> ``model:gpt-4o-mini``; a ``/`` or ``\\`` (as in
    ``org/model``) becomes ``:`` and ``..`` becomes ``.``, since user names are not paths
    (:func:`accord.store.users.check_user_name`)."""
    name = agent.split("@p:")[0].replace("/", ":").replace("\\", ":")
    while ".." in name:
        name = name.replace("..", ".")
    return AGENT_USER_PREFIX + name


def _agent_user(session: Any, name: str) -> User:
    try:
        return get_user(session, name)
    except NotFound:
        return create_user(session, name[:128], "annotator")


def _accept(session: Any, ds: Any, settings: Settings, user: User, question: Any,
            record_id: int, value: Any, now: datetime) -> bool:
    rec = session.get(Record, record_id)
    if rec is None or rec.is_gold:
        return False
    existing = get_response(session, record_id, user.id)
    if existing is None and rec.queue_state != QUEUE_OPEN:
        return False  # completed, or every slot it needs is held by people right now
    old = dict(existing.values) if existing is not None and existing.status != "discarded" \
        else {}
    if existing is not None and existing.status == "submitted" and old.get(question.name) == value:
        return True  # already accepted (a re-run)
    values = {**old, question.name: value}
    complete = all(q.name in values for q in settings.questions if q.required)
    save_response(session, ds, settings, rec, user, values,
                  status="submitted" if complete else "draft", now=now)
    return True


def _save_threshold(engine: Engine, dataset: str, question: str, threshold: float,
                    mode: str | None) -> None:
    with write_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        current = settings.assist or Assist()
        assist = Assist(auto_accept=mode or current.auto_accept,  # type: ignore[arg-type]
                        thresholds={**current.thresholds, question: round(threshold, 6)})
        update_settings(session, ds, settings.model_copy(update={"assist": assist}))


def route(engine: Engine, dataset: str, question: str, *, threshold: float | None = None,
          target_precision: float | None = None, against: str = "responses",
          agent: str | None = None, mode: str | None = None, save: bool = False,
          min_accepted: int = 10, batch_size: int = 500,
          now: datetime | None = None) -> RouteSummary:
    """Accept confident suggestions and order the rest by uncertainty (module docstring).

    Parameters
    ----------
    threshold : float, optional
        Overrides the dataset's ``assist.thresholds[question]``.
    target_precision : float, optional
        Choose the threshold from calibration instead (needs gold or responses).
    against : {"responses", "gold"}
        Reference answers for ``target_precision``.
    mode : {"off", "response", "prefill"}, optional
        Overrides the dataset's ``assist.auto_accept``.
    save : bool
        Store the threshold (and mode) in the dataset's settings (a new version).
    min_accepted : int
        Fewest calibration answers a chosen threshold must accept.

    Raises
    ------
    InputError
        Bad mode or threshold, or no threshold reaches ``target_precision``.
    """
    started = time.perf_counter()
    now = now or utcnow()
    if mode is not None and mode not in MODES:
        raise InputError(f"expected one of {', '.join(MODES)}, got {mode!r}", field="--mode")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, got {threshold}",
                         field="--threshold")
    if target_precision is not None:
        report, scored = calibrate(engine, dataset, question, against=against, agent=agent,
                                   target_precision=target_precision, min_accepted=min_accepted)
        if report.threshold is None:
            raise InputError(f"no threshold reaches precision {target_precision} on "
                             f"{report.n} suggestions of {scored.agent} checked against "
                             f"{against} (accuracy {report.accuracy:.3f}); lower the target "
                             "or collect more answers", field="--target-precision")
        threshold, agent = report.threshold.threshold, scored.agent
    if save and threshold is not None:
        _save_threshold(engine, dataset, question, threshold, mode)
    with write_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        q = question_of(settings, question)
        agent = resolve_agent(session, ds.id, q.name, agent)
        rows = question_suggestions(session, ds.id, q.name, agent)
        assist = settings.assist or Assist()
        mode = mode or assist.auto_accept
        if threshold is None:
            threshold = assist.thresholds.get(q.name)
        user_id = None
        if mode == "response":
            user = _agent_user(session, agent_user_name(agent))
            add_member(session, ds, user)
            user_id = user.id
        dataset_id = ds.id
    summary = RouteSummary(dataset, q.name, agent, mode, threshold)
    scored = [r for r in rows if r.score is not None]
    summary.unscored = len(rows) - len(scored)
    for start in range(0, len(scored), batch_size):
        chunk = scored[start:start + batch_size]
        with write_scope(engine) as session:
            ds = get_dataset(session, dataset)
            accepted: set[int] = set()
            if threshold is not None and mode == "response":
                user = session.get(User, user_id)
                for r in chunk:
                    if r.score >= threshold and _accept(session, ds, settings, user, q,
                                                        r.record_id, r.value, now):
                        accepted.add(r.record_id)
                summary.accepted += len(accepted)
            elif threshold is not None and mode == "prefill":
                flags = {r.record_id: {"prefill": r.score >= threshold} for r in chunk}
                update_suggestion_meta(session, agent, q.name, flags)
                summary.prefilled += sum(f["prefill"] for f in flags.values())
            summary.queued += len(chunk) - len(accepted)
            set_priorities(session, dataset_id, {r.record_id: 1.0 - r.score for r in chunk})
    with write_scope(engine) as session:
        record_event(session, "assist.route", "dataset", dataset_id, dataset_id=dataset_id,
                     details={"question": q.name, "agent": agent, "mode": mode,
                              "threshold": threshold, "accepted": summary.accepted,
                              "prefilled": summary.prefilled})
    summary.seconds = time.perf_counter() - started
    return summary
