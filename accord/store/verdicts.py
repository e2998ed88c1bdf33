"""Which review verdict applies to a response: ONE rule for every reader.

A verdict judges the response version the reviewer saw
(``reviews.response_version``, migration 0007). It applies while the response
is still at that version; the latest applying verdict wins. An annotator's
later edit moves the version on, so no earlier verdict applies any more: the
response is back in the review queue (``responses.review_state`` is NULL) and
the old verdicts stay in ``reviews`` as history.

An admin can also send a judged response back to review (the record browser's
bulk action, :func:`accord.workflow.review.send_to_review`): a review row with
the verdict :data:`REQUEUE` on the current version. It is the latest applying
review, and it means "no verdict in force": ``review_state`` becomes NULL, the
response is back in the review queue and counts as unreviewed everywhere, and
the next reviewer's verdict is in force again.

``responses.review_state`` is kept equal to the verdict in force by the two
writers (:func:`accord.workflow.review.review_response` sets it,
:func:`accord.workflow.responses.save_response` clears it when the version
moves on), so readers that need only the verdict read that column. Readers
that need a fix's corrected values (exports, the quality loader) call
:func:`verdicts_in_force`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, select

from accord.store.models import Record, Response, Review, User

__all__ = ["REQUEUE", "Verdict", "verdict_applies", "review_in_force", "IN_FORCE",
           "verdicts_in_force", "fixes_in_force", "rejected_responses"]

#: the review kind that ends the verdict in force (an admin sent the response back to review)
REQUEUE = "requeue"

_rev = Review.__table__
_resp = Response.__table__

#: SQL: the review row judged the response row's current version (join condition)
IN_FORCE = and_(_rev.c.response_id == _resp.c.id, _rev.c.response_version == _resp.c.version)

_IN_FORCE_PAGE = (select(_rev.c.response_id, _rev.c.id, _rev.c.verdict, _rev.c["values"])
                  .join_from(_rev, _resp, IN_FORCE)
                  .where(_resp.c.record_id.between(bindparam("lo"), bindparam("hi")),
                         _resp.c.dataset_id == bindparam("ds"))
                  .order_by(_rev.c.id))


class Verdict(NamedTuple):
    """The verdict in force on a response: the review's id, ``accept``/``reject``/``fix``
    and, for a fix, the corrected values."""

    review_id: int
    verdict: str
    values: dict[str, Any] | None


def verdict_applies(review_version: int | None, response_version: int) -> bool:
    """Whether a verdict given on ``review_version`` still applies to a response now at
    ``response_version`` (a verdict without a version applies to none).

    >>> verdict_applies(3, 3)
    True
    >>> verdict_applies(3, 4)  # the annotator edited the response after the review
    False
    """
    return review_version is not None and review_version == response_version


def review_in_force(reviews: Iterable[tuple[int, int | None, str]],
                    response_version: int) -> int | None:
    """The id of the verdict in force among a response's ``(review id, judged version,
    verdict)`` triples: the latest that judged the response's current version; None when
    none did or when that latest one is a :data:`REQUEUE` (sent back to review).

    >>> review_in_force([(1, 2, "accept"), (2, 2, "fix"), (3, 3, "reject")], 3)
    3
    >>> review_in_force([(1, 2, "accept")], 3), review_in_force([(1, 3, "accept"),
    ...                                                          (2, 3, "requeue")], 3)
    (None, None)
    """
    found: tuple[int, str] | None = None
    for review_id, version, verdict in reviews:
        if verdict_applies(version, response_version) and (found is None or
                                                           review_id > found[0]):
            found = (review_id, verdict)
    return None if found is None or found[1] == REQUEUE else found[0]


def verdicts_in_force(conn: Connection, dataset_id: int, lo: int, hi: int) -> dict[int, Verdict]:
    """``{response id: verdict in force}`` for the responses of records ``lo..hi`` (ids) of a
    dataset; responses without one (or sent back to review) are absent. One indexed
    statement per page."""
    out: dict[int, Verdict] = {}
    for response_id, review_id, verdict, values in conn.execute(
            _IN_FORCE_PAGE, {"lo": lo, "hi": hi, "ds": dataset_id}):
        if verdict == REQUEUE:
            out.pop(response_id, None)  # sent back to review: no verdict in force
        else:
            out[response_id] = Verdict(review_id, verdict, values)  # later reviews win
    return out


def fixes_in_force(conn: Connection, dataset_id: int, lo: int, hi: int) -> dict[int, Any]:
    """``{response id: corrected values}`` for the responses whose verdict in force is a fix."""
    return {rid: v.values for rid, v in verdicts_in_force(conn, dataset_id, lo, hi).items()
            if v.verdict == "fix" and v.values}


_rec = Record.__table__
_user = User.__table__
_REJECTED = (select(_resp.c.id, _resp.c.record_id, _rec.c.external_id, _resp.c.version,
                    _resp.c["values"], _resp.c.updated_at, _rev.c.id.label("review_id"),
                    _rev.c.reason, _rev.c.comment, _rev.c.created_at.label("reviewed_at"),
                    _user.c.name.label("reviewer"))
             .join_from(_resp, _rev, IN_FORCE)
             .join(_rec, _rec.c.id == _resp.c.record_id)
             .outerjoin(_user, _user.c.id == _rev.c.reviewer_id)
             .where(_resp.c.dataset_id == bindparam("ds"), _resp.c.user_id == bindparam("uid"),
                    _resp.c.review_state == "reject")
             .order_by(_rev.c.id.desc()))


def rejected_responses(conn: Connection, dataset_id: int, user_id: int,
                       limit: int = 200) -> list[Any]:
    """The user's responses in a dataset whose verdict in force is a rejection, the latest
    rejection first: rows with the response (``id``, ``record_id``, ``external_id``,
    ``version``, ``values``, ``updated_at``) and the verdict (``review_id``, ``reason``,
    ``comment``, ``reviewed_at``, ``reviewer``). A resubmission moves the response's version
    on, so it leaves this list (the rejection stays in the review history)."""
    out: dict[int, Any] = {}
    for row in conn.execute(_REJECTED, {"ds": dataset_id, "uid": user_id}):
        out.setdefault(row.id, row)  # the latest verdict in force wins
        if len(out) >= limit:
            break
    return list(out.values())
