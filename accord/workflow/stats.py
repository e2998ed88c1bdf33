"""Statistics per dataset and per annotator."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store.assist_queries import model_user_ids
from accord.store.models import Dataset, utcnow
from accord.store.stats import record_counts, response_rows

__all__ = ["dataset_stats"]


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def dataset_stats(session: Session, ds: Dataset, settings: Settings, *,
                  bucket: str = "hour", now: datetime | None = None) -> dict[str, Any]:
    """Progress, per-annotator counts (each annotator a ``person`` or a ``model``),
    throughput over time, median time, gold accuracy, review correction rate, a completion
    estimate, and agreement per question (``alpha``, ``level``, ``metric``, ``value``: the
    quality core's, :func:`accord.workflow.consensus.dataset_agreement`)."""
    from accord.workflow.consensus import dataset_agreement

    now = now or utcnow()
    counts = record_counts(session, ds.id)
    rows = response_rows(session, ds.id)
    models = model_user_ids(session)
    per: dict[str, dict[str, Any]] = defaultdict(lambda: {"kind": "person",
        "submitted": 0, "drafts": 0, "discarded": 0, "times": [], "gold": [], "reviewed": 0,
        "corrected": 0, "throughput": defaultdict(int)})
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    recent_cutoff = now - timedelta(hours=1)
    recent = 0
    for r in rows:
        p = per[r["name"]]
        if r["user_id"] in models:
            p["kind"] = "model"
        if r["status"] == "submitted":
            p["submitted"] += 1
            p["times"].append(r["time_spent"] or 0.0)
            if r["submitted_at"] is not None:
                at = _aware(r["submitted_at"])
                start = at.replace(minute=0, second=0, microsecond=0)
                if step.days:
                    start = start.replace(hour=0)
                p["throughput"][start.isoformat()] += 1
                if at >= recent_cutoff:
                    recent += 1
            if r["gold_correct"] is not None:
                p["gold"].append(r["gold_correct"])
            if r["review_state"] is not None:
                p["reviewed"] += 1
                p["corrected"] += r["review_state"] in ("reject", "fix")
        elif r["status"] == "draft":
            p["drafts"] += 1
        else:
            p["discarded"] += 1
    annotators = []
    for name, p in sorted(per.items()):
        annotators.append({
            "user": name, "kind": p["kind"], "submitted": p["submitted"], "drafts": p["drafts"],
            "discarded": p["discarded"],
            "median_seconds": statistics.median(p["times"]) if p["times"] else None,
            "gold_accuracy": sum(p["gold"]) / len(p["gold"]) if p["gold"] else None,
            "gold_answered": len(p["gold"]),
            "reviewed": p["reviewed"],
            "correction_rate": p["corrected"] / p["reviewed"] if p["reviewed"] else None,
            "throughput": dict(sorted(p["throughput"].items())),
        })
    all_times = [t for p in per.values() for t in p["times"]]
    overlap = settings.distribution.overlap
    needed = (counts["records"] - counts["gold"]) * overlap
    submitted = sum(a["submitted"] for a in annotators) - sum(a["gold_answered"]
                                                              for a in annotators)
    remaining = max(needed - submitted, 0)
    eta = remaining / recent * 3600 if recent else None
    return {
        "dataset": ds.name, "overlap": overlap, **counts,
        "submitted_responses": submitted, "remaining_responses": remaining,
        "progress": (submitted / needed) if needed else 1.0,
        "median_seconds": statistics.median(all_times) if all_times else None,
        "responses_last_hour": recent,
        "completion_estimate_seconds": eta,
        "annotators": annotators,
        "agreement": {name: {k: a[k] for k in ("type", "alpha", "level", "metric", "value",
                                              "records_with_2plus", "annotations",
                                              "model_answers")}
                      for name, a in dataset_agreement(session, ds, settings).items()},
    }
