"""The dataset-health report: every section computed from a :class:`HealthData`.

:func:`build_report` returns a plain JSON-ready dict; :mod:`.render` turns it
into markdown and :mod:`.warnings` reads its warnings off it. A single-choice
``label`` question and a ``rating`` (ordinal) question are each one *part*; a
``multi_label`` question has one binary part per label (chosen or not), so
every statistic is the one of a yes/no question per label.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.health.coverage import slice_coverage
from accord.quality.health.data import Column, HealthData, HealthOptions, QuestionAnswers
from accord.quality.health.distribution import (
    answer_counts,
    binary_majority,
    crosstab,
    record_majority,
)
from accord.quality.health.groups import compare_groups
from accord.quality.health.independence import chi_square_independence
from accord.quality.health.slices import agreement_by_slice, coded_alpha
from accord.quality.health.suggestions import suggestion_agreement
from accord.quality.health.warnings import health_warnings
from accord.schema.questions import question_type

__all__ = ["build_report"]

_BINARY = ["not chosen", "chosen"]


def _part(data: HealthData, record: np.ndarray, annotator: np.ndarray, value: np.ndarray,
          values: list[Any], level: str, majority: np.ndarray,
          suggestion: np.ndarray | None, numeric: bool) -> dict[str, Any]:
    n_vals = len(values)
    counts = answer_counts(value, n_vals)
    rec_counts = np.bincount(majority[majority >= 0], minlength=n_vals)
    answered = np.zeros(data.n_records, dtype=bool)
    answered[record] = True
    part: dict[str, Any] = {
        "values": [str(v) for v in values],
        "distribution": {"answers": counts.tolist(), "records": rec_counts.tolist(),
                         "ties": int(np.count_nonzero(answered & (majority < 0)))},
        "agreement": coded_alpha(record, annotator, value, n_vals, level),
        "slices": {}, "groups": {}, "suggestions": None}
    for key, column in data.slices.items():
        by_answer = crosstab(column.codes[record], len(column), value, n_vals)
        by_record = crosstab(column.codes, len(column), majority, n_vals)
        rows = agreement_by_slice(record, annotator, value, n_vals, column, level)
        for row, a, r in zip(rows, by_answer, by_record):
            row["answer_counts"] = a.tolist()
            row["record_counts"] = r.tolist()
        part["slices"][key] = {"rows": rows, "chi_square": chi_square_independence(by_record)}
    for attr, column in data.groups.items():
        part["groups"][attr] = compare_groups(record, annotator, value, n_vals, column, level)
    if suggestion is not None:
        by_slice = {key: suggestion_agreement(record, value, suggestion, n_vals, column,
                                              numeric=numeric)
                    for key, column in data.slices.items()}
        overall = suggestion_agreement(record, value, suggestion, n_vals,
                                       _one_slice(data.n_records), numeric=numeric)
        if overall is not None:
            part["suggestions"] = {"overall": overall["overall"],
                                   "slices": {k: v for k, v in by_slice.items() if v}}
    return part


def _one_slice(n_records: int) -> Column:
    return Column(np.zeros(n_records, dtype=np.int64), ["(all)"])


def _question(data: HealthData, q: QuestionAnswers) -> dict[str, Any]:
    level = question_type(q.type).agreement_level or "nominal"
    out: dict[str, Any] = {"name": q.name, "type": q.type, "labels": [str(v) for v in q.labels],
                           "level": level, "answers": len(q), "agent": q.agent,
                           "model_answers": (q.agreement or {}).get("model_answers", 0),
                           "agreement": q.agreement,
                           "records_answered": int(np.unique(q.record).size), "parts": []}
    if q.type == "multi_label":
        majority = binary_majority(q.record, q.value, data.n_records)
        for j, label in enumerate(q.labels):
            sugg = None if q.suggestion is None else q.suggestion[:, j].astype(np.int64)
            part = _part(data, q.record, q.annotator, q.value[:, j].astype(np.int64), _BINARY,
                         level, majority[:, j].astype(np.int64), sugg, False)
            out["parts"].append({"label": str(label), **part})
        return out
    majority = record_majority(q.record, q.value, data.n_records, len(q.labels))
    part = _part(data, q.record, q.annotator, q.value, q.labels, level, majority,
                 q.suggestion, q.type == "rating")
    out["parts"].append({"label": None, **part})
    return out


def _tests(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every chi-square result in the report (one Bonferroni family)."""
    found = []
    for q in report["questions"]:
        for part in q["parts"]:
            found += [s["chi_square"] for s in part["slices"].values() if s["chi_square"]]
            found += [g["chi_square"] for g in part["groups"].values() if g["chi_square"]]
            sugg = part["suggestions"]
            if sugg:
                found += [s["chi_square"] for s in sugg["slices"].values() if s["chi_square"]]
    return found


def build_report(data: HealthData, options: HealthOptions | None = None) -> dict[str, Any]:
    """Compute the dataset-health report.

    Sections: overview, coverage per slice, and per question the label
    distribution (answers and majority per record) overall and per slice with
    chi-square tests, Krippendorff's alpha overall and per slice, annotator
    group comparisons, suggestion-vs-human agreement per slice; then the
    warnings. Every chi-square test is marked ``significant`` when its p-value
    is below ``options.significance`` divided by the number of tests in the
    report (Bonferroni, 1936).

    Parameters
    ----------
    data : HealthData
    options : HealthOptions, optional

    Returns
    -------
    dict
        JSON-ready; see ``docs/report.md`` for every key.
    """
    options = options or HealthOptions()
    questions = [_question(data, q) for q in data.questions]
    report: dict[str, Any] = {
        "dataset": data.dataset, "records": data.n_records,
        "annotators": len(data.annotators),
        "options": {"min_records": options.min_records, "min_annotators": options.min_annotators,
                    "majority_share": options.majority_share,
                    "minority_share": options.minority_share,
                    "significance": options.significance},
        "slices": list(data.slices), "groups": list(data.groups),
        "missing_slices": list(data.missing_slices),
        "skipped_questions": [{"question": k, "reason": v} for k, v in data.skipped.items()],
        "questions": questions, "coverage": {}}
    rec, ann = data.response_record, data.response_annotator
    report["responses"] = int(rec.size)
    report["model_responses"] = data.model_responses
    report["rejected_responses"] = data.rejected_responses
    report["fixed_responses"] = data.fixed_responses
    for key, column in data.slices.items():
        report["coverage"][key] = slice_coverage(column, rec, ann,
                                                 min_records=options.min_records,
                                                 min_annotators=options.min_annotators)
    tests = _tests(report)
    threshold = options.significance / max(1, len(tests))
    for result in tests:
        result["significant"] = bool(result["p_value"] < threshold)
    report["tests"] = len(tests)
    report["bonferroni_threshold"] = threshold
    report["warnings"] = health_warnings(report, options)
    return report
