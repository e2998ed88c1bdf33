"""Where an annotator stands in a dataset: "12 of 150 done, 40 left for you".

The numbers are the statistics' (:func:`accord.workflow.stats.dataset_stats`): the
dataset's ordinary records come from the same :func:`~accord.store.stats.record_counts`,
and an annotator's ``done`` is what the statistics count for them, submitted responses
less answers to gold records, here read for one user through an index instead of the
whole dataset's responses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store.models import Dataset, Membership, User
from accord.store.stats import record_counts, records_left_for, user_response_counts
from accord.workflow.quotas import quota_of

__all__ = ["annotator_progress"]


def annotator_progress(session: Session, ds: Dataset, settings: Settings,
                       user: User) -> dict[str, Any]:
    """The user's progress in a dataset.

    Returns
    -------
    dict
        ``done`` (submitted responses to ordinary records), ``records`` (the dataset's
        ordinary records), ``completed_records``, ``left`` (records that still need
        responses and that the user has neither submitted nor skipped, at most what their
        quota leaves), ``drafts``, ``skipped``, ``gold_answered`` and ``quota`` (None:
        unlimited).
    """
    counts = record_counts(session, ds.id)
    mine = user_response_counts(session, ds.id, user.id)
    done = mine["submitted"] - mine["gold_answered"]
    left = records_left_for(session, ds.id, user.id, counts["pending"])
    quota = quota_of(settings, session.get(Membership, (ds.id, user.id)))
    if quota is not None:
        left = max(0, min(left, quota - done))
    return {"user": user.name, "done": done, "records": counts["records"] - counts["gold"],
            "completed_records": counts["completed"], "left": left, "drafts": mine["draft"],
            "skipped": mine["discarded"], "gold_answered": mine["gold_answered"],
            "quota": quota}
