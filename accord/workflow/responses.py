"""Responses: draft / submitted / discarded, full history, optimistic concurrency.

Every change writes a history row (who, when, old and new values and status);
the history table is the audit trail of responses.
An update names the version it was based on; if the stored version moved on,
:class:`~accord.errors.Conflict` is raised and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from accord.errors import Conflict, InputError, NotFound
from accord.schema import Settings, validate_values
from accord.store import queue
from accord.store.audit import record_event
from accord.store.detached import detached
from accord.store.models import Dataset, Record, Response, User, utcnow
from accord.store.responses import (
    add_history,
    gold_answer,
    insert_response_row,
    insert_response_with_history,
    set_gold_correct,
    stored_version,
    update_response_versioned,
)
from accord.workflow.gold import score_against_gold
from accord.workflow.policy import needs_free_slot, require_record_access

__all__ = ["STATUSES", "MAX_TIME_SPENT", "save_response", "save_record_response"]

STATUSES = ("draft", "submitted", "discarded")
MAX_TIME_SPENT = 86400  # seconds one save may report at most


def save_response(session: Session, ds: Dataset, settings: Settings, record: Record, user: User,
                  values: dict[str, Any] | None, *, status: str, version: int | None = None,
                  time_spent: float = 0.0, now: datetime | None = None,
                  remote: bool = False) -> Response:
    """Create or update ``user``'s response to ``record``.

    Parameters
    ----------
    values : dict or None
        ``{question: value}``; validated against the settings (complete for
        ``submitted``, partial for ``draft`` and ``discarded``: a skipped record
        may keep what was typed, but only valid answers to real questions).
    status : {"draft", "submitted", "discarded"}
    version : int, optional
        The version the caller last saw; a mismatch raises :class:`Conflict`.
        ``None`` skips the check (first save or a blind overwrite by a script).
    time_spent : float
        Seconds spent in this session on the record, added to the total. For a
        remote caller it is capped at the wall-clock time since the record was
        handed to them or since their last save of it, whichever is later
        (``resp.time_spent_counted`` says what was added; docs/security.md).
    remote : bool
        The save comes from a caller of the REST API: the write policy
        (:mod:`accord.workflow.policy`) decides whether this user may write this
        record now. In-process callers (the CLI, model routing, scripts holding
        the database) act as the database's owner and skip the role rules.

    Raises
    ------
    InputError
        Invalid values (``field`` is the question name), status or time.
    Forbidden, Conflict
        The write policy refused (``reason`` says why), or a stale version
        (``reason`` ``stale_version``).
    """
    _check_save(status, time_spent)
    now = now or utcnow()
    clean = _clean(settings, record, values, status)
    # the caller's response, locked, and their lease moved on (extended for a draft, taken
    # otherwise): the statement that moves it also says whether they hold one
    resp, lease = queue.response_and_lease(session, record.id, user.id, now,
                                           _lease_seconds(settings, status))
    return _save(session, ds, settings, record, user, clean, resp, lease, status=status,
                 version=version, time_spent=time_spent, now=now, remote=remote)


def save_record_response(session: Session, ds: Dataset, settings: Settings, record_id: int,
                         user: User, values: dict[str, Any] | None, *, status: str,
                         version: int | None = None, time_spent: float = 0.0,
                         now: datetime | None = None,
                         remote: bool = False) -> tuple[Record, Response]:
    """:func:`save_response` to the record ``record_id`` of ``ds``, read with the caller's
    response and lease (one statement on PostgreSQL: the annotator loop's submit); returns
    the record and the response.

    Raises
    ------
    NotFound
        ``ds`` has no record ``record_id`` (nothing is read or changed beyond the record).
    InputError, Forbidden, Conflict
        As :func:`save_response`.
    """
    _check_save(status, time_spent)
    now = now or utcnow()
    record, resp, lease = queue.record_response_and_lease(
        session, record_id, ds.id, user.id, now, _lease_seconds(settings, status))
    if record is None:
        raise NotFound(f"record {record_id} does not exist in dataset {ds.name!r}")
    clean = _clean(settings, record, values, status)
    return record, _save(session, ds, settings, record, user, clean, resp, lease,
                         status=status, version=version, time_spent=time_spent, now=now,
                         remote=remote)


def _check_save(status: str, time_spent: float) -> None:
    if status not in STATUSES:
        raise InputError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}",
                         field="status")
    if not 0 <= time_spent <= MAX_TIME_SPENT:  # also refuses NaN
        raise InputError(f"time_spent must be 0..{MAX_TIME_SPENT} seconds, got {time_spent}",
                         field="time_spent")


def _clean(settings: Settings, record: Record, values: dict[str, Any] | None,
           status: str) -> dict[str, Any]:
    return validate_values(settings, values or {}, record.fields,
                           require_complete=status == "submitted")


def _lease_seconds(settings: Settings, status: str) -> int | None:
    """How a save moves the caller's lease: extended by these seconds (a draft), or taken
    (None)."""
    return settings.distribution.lease_seconds if status == "draft" else None


def _save(session: Session, ds: Dataset, settings: Settings, record: Record, user: User,
          clean: dict[str, Any], resp: Response | None, lease: queue.LeaseFact | None, *,
          status: str, version: int | None, time_spent: float, now: datetime,
          remote: bool) -> Response:
    """The save itself, from the caller's locked response and their lease as the save's
    first statement moved it."""
    overlap = settings.distribution.overlap
    if remote:
        require_record_access(session, ds, settings, user, record, status,
                              held=lease is not None, response=resp, now=now)
        counted = _bounded_time(time_spent, now, lease, resp)
    else:
        counted = time_spent
    old_status = None if resp is None else resp.status
    old_values = None if resp is None else resp.values
    if resp is None:
        if version not in (None, 0):
            raise Conflict(f"response version {version} does not exist (no response yet)",
                           reason="stale_version")
        row = dict(record_id=record.id, dataset_id=ds.id, user_id=user.id, values=clean,
                   status=status, time_spent=counted, version=1, created_at=now,
                   settings_version=ds.settings_version,
                   updated_at=now, submitted_at=now if status == "submitted" else None)
        history = dict(user_id=user.id, version=1, old_status=None, new_status=status,
                       old_values=None, new_values=clean, changed_at=now)
        claim, d_claims, d_sub = _queue_change(record, None, status, lease,
                                               free_slot_only=needs_free_slot(user, remote))
        if claim or d_claims < 0:  # the rare cases: the statements one by one
            new_id = insert_response_row(session, row)
            if new_id is not None:
                add_history(session, response_id=new_id, **history)
                _update_queue(session, record, overlap, claim, d_claims, d_sub)
        else:  # the response, its history and the record's counters (one statement, PG)
            new_id = insert_response_with_history(session, row, history, overlap=overlap,
                                                  d_claims=d_claims, d_submitted=d_sub)
        if new_id is None:  # the same user saved this record at the same moment
            raise Conflict("a concurrent save of this response won; reload and apply "
                           "your change again", reason="stale_version")
        # built like a loaded row: the mapped constructor fires an event per attribute
        resp = detached(Response, ["id", "gold_correct", "review_state", *row],
                        (new_id, None, None, *row.values()))
        new_version = 1
    else:
        if old_status == "submitted" and status == "draft":
            raise Conflict("this response is already submitted; submit the changes instead",
                           reason="already_submitted")
        expected = resp.version if version is None else version
        extra: dict[str, Any] = {}
        if status == "submitted" and old_status != "submitted":
            extra["submitted_at"] = now
        extra["review_state"] = None  # a new version: earlier verdicts no longer apply
        changes = {"values": clean, "status": status, "settings_version": ds.settings_version,
                   "time_spent": resp.time_spent + counted, "updated_at": now, **extra}
        if not update_response_versioned(session, resp.id, expected, **changes):
            raise Conflict(f"stale response: you edited version {expected}, the stored version "
                           f"is {stored_version(session, resp.id)}; reload and apply your "
                           "change again", reason="stale_version")
        new_version = expected + 1
        for key, value in {**changes, "version": new_version}.items():
            set_committed_value(resp, key, value)  # mirror the UPDATE without re-reading
        add_history(session, response_id=resp.id, user_id=user.id, version=new_version,
                    old_status=old_status, new_status=status,
                    old_values=old_values,
                    new_values=clean, changed_at=now)
        _update_queue(session, record, overlap,
                      *_queue_change(record, old_status, status, lease,
                                     free_slot_only=needs_free_slot(user, remote)))
    if record.is_gold and status == "submitted":
        gold = gold_answer(session, record.id)
        resp.gold_correct = score_against_gold(gold or {}, clean)
        set_gold_correct(session, resp.id, resp.gold_correct)
    resp.time_spent_counted = counted  # type: ignore[attr-defined]
    if remote and counted < time_spent:
        record_event(session, "response.time_capped", "response", resp.id, user_id=user.id,
                     dataset_id=ds.id, details={"asked": time_spent, "counted": counted},
                     at=now)
    return resp


def _bounded_time(asked: float, now: datetime, lease: queue.LeaseFact | None,
                  resp: Response | None) -> float:
    """``asked``, capped at the seconds since the record was handed out (the lease's start)
    or last saved by this user, whichever is later; uncapped when neither is known (an
    admin's or reviewer's first save of a record they were not handed)."""
    marks = [t for t in (lease.created_at if lease else None,
                         resp.updated_at if resp is not None else None) if t is not None]
    if not marks:
        return asked
    bound = max(0.0, (now - max(marks)).total_seconds())
    return min(asked, bound)


def _queue_change(record: Record, old: str | None, new: str, lease: queue.LeaseFact | None,
                  *, free_slot_only: bool) -> tuple[bool, int, int]:
    """How a save moves the record's counters: ``(claim a free slot first, claims delta,
    submitted delta)``; ``lease`` is the caller's lease as the save found it (extended for
    a draft, deleted otherwise)."""
    was_sub, now_sub = old == "submitted", new == "submitted"
    if new == "draft" or record.is_gold:
        return False, 0, 0  # a draft keeps its lease; gold records hold no claims
    counted = lease is not None and lease.counted
    if now_sub and not was_sub:
        # an own draft or skip whose lease expired and was taken back: take a free slot
        # under the row lock, or refuse rather than over-assign the record; a counted
        # lease (or that slot) turns into the submission's claim; without one, add a claim
        claim = not counted and free_slot_only
        return claim, 0 if counted or claim else 1, 1
    if was_sub:  # an edit or a discard of a submission; a stray lease gives its claim back
        d_sub = 0 if now_sub else -1
        return False, d_sub - (1 if counted else 0), d_sub
    return False, -1 if counted else 0, 0  # discarded: a counted lease gives its claim back


def _update_queue(session: Session, record: Record, overlap: int, claim: bool, d_claims: int,
                  d_sub: int) -> None:
    """Apply :func:`_queue_change`'s answer."""
    if claim and not queue.claim_record(session, record.id, overlap):
        raise Conflict("this record needs no more annotators (your hold on it expired "
                       "and it went to someone else); ask for the next record",
                       reason="record_full")
    if d_claims or d_sub:
        queue.bump_counters(session, record.id, overlap, d_claims=d_claims, d_submitted=d_sub)
