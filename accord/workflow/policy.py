"""The write policy: may this user read or write this record now, and if not, why.

ONE place decides; every path asks it: ``next`` (through
:func:`member_standing`), every response save (draft, submit, discard:
:func:`accord.workflow.responses.save_response`), record reads (``GET`` a
record) and review verdicts (:func:`review_refusal`). The answer is None
(allowed) or a :class:`Refusal` with a reason code and a message that says
why; the server turns ``Refusal.error()`` into a JSON 403 (``forbidden``: the
caller may not) or 409 (``conflict``: the record's or response's state stands
in the way) with ``error.reason`` set (docs/api.md lists the codes).

Who may do what (docs/security.md, "The write policy"):

- **admin**: reads and writes any record of any dataset; a response needs no
  lease (it adds its claim on the record); not subject to onboarding, pause,
  quota or assignment rules.
- **reviewer** (member): reads every record of the dataset and writes their
  own responses like an admin; reviews others' submitted responses.
- **annotator** (member; a model agent calling the API with an annotator
  token is an annotator): reads only records handed to them (a lease) or that
  they answered, and only their own response. Writes (draft, submit,
  discard) only to a record they hold or already answered, and only while
  their standing allows work: not paused, guidelines acknowledged, and during
  training or qualification only the phase's records. A record outside their
  assignment ``match`` rules is refused even when held (their attributes may
  have changed since). A held record was within their quota when it was
  handed out; a record they were not handed is refused with the most specific
  reason (``quota_reached``, ``outside_assignment``, ``leased_to_other``,
  ``not_handed_out``).
- **in-process callers** (the CLI, model routing, scripts that open the
  database themselves) are the database's owner: ``save_response`` without
  ``remote=True`` applies only the response rules (values, versions, states).
- **review**: reviewers and admins judge submitted responses of others, bound
  to the version they saw (:func:`review_refusal`).
- **record metadata** (:func:`visible_metadata`, called by every serialization
  of a record): reviewers and admins see all of it; annotators only the keys
  the settings' ``metadata`` list marks visible, and the PII findings
  (``_pii``) unless that list hides them.

Cost: the annotator hot path passes the facts it already has (the caller's
lease from the statement that moves it, the caller's response row, the
membership row from the request's first statement), so an allowed save adds
no query; reasons for a refusal are looked up only on the refusal path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import Conflict, Forbidden
from accord.prep.pii_findings import PII_KEY
from accord.schema import Settings
from accord.store.detached import load_response
from accord.store.models import Dataset, Record, Response, User, utcnow
from accord.store.queue import held_by_other, lease_of
from accord.store.workforce import member_row, recount_quota
from accord.workflow.assignment_rules import record_matches
from accord.workflow.onboarding import Standing, message_for, standing
from accord.workflow.quotas import quota_of

__all__ = ["ACTIONS", "Refusal", "member_standing", "record_refusal", "require_record_access",
           "review_refusal", "pii_review_refusal", "needs_free_slot", "REASONS",
           "visible_metadata"]

#: what a caller does to a record
ACTIONS = ("read", "draft", "submitted", "discarded")

#: every reason code the policy gives, with its HTTP status
REASONS = {
    "paused": 403, "needs_guidelines_ack": 403, "training": 403, "qualification": 403,
    "qualification_failed": 403, "onboarding_unavailable": 403, "quota_reached": 403,
    "outside_assignment": 403, "not_handed_out": 403, "leased_to_other": 409,
    "record_full": 409, "own_response": 403, "not_submitted": 409, "stale_version": 409,
    "already_submitted": 409, "role": 403,
}
_UNKNOWN: Any = object()
_BLOCKING = ("paused", "needs_guidelines_ack", "qualification_failed", "onboarding_unavailable")


@dataclass(frozen=True)
class Refusal:
    """Why the policy said no: ``reason`` is a code of :data:`REASONS`, ``message`` is
    for the person."""

    reason: str
    message: str

    @property
    def status(self) -> int:
        return REASONS[self.reason]

    def error(self) -> Forbidden | Conflict:
        """The exception the library raises (403 ``forbidden`` / 409 ``conflict``)."""
        cls = Conflict if self.status == 409 else Forbidden
        return cls(self.message, reason=self.reason)


def member_standing(session: Session, ds: Dataset, settings: Settings, user: User, *,
                    now: datetime | None = None, advance: bool = False) -> Standing:
    """The member-level gates (pause, guidelines, onboarding phase) for ``user``.

    ``next`` calls it with ``advance`` (a finished phase moves on); writes call it
    without, so a check never changes the member's row. Roles above annotator and
    non-members are always ``ok``.
    """
    m = member_row(session, ds.id, user.id) if user.role == "annotator" else None
    return standing(session, ds, settings, user, m, now=now, advance=advance)


def needs_free_slot(user: User, remote: bool) -> bool:
    """Whether a first submission without a lease must find a free overlap slot (a remote
    annotator whose lease expired) rather than add its claim (admins, reviewers, owners)."""
    return remote and user.role == "annotator"


def record_refusal(session: Session, ds: Dataset, settings: Settings, user: User,
                   record: Record, action: str, *, held: Any = _UNKNOWN,
                   response: Any = _UNKNOWN, now: datetime | None = None) -> Refusal | None:
    """May ``user`` do ``action`` (one of :data:`ACTIONS`) to ``record`` now? None: yes.

    Parameters
    ----------
    held : bool, optional
        Whether the user holds a lease on the record (even an expired one nobody took
        back yet); looked up when not given.
    response : Response or None, optional
        The user's own response to the record (None: none); looked up when not given.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    if user.role != "annotator":
        return None  # admins and reviewers (membership is checked with the dataset)
    if held is _UNKNOWN:
        held = lease_of(session, record.id, user.id) is not None
    if response is _UNKNOWN:
        response = load_response(session, record.id, user.id)
    mine = held or response is not None
    if action == "read":
        return None if mine else _not_handed(session, ds, settings, user, record, now)
    now = now or utcnow()
    where = member_standing(session, ds, settings, user, now=now)
    if where.state in _BLOCKING:
        return Refusal(where.state, message_for(where.state))
    if where.state in ("training", "qualification") and record.id not in where.record_ids:
        return Refusal(where.state, f"during {where.state} you may answer only the "
                       f"{where.state} records handed to you ({where.done} of {where.needed} "
                       "done); ask for the next record")
    if not mine:
        if load_response(session, record.id, user.id) is not None:
            # the caller's own save in another request committed while this one waited for
            # the lease row (PostgreSQL, read committed): theirs won, this one is stale
            return Refusal("stale_version", "a concurrent save of this response won; reload "
                           "and apply your change again")
        return _not_handed(session, ds, settings, user, record, now, where)
    if not record.is_gold and not record_matches(settings, user, record.meta):
        return _outside(settings, user)
    return None


def require_record_access(session: Session, ds: Dataset, settings: Settings, user: User,
                          record: Record, action: str, **facts: Any) -> None:
    """:func:`record_refusal`, raising its error (``Forbidden`` / ``Conflict``)."""
    refusal = record_refusal(session, ds, settings, user, record, action, **facts)
    if refusal is not None:
        raise refusal.error()


def _outside(settings: Settings, user: User) -> Refusal:
    keys = ", ".join(f"metadata.{r.metadata} vs your {r.attribute!r}"
                     for r in (settings.assignment.match if settings.assignment else []))
    return Refusal("outside_assignment", "this record is outside your assignment rules "
                   f"({keys}); ask for the next record")


def _not_handed(session: Session, ds: Dataset, settings: Settings, user: User, record: Record,
                now: datetime | None, where: Standing | None = None) -> Refusal:
    """The most specific reason why a record the user neither holds nor answered is not
    theirs (the refusal path only: these look-ups cost nothing on allowed requests)."""
    now = now or utcnow()
    if where is not None and not record.is_gold:
        m = member_row(session, ds.id, user.id)
        quota = quota_of(settings, m)
        if m is not None and quota is not None and \
                recount_quota(session, ds.id, user.id, now) >= quota:
            return Refusal("quota_reached", message_for("quota_reached"))
        if not record_matches(settings, user, record.meta):
            return _outside(settings, user)
    if held_by_other(session, record.id, user.id, now):
        return Refusal("leased_to_other", "this record is reserved for another annotator "
                       "right now; ask for the next record")
    return Refusal("not_handed_out", "this record was not handed to you (or your hold on it "
                   "expired and it went back to the pool); ask for the next record")


def visible_metadata(settings: Settings, user: User,
                     metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The part of a record's ``metadata`` that ``user`` may read.

    Reviewers and admins see every key (they judge and manage records by their
    source, split, scores...). Annotators see the keys the settings' ``metadata``
    list declares with ``visible: true`` (none when it declares none), plus the
    PII findings ``_pii`` that the annotate page highlights so they can take care
    (docs/prep.md, PII review) unless that list declares ``_pii`` with
    ``visible: false``. Every other key, prep's other ``_`` annotations
    included, stays on the server.

    >>> from accord.schema import parse_settings
    >>> s = parse_settings({"fields": [{"name": "t", "type": "text"}],
    ...                     "metadata": [{"name": "lang"}, {"name": "src", "visible": False}]})
    >>> meta = {"lang": "en", "src": "crawl", "_pii": {}, "_dedupe": 1}
    >>> visible_metadata(s, User(name="a", role="annotator"), meta)
    {'lang': 'en', '_pii': {}}
    >>> sorted(visible_metadata(s, User(name="r", role="reviewer"), meta))
    ['_dedupe', '_pii', 'lang', 'src']
    """
    if not metadata:
        return {}
    if user.role in ("reviewer", "admin"):
        return dict(metadata)
    declared = {m.name: m.visible for m in settings.metadata or ()}
    return {k: v for k, v in metadata.items()
            if declared.get(k, k == PII_KEY)}


def pii_review_refusal(user: User, *, remote: bool = True) -> Refusal | None:
    """May ``user`` confirm or dismiss a record's PII findings? Reviewers and admins
    (``remote``: the role rules; an in-process caller is the database's owner)."""
    if remote and user.role not in ("reviewer", "admin"):
        return Refusal("role", f"reviewing PII findings needs the reviewer role; {user.name!r} "
                       f"is {user.role}")
    return None


def review_refusal(user: User, response: Response, seen_version: int, *,
                   remote: bool = True) -> Refusal | None:
    """May ``user`` give a verdict on ``response``, having seen ``seen_version`` of it?

    Reviewers and admins judge submitted responses of others (``remote``: the role
    rules; an in-process caller is the database's owner), and only the version they
    saw: a response edited since is a 409 ``stale_version`` (reload and judge what is
    there now).
    """
    if remote and user.role not in ("reviewer", "admin"):
        return Refusal("role", f"reviewing needs the reviewer role; {user.name!r} is "
                       f"{user.role}")
    if remote and response.user_id == user.id:
        return Refusal("own_response", "you cannot review your own response; another "
                       "reviewer must")
    if response.status != "submitted":
        return Refusal("not_submitted", "only submitted responses can be reviewed; this one "
                       f"is {response.status} now")
    if seen_version != response.version:
        return Refusal("stale_version", f"the response changed since you saw it: you judged "
                       f"version {seen_version}, it is at version {response.version} now; "
                       "reload it and judge what is there")
    return None
