"""The time report: per annotator and UTC day, records submitted, active time (the sum of
the responses' ``time_spent``) and the median seconds per record."""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.store.models import Dataset
from accord.store.workforce import timesheet_rows

__all__ = ["timesheet", "timesheet_csv", "COLUMNS"]

COLUMNS = ("date", "user", "records", "active_seconds", "median_seconds")


def timesheet(session: Session, ds: Dataset, *, since: datetime | None = None,
              until: datetime | None = None) -> list[dict[str, Any]]:
    """One row per (day, annotator) with submitted responses, ordered by day then name.

    A response counts on the UTC day it was first submitted; ``active_seconds`` adds
    the time spent on it across sessions (drafts included).
    """
    per: dict[tuple[str, str], list[float]] = defaultdict(list)
    for name, at, spent in timesheet_rows(session, ds.id, since=since, until=until):
        day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(
            UTC).date().isoformat()
        per[(day, name)].append(spent)
    return [{"date": day, "user": name, "records": len(times),
             "active_seconds": round(sum(times), 3),
             "median_seconds": round(statistics.median(times), 3)}
            for (day, name), times in sorted(per.items())]


def timesheet_csv(rows: list[dict[str, Any]]) -> str:
    """The report as CSV text with a header row (:data:`COLUMNS`).

    >>> print(timesheet_csv([{"date": "2026-01-02", "user": "ann", "records": 2,
    ...                       "active_seconds": 30.0, "median_seconds": 15.0}]).strip())
    date,user,records,active_seconds,median_seconds
    2026-01-02,ann,2,30.0,15.0
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
