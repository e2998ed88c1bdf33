"""Consensus for a dataset: aggregate submitted answers per question, keep the result with
its confidence, measure agreement, and rank the disagreement queue.

The algorithms are :mod:`accord.quality`'s; this module only turns the store's
responses into their long-form input and stores what comes out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.schema import Settings
from accord.store.aggregates import replace_aggregates, submitted_answers
from accord.store.models import Dataset, utcnow

__all__ = ["AGGREGATABLE", "collect_answers", "aggregate_dataset", "question_agreement",
           "annotator_report"]

#: question types with a consensus, and the agreement level used for them
AGGREGATABLE = {"label": "nominal", "pairwise": "nominal", "rating": "interval",
                "multi_label": None, "span": None, "ranking": None}


def collect_answers(session: Session, ds: Dataset
                    ) -> dict[str, list[tuple[int, str, Any, float]]]:
    """Submitted answers per question: ``(record_id, annotator, value, seconds)``."""
    out: dict[str, list[tuple[int, str, Any, float]]] = defaultdict(list)
    for record_id, user, values, spent in submitted_answers(session, ds.id):
        for question, value in values.items():
            out[question].append((record_id, user, value, spent))
    return out


def _label_rows(question: Any, answers: list[tuple[int, str, Any, float]]) -> list[tuple]:
    if question.type == "pairwise":
        return [(r, u, v["choice"]) for r, u, v, _ in answers if isinstance(v, dict)]
    return [(r, u, v) for r, u, v, _ in answers]


def _pair_agreement(values: list[Any]) -> float:
    n = len(values)
    if n < 2:
        return 1.0
    keys = [repr(v) for v in values]
    same = sum(1 for i in range(n) for j in range(i + 1, n) if keys[i] == keys[j])
    return same / (n * (n - 1) / 2)


def _consensus_rows(question: Any, answers: list[tuple[int, str, Any, float]],
                    method: str) -> list[dict[str, Any]]:
    from accord.quality.aggregation import (
        AGGREGATORS,
        MultiLabel,
        RankedPairs,
        RatingAggregator,
        SpanVote,
        comparisons_from_rankings,
    )

    counts: dict[int, list[Any]] = defaultdict(list)
    for r, _, v, _ in answers:
        counts[r].append(v)
    rows: list[dict[str, Any]] = []
    if question.type in ("label", "pairwise"):
        data = _label_rows(question, answers)
        consensus = AGGREGATORS[method]().fit(data, labels=None).predict()
        for item, label, conf in consensus:
            value = {"choice": label} if question.type == "pairwise" else label
            rows.append({"record_id": int(item), "value": value, "confidence": float(conf)})
    elif question.type == "rating":
        consensus = RatingAggregator("median").fit(_label_rows(question, answers)).predict()
        for item, value, conf in consensus:
            rows.append({"record_id": int(item), "value": value, "confidence": float(conf)})
    elif question.type == "multi_label":
        consensus = MultiLabel().fit(_label_rows(question, answers)).predict()
        for item, labels, scores in zip(consensus.items, consensus.labels, consensus.scores):
            conf = min((max(p, 1 - p) for p in scores.values()), default=1.0)
            rows.append({"record_id": int(item), "value": list(labels), "confidence": conf})
    elif question.type == "span":
        data = [(r, u, [(s["start"], s["end"], s["label"]) for s in v]) for r, u, v, _ in answers]
        consensus = SpanVote().fit(data).predict()
        for item, spans, confs in zip(consensus.items, consensus.spans, consensus.confidence):
            rows.append({"record_id": int(item), "value": [s.as_dict() for s in spans],
                         "confidence": float(min(confs)) if confs else 1.0})
    elif question.type == "ranking":
        for record_id, orders in counts.items():
            ranking = RankedPairs().fit(comparisons_from_rankings(orders)).predict()
            conf = min(ranking.confidence) if ranking.confidence else 1.0
            rows.append({"record_id": record_id, "value": list(ranking.order),
                         "confidence": float(conf)})
    else:
        raise InputError(f"question type {question.type!r} has no consensus", field=question.name)
    for row in rows:
        values = counts[row["record_id"]]
        if question.type == "pairwise":
            values = [v.get("choice") for v in values]
        row["agreement"] = _pair_agreement(values)
        row["n_responses"] = len(counts[row["record_id"]])
        if not math.isfinite(row["confidence"]):
            row["confidence"] = 0.0
    return rows


def aggregate_dataset(session: Session, ds: Dataset, settings: Settings, *,
                      method: str | None = None, questions: list[str] | None = None,
                      now: datetime | None = None) -> dict[str, int]:
    """Compute and store the consensus of every aggregatable question.

    Parameters
    ----------
    method : str, optional
        Aggregator for label and pairwise questions (a key of
        :data:`accord.quality.aggregation.AGGREGATORS`; default
        :data:`~accord.quality.aggregation.DEFAULT_METHOD`); ratings use the median, multi-label a
        per-label vote, spans a character vote, rankings ranked pairs.

    Returns
    -------
    dict
        Question name -> number of records with a stored aggregate.
    """
    from accord.quality.aggregation import AGGREGATORS, DEFAULT_METHOD

    method = method or DEFAULT_METHOD
    if method not in AGGREGATORS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(AGGREGATORS)}",
                         field="method")
    now = now or utcnow()
    answers = collect_answers(session, ds)
    wanted = [q for q in settings.questions if q.type in AGGREGATABLE and
              (questions is None or q.name in questions)]
    out = {}
    for q in wanted:
        rows = _consensus_rows(q, answers[q.name], method) if answers.get(q.name) else []
        out[q.name] = replace_aggregates(session, ds.id, q.name, rows, method, now)
    return out


def question_agreement(session: Session, ds: Dataset, settings: Settings,
                       *, metric: str = "alpha") -> dict[str, dict[str, Any]]:
    """Agreement per question (Krippendorff's alpha at the question's level by default)."""
    from accord.quality.agreement import agreement_score

    answers = collect_answers(session, ds)
    out: dict[str, dict[str, Any]] = {}
    for q in settings.questions:
        level = AGGREGATABLE.get(q.type)
        rows = _label_rows(q, answers.get(q.name, [])) if level else []
        items = defaultdict(int)
        for r, _, _ in rows:
            items[r] += 1
        multi = sum(1 for n in items.values() if n >= 2)
        value = None
        if level and multi:
            try:
                value = float(agreement_score(rows, metric, level))
            except InputError:
                value = None
        out[q.name] = {"type": q.type, "metric": metric if level else None, "level": level,
                       "value": None if value is None or not math.isfinite(value) else value,
                       "records_with_2plus": multi, "annotations": len(rows)}
    return out


def annotator_report(session: Session, ds: Dataset, settings: Settings) -> list[dict[str, Any]]:
    """Per-annotator agreement with the consensus and flags, over label-like questions."""
    from accord.quality import score_annotators

    answers = collect_answers(session, ds)
    rows = []
    for q in settings.questions:
        if q.type in ("label", "pairwise", "rating"):
            rows.extend({"item": f"{q.name}:{r}", "annotator": u, "label": repr(v),
                         "time": t} for (r, u, v), (_, _, _, t) in
                        zip(_label_rows(q, answers.get(q.name, [])), answers.get(q.name, [])))
    if not rows:
        return []
    report = score_annotators(rows, method="mv")
    return [{"user": s.annotator, "labels": s.n_labels, "agreement": s.agreement,
             "median_seconds": s.median_seconds, "flags": list(s.flags),
             "spammer_score": s.as_dict()["spammer_score"], "spammer": s.spammer}
            for s in report.scores]
