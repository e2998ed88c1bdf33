"""Apply labelling functions to a dataset and store the label model's answers as suggestions.

The rules vote on every record (:func:`apply_rules`); the label model
(:class:`accord.quality.aggregation.LabelModel`) turns the votes into one
label per record some rule voted on, with its posterior probability as the
suggestion's score and the whole distribution in ``metadata.distribution``,
under one agent name (default ``label-model``). Suggestions are written
through the same store function as model pre-labels, so calibration,
routing with auto-accept and active learning treat them alike; a new run
replaces the agent's earlier suggestions for the question.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from accord.assist.lf.report import LFReport, build_report
from accord.assist.lf.rules import LabelingFunction, RecordView, load_rules
from accord.assist.prelabel import question_of
from accord.assist.reference import majority_answers
from accord.errors import InputError
from accord.quality.aggregation import LabelModel
from accord.store.assist_queries import (
    SuggestionItem,
    delete_agent_suggestions,
    gold_values,
    put_suggestions,
)
from accord.store.audit import record_event
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.models import utcnow
from accord.store.records import iter_records

__all__ = ["DEFAULT_AGENT", "LFRun", "Vote", "apply_rules", "fit_label_model", "label_dataset"]

DEFAULT_AGENT = "label-model"
_TEXT_TYPES = ("text", "markdown", "chat")

#: one vote: (record key, rule name, label)
Vote = tuple[Any, str, Any]


def apply_rules(records: Iterable[tuple[Any, RecordView]], rules: Sequence[LabelingFunction],
                *, labels: Sequence[Any] | None = None) -> list[Vote]:
    """Every rule's vote on every record; abstains are left out.

    Raises
    ------
    InputError
        A Python rule raised or returned a label the question does not have
        (naming the rule and the record).
    """
    label_set = None if labels is None else set(labels)
    votes: list[Vote] = []
    for key, view in records:
        for rule in rules:
            try:
                label = rule.vote(view)
            except Exception as exc:  # the user's code
                raise InputError(f"rule {rule.name!r} raised {type(exc).__name__}: {exc} on "
                                 f"record {view.external_id!r}", path=rule.source,
                                 field=rule.name) from None
            if label is None:
                continue
            if label_set is not None and label not in label_set:
                raise InputError(f"rule {rule.name!r} returned {label!r} on record "
                                 f"{view.external_id!r}; expected one of {sorted(label_set)} "
                                 "or None", path=rule.source, field=rule.name)
            votes.append((key, rule.name, label))
    return votes


def fit_label_model(votes: Sequence[Vote], labels: Sequence[Any],
                    **options: Any) -> LabelModel | None:
    """The label model fitted on ``votes`` (``None`` when there is no vote)."""
    if not votes:
        return None
    return LabelModel(**options).fit(list(votes), labels=list(labels))


@dataclass
class LFRun:
    """What ``accord assist lf`` did."""

    dataset: str
    question: str
    agent: str
    records: int
    written: int
    report: LFReport
    seconds: float = 0.0

    def line(self) -> str:
        lm = self.report.model
        acc = "" if lm.accuracy is None else f", accuracy {lm.accuracy:.3f} on {lm.n_ref:,}"
        return (f"lf {self.dataset}/{self.question} as {self.agent}: {len(self.report.rules)} "
                f"rules, {self.records:,} records, {self.written:,} suggestions (coverage "
                f"{lm.coverage:.1%}{acc}), {self.seconds:.1f} s")

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "question": self.question, "agent": self.agent,
                "records": self.records, "written": self.written, "seconds": self.seconds,
                **self.report.to_dict()}


def label_dataset(engine: Engine, dataset: str, question: str, lfs: str | Path, *,
                  agent: str = DEFAULT_AGENT) -> LFRun:
    """Apply the rules of ``lfs`` to ``dataset`` and store the label model's suggestions.

    Parameters
    ----------
    engine : Engine
    dataset, question : str
        A ``label`` or ``pairwise``... question: any question whose answer is one
        of a list of labels (``label`` questions).
    lfs : str or Path
        A YAML rules file or a Python module (:mod:`accord.assist.lf.rules`).
    agent : str, default "label-model"

    Returns
    -------
    LFRun
        Counts and the per-rule report (coverage, overlaps, conflicts,
        accuracy against gold answers, else against people's answers).

    Raises
    ------
    InputError
        Unknown dataset or question, a question that is not a ``label``
        question, or a bad rules file.
    """
    started = time.perf_counter()
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        q = question_of(settings, question)
        if q.type != "label":
            raise InputError(f"labelling functions answer label questions; {q.name!r} is a "
                             f"{q.type} question", field="--question")
        labels = list(q.labels)
        text_fields = [f.name for f in settings.fields if f.type in _TEXT_TYPES]
        rules = load_rules(lfs, labels=labels, text_fields=text_fields,
                           fields=[f.name for f in settings.fields])
        views = [(row["id"], RecordView(row["external_id"], row["fields"] or {},
                                        row["metadata"] or {}, tuple(text_fields)))
                 for row in iter_records(session, ds.id)]
        reference, against = _reference(session, ds.id, q.name)
        dataset_id = ds.id
    votes = apply_rules(views, rules, labels=labels)
    model = fit_label_model(votes, labels)
    items: list[SuggestionItem] = []
    if model is not None:
        classes = model.classes_.tolist()
        for rid, label, score, row in zip(model.items_.tolist(), model.labels_.tolist(),
                                          model.confidence_.tolist(), model.probas_.tolist()):
            items.append(SuggestionItem(rid, q.name, label, round(score, 6), {
                "method": "label-model", "distribution": dict(zip(classes, row))}))
    report = build_report(rules, votes, len(views), model, reference, against)
    with write_scope(engine) as session:
        delete_agent_suggestions(session, dataset_id, q.name, agent)
        written = put_suggestions(session, agent, items, utcnow())
        record_event(session, "assist.lf", "dataset", dataset_id, dataset_id=dataset_id,
                     details={"agent": agent, "question": q.name, "rules": str(lfs),
                              "written": written})
    return LFRun(dataset, q.name, agent, len(views), written, report,
                 time.perf_counter() - started)


def _reference(session: Any, dataset_id: int, question: str) -> tuple[dict[Any, Any], str]:
    """Gold answers when there are any, else the majority of people's submitted answers."""
    gold = gold_values(session, dataset_id, question)
    if gold:
        return gold, "gold"
    return majority_answers(session, dataset_id, question), "responses"
