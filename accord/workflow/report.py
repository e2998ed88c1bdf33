"""The dataset-health report of a dataset: the store's slices and suggestions, the one quality
loader's answers, :func:`accord.quality.health.build_report`.

The answers come from :func:`accord.store.answers.load_answers`, as for
every other agreement number: rejected responses are out, reviewers' fixes
in, and people and models are told apart. The report's human answers (label
distributions, agreement, group comparisons, suggestion-vs-human agreement)
are the people's; models' answers (auto-accepted suggestions) are counted
separately (``model_responses``, and ``model_answers`` per question). Each
question's overall agreement is :func:`accord.quality.question_quality.question_agreement`'s,
the number the REST API, the CLI and the dataset card show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.prep.pii_findings import pii_counts
from accord.quality.health.data import (
    MISSING,
    NOT_SET,
    REPORTED_TYPES,
    Column,
    HealthData,
    HealthOptions,
    QuestionAnswers,
)
from accord.quality.question_quality import question_agreement
from accord.schema import Settings
from accord.store import report_queries
from accord.store.answers import load_answers
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Dataset
from accord.store.report_queries import (
    ValueCoder,
    annotator_attributes,
    coded_suggestions,
    guess_slice_keys,
    record_slices,
    slice_values,
)

__all__ = ["SKIP_REASONS", "dataset_report", "load_health_data"]

#: why a question type is not in the report
SKIP_REASONS = {
    "span": "spans are character ranges, not one label per record; measure them with span F1 "
            "(accord quality agree)",
    "text": "free text has no categories to count",
    "ranking": "a ranking orders candidates; it has no label distribution",
    "pairwise": "a preference depends on its pair of responses, not on a label distribution",
    "flags": "flags carry a severity per label; the report counts plain categories only",
}


def _pick_questions(settings: Settings, wanted: Sequence[str] | None
                    ) -> tuple[list[Any], dict[str, str]]:
    names = [q.name for q in settings.questions]
    for name in wanted or ():
        if name not in names:
            raise InputError(f"unknown question {name!r}; the dataset has {', '.join(names)}",
                             field="question")
    chosen, skipped = [], {}
    for q in settings.questions:
        if wanted and q.name not in wanted:
            continue
        if q.type in REPORTED_TYPES:
            chosen.append(q)
        else:
            skipped[q.name] = f"{q.type}: " + SKIP_REASONS.get(
                q.type, "not a categorical question")
    return chosen, skipped


def _groups(session: Session, user_ids: list[int], group_by: Sequence[str] | None
            ) -> tuple[list[str], dict[str, Column]]:
    found = annotator_attributes(session, user_ids)
    names = [found[u][0] for u in user_ids]
    attrs = [found[u][1] for u in user_ids]
    keys = list(group_by) if group_by is not None else sorted({k for a in attrs for k in a})

    def group_of(value: Any) -> Any:
        if isinstance(value, list):
            return "+".join(sorted(map(str, value))) if value else None
        return value

    return names, {k: Column.from_values([group_of(a.get(k)) for a in attrs], NOT_SET)
                   for k in keys}


def _index(record_ids: np.ndarray, ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """Positions of record ``ids`` in the sorted ``record_ids`` and which ids are there."""
    arr = np.asarray(ids, dtype=np.int64)
    if not record_ids.size:
        return np.zeros(arr.size, dtype=np.int64), np.zeros(arr.size, dtype=bool)
    pos = np.minimum(np.searchsorted(record_ids, arr), record_ids.size - 1)
    return pos, record_ids[pos] == arr


def _dense(sorted_ids: np.ndarray, ids: Any) -> np.ndarray:
    """Each id's position in ``sorted_ids``, -1 where it is not there."""
    arr = np.frombuffer(ids, dtype=np.int64) if len(ids) else np.zeros(0, dtype=np.int64)
    if not sorted_ids.size:
        return np.full(arr.size, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_ids, arr), sorted_ids.size - 1)
    return np.where(sorted_ids[pos] == arr, pos, -1)


def load_health_data(session: Session, ds: Dataset, settings: Settings, *,
                     slices: Sequence[str] | None = None, group_by: Sequence[str] | None = None,
                     questions: Sequence[str] | None = None,
                     progress: Callable[[int], None] | None = None) -> HealthData:
    """The report's input for dataset ``ds``.

    Parameters
    ----------
    slices : metadata keys, optional
        Default: :func:`accord.store.report_queries.guess_slice_keys`.
    group_by : annotator attribute keys, optional
        Default (None): every attribute key of the annotators who answered;
        an empty list compares no groups.
    questions : question names, optional
        Default: every question; types other than label, multi_label and
        rating are listed in ``skipped`` with the reason.
    progress : callable, optional
        Called with the number of records and responses read as they are read
        (:func:`accord.store.report_queries.report_rows` is their total).

    Raises
    ------
    InputError
        An unknown question name, or a slice key with too many values.
    """
    chosen, skipped = _pick_questions(settings, questions)
    keys = list(dict.fromkeys(slices)) if slices else guess_slice_keys(session, ds.id)
    distinct = {k: slice_values(session, ds.id, k) for k in keys}
    too_many = [k for k, v in distinct.items() if v is None]
    if too_many and slices:
        raise InputError(f"metadata key {too_many[0]!r} has more than "
                         f"{report_queries.MAX_SLICE_VALUES} distinct values; a slice needs "
                         "fewer", field="slice")
    missing = [k for k, v in distinct.items() if v == []]
    keys = [k for k in keys if distinct[k]]
    record_ids, codes = record_slices(session, ds.id, keys, [distinct[k] for k in keys],
                                      progress)
    columns = {}
    for k, c in zip(keys, codes):
        labels = list(distinct[k]) + ([MISSING] if (c == len(distinct[k])).any() else [])
        columns[k] = Column(c, labels)
    answers = load_answers(session, ds.id, [q.name for q in chosen], progress=progress)
    coders = {q.name: ValueCoder(q) for q in chosen}
    suggestions = coded_suggestions(session, ds.id, coders, record_ids, None)
    # every counted response of a person (for coverage), and the annotators' dense codes
    resp = answers.responses.people()
    people_ids = sorted(set(resp.annotators))
    resp_pos, resp_ok = _index(record_ids, resp.items)
    people_arr = np.asarray(people_ids, dtype=np.int64)
    resp_ann = np.searchsorted(people_arr, np.frombuffer(resp.annotators, dtype=np.int64))
    out = []
    for q in chosen:
        data = answers.get(q.name)
        people = data.people()
        coder = coders[q.name]
        pos, ok = _index(record_ids, people.items)
        ann = _dense(people_arr, people.annotators)
        ok &= ann >= 0
        if q.type == "multi_label":
            matrix = coder.matrix(people.values)
            ok &= ~matrix[:, -1]
            value = matrix[ok, :-1]
        else:
            try:  # code each distinct value once
                codes = {v: coder.code(v) for v in set(people.values)}
                coded = np.fromiter(map(codes.__getitem__, people.values), dtype=np.int64,
                                    count=len(people))
            except TypeError:  # an unhashable value (not a label): code one by one
                coded = np.fromiter(map(coder.code, people.values), dtype=np.int64,
                                    count=len(people))
            ok &= coded >= 0
            value = coded[ok]
        sugg, agent = suggestions.get(q.name, (None, None))
        summary = question_agreement(data, q.type)
        agreement = {k: summary[k] for k in ("metric", "level", "value", "records_with_2plus",
                                             "annotations", "model_answers")}
        out.append(QuestionAnswers(q.name, q.type, coder.labels, pos[ok], ann[ok], value,
                                   sugg, agent, agreement))
    names, groups = _groups(session, people_ids, group_by)
    return HealthData(ds.name, int(record_ids.size), names, columns, groups, out,
                      resp_pos[resp_ok], resp_ann[resp_ok], skipped, missing,
                      model_responses=answers.responses.n_models,
                      rejected_responses=answers.rejected, fixed_responses=answers.fixed)


def dataset_report(session: Session, name: str, *, slices: Sequence[str] | None = None,
                   group_by: Sequence[str] | None = None,
                   questions: Sequence[str] | None = None,
                   options: HealthOptions | None = None,
                   progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Build the dataset-health report of dataset ``name`` (see
    :func:`accord.quality.health.build_report`).

    Raises
    ------
    NotFound
        No dataset is called ``name``.
    InputError
        An unknown question name.
    """
    from accord.quality.health import build_report

    ds = get_dataset(session, name)
    data = load_health_data(session, ds, settings_of(ds), slices=slices, group_by=group_by,
                            questions=questions, progress=progress)
    report = build_report(data, options)
    report["pii"] = pii_counts(report_queries.pii_metadata(session, ds.id))
    return report
