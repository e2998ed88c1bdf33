"""A dataset's agreement, consensus and annotator scores: the loader plus the quality core.

Nothing is computed here: :func:`accord.store.answers.load_answers` reads
the counted answers once and :mod:`accord.quality` (``question_agreement``,
``question_consensus``) computes; this module picks the questions, stores
consensus rows and shapes the results for the REST API, the dashboard, the
stats, the CLI and the exports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.quality.consensus import (
    QuestionConsensus,
    consensus_questions,
    questions_consensus,
)
from accord.quality.question_quality import question_agreement
from accord.schema import Settings
from accord.schema.questions import question_type
from accord.store.aggregates import replace_aggregates
from accord.store.answers import DatasetAnswers, load_answers
from accord.store.models import Dataset, utcnow

__all__ = ["Cancelled", "aggregate_dataset", "annotator_report", "dataset_agreement",
           "dataset_consensus", "measured_questions", "question_rows"]


class Cancelled(Exception):
    """The caller gave up (the HTTP client went away): stop computing."""


def measured_questions(settings: Settings) -> list[Any]:
    """The questions with an agreement metric, in settings order."""
    return [q for q in settings.questions if question_type(q.type).agreement_metric]


def dataset_agreement(session: Session, ds: Dataset, settings: Settings, *,
                      metric: str | None = None, answers: DatasetAnswers | None = None,
                      cancelled: Callable[[], bool] | None = None
                      ) -> dict[str, dict[str, Any]]:
    """Agreement per question: ``alpha`` (Krippendorff's, at the type's level; None for types
    measured otherwise), ``level``, and ``metric``/``value``: the requested metric (default:
    the type's own). A metric that does not apply to a question's type gives that question
    ``value`` None and a ``note`` saying why. ``cancelled`` is asked before every
    computation; when it says yes, :class:`Cancelled` is raised.

    Raises
    ------
    InputError
        The metric refuses the data (e.g. its cost bound); the API answers 422.
    Cancelled
    """

    def check() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled

    questions = measured_questions(settings)
    if answers is None:
        answers = load_answers(session, ds.id, [q.name for q in questions])
    out: dict[str, dict[str, Any]] = {}
    for q in questions:
        check()
        data = answers.get(q.name)
        default = question_agreement(data, q.type)
        kind = question_type(q.type)
        entry = {**default, "alpha": default["value"] if kind.agreement_metric == "alpha"
                 else None}
        if metric is not None and metric != default["metric"]:
            note = kind.metric_refusal(metric)
            if note is not None:
                entry.update({"metric": metric, "value": None, "note": note})
            else:
                check()
                chosen = question_agreement(data, q.type, metric=metric)
                entry.update({"metric": metric, "value": chosen["value"],
                              "metric_name": chosen["metric_name"]})
        out[q.name] = entry
    return out


def dataset_consensus(session: Session, ds: Dataset, settings: Settings, *,
                      questions: Sequence[str] | None = None, method: str | None = None,
                      strict: Sequence[str] = (), exclude_gold: bool = True,
                      reviewed_only: bool = False, threshold: float | None = None,
                      answers: DatasetAnswers | None = None,
                      field_name: str = "method") -> dict[str, QuestionConsensus]:
    """The consensus of every question with one (or of ``questions``).

    Parameters
    ----------
    method : str, optional
        Requested method; a question whose type it does not fit uses its
        type's default, except the questions named in ``strict`` (an error naming
        ``field_name``, as is a question in ``strict`` without consensus).
    exclude_gold, reviewed_only : bool
        See :func:`accord.store.answers.load_answers`.
    threshold : float, optional
        Ratings: contradictory across this value.
    """
    chosen = consensus_questions(settings.questions, wanted=questions, method=method,
                                 strict=strict, field_name=field_name)
    if answers is None:
        answers = load_answers(session, ds.id, [q.name for q in chosen],
                               exclude_gold=exclude_gold, reviewed_only=reviewed_only)
    return questions_consensus(answers.questions, chosen, method=method, strict=strict,
                               threshold=threshold)


def aggregate_dataset(session: Session, ds: Dataset, settings: Settings, *,
                      method: str | None = None, questions: list[str] | None = None,
                      now: datetime | None = None) -> dict[str, int]:
    """Compute and store the consensus of every question with one.

    Parameters
    ----------
    method : str, optional
        Consensus method where it applies to a question's type (e.g. ``ds`` for
        labels and choices); other questions use their type's default.

    Returns
    -------
    dict
        Question name -> number of records with a stored aggregate.
    """
    from accord.quality.aggregation import AGGREGATORS

    if method is not None and method not in AGGREGATORS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(AGGREGATORS)}",
                         field="method")
    now = now or utcnow()
    out = {}
    for name, qc in dataset_consensus(session, ds, settings, questions=questions,
                                      method=method).items():
        out[name] = replace_aggregates(session, ds.id, name, qc.stored_rows(), qc.method, now)
    return out


def question_rows(session: Session, ds: Dataset, settings: Settings, question: str | None,
                  *, kinds: Sequence[str] = ("label", "pairwise", "rating")
                  ) -> tuple[Any, DatasetAnswers]:
    """The one question of ``kinds`` asked for (or the only one) and its answers, for the CLI.

    Raises
    ------
    InputError
        No such question, or several and none chosen.
    """
    usable = [q.name for q in settings.questions if q.type in kinds]
    if question is None:
        if len(usable) != 1:
            raise InputError(f"dataset {ds.name!r} has {len(usable)} "
                             f"{', '.join(kinds)} questions {usable}; choose one with "
                             "--question", field="--question")
        question = usable[0]
    elif question not in usable:
        raise InputError(f"question {question!r} is not a {', '.join(kinds)} question of "
                         f"{ds.name!r}; choose one of {usable}", field="--question")
    q = settings.question(question)
    return q, load_answers(session, ds.id, [q.name])


def annotator_report(session: Session, ds: Dataset, settings: Settings, *,
                     answers: DatasetAnswers | None = None) -> list[dict[str, Any]]:
    """Per-annotator agreement with the consensus and flags, over label, pairwise and rating
    questions (counted answers, people and models)."""
    from accord.quality import score_annotators

    names = [q.name for q in settings.questions if q.type in ("label", "pairwise", "rating")]
    if answers is None or any(n not in answers.questions for n in names):
        answers = load_answers(session, ds.id, names, seconds=True)
    rows = []
    for q in settings.questions:
        if q.name not in names:
            continue
        data = answers.get(q.name)
        for item, user, value, _, seconds in data.rows():
            if q.type == "pairwise" and isinstance(value, dict):
                value = value.get("choice")
            rows.append({"item": f"{q.name}:{item}", "annotator": answers.name(user),
                         "label": repr(value), "time": seconds})
    if not rows:
        return []
    report = score_annotators(rows, method="mv")
    return [{"user": s.annotator, "labels": s.n_labels, "agreement": s.agreement,
             "median_seconds": s.median_seconds, "flags": list(s.flags),
             "spammer_score": s.as_dict()["spammer_score"], "spammer": s.spammer}
            for s in report.scores]
