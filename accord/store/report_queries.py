"""Read a dataset into the dataset-health report's input (:class:`HealthData`).

Three streaming passes, each a keyset-paged query that extracts only the
needed JSON values in SQL (``JSON_EXTRACT`` on SQLite, ``->>`` on
PostgreSQL) and codes them to integers there (a ``CASE`` per question, per
slice after a ``GROUP BY`` of its distinct values, per suggestion on its JSON
text): records with their slice codes, submitted responses with one code per
reported question, and suggestions. Pages are read from the driver cursor as
integer tuples and turned into numpy arrays, so memory holds a few narrow
integer arrays, never the responses as objects. Gold records and their
responses are left out (they are known answers, not data).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Select, String, case, cast, func, select
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.quality.health.data import (
    MISSING,
    NOT_SET,
    REPORTED_TYPES,
    Column,
    HealthData,
    HealthOptions,
    QuestionAnswers,
)
from accord.schema import Settings
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Dataset, Record, Response, Suggestion, User

__all__ = ["guess_slice_keys", "load_health_data", "dataset_report", "report_rows",
           "SKIP_REASONS", "MAX_SLICE_VALUES"]

#: why a question type is not in the report
SKIP_REASONS = {
    "span": "spans are character ranges, not one label per record; measure them with span F1 "
            "(accord quality agree)",
    "text": "free text has no categories to count",
    "ranking": "a ranking orders candidates; it has no label distribution",
    "pairwise": "a preference depends on its pair of responses, not on a label distribution",
    "flags": "flags carry a severity per label; the report counts plain categories only",
}
_BATCH = 50_000
#: a metadata key with more distinct values is no slice (an id, a free-text field)
MAX_SLICE_VALUES = 200
_IN_CHUNK = 900


def report_rows(session: Session, dataset_id: int) -> int:
    """Records plus submitted responses (from the records' counters): the rows the report
    reads, for a progress bar."""
    n, submitted = session.execute(
        select(func.count(), func.coalesce(func.sum(Record.submitted), 0))
        .where(Record.dataset_id == dataset_id, Record.is_gold.is_(False))).one()
    return int(n) + int(submitted)


def guess_slice_keys(session: Session, dataset_id: int, *, sample: int = 2000,
                     max_values: int = 20) -> list[str]:
    """Metadata keys worth slicing by: scalar values with 2 to ``max_values`` distinct
    values in the first ``sample`` records, present in at least half of them."""
    seen: dict[str, set[str]] = {}
    present: Counter[str] = Counter()
    rows = session.scalars(select(Record.meta).where(Record.dataset_id == dataset_id,
                                                      Record.is_gold.is_(False))
                           .order_by(Record.id).limit(sample)).all()
    for meta in rows:
        for key, value in (meta or {}).items():
            if isinstance(value, (str, int, bool)) and not isinstance(value, float):
                seen.setdefault(key, set()).add(str(value))
                present[key] += 1
    return sorted(k for k, v in seen.items()
                  if 2 <= len(v) <= max_values and present[k] * 2 >= len(rows))


def _pages(session: Session, stmt: Select[Any], key: Any,
           progress: Callable[[int], None] | None = None) -> Iterator[list[tuple[Any, ...]]]:
    """Keyset pages of ``stmt`` (whose first column is ``key``) as plain DBAPI tuples.

    Rows are read from the DBAPI cursor directly: building SQLAlchemy ``Row``
    objects costs more than the query itself on 3M responses
    (``bench/report_bench.py``), and every column here is an int or a string.
    """
    last = 0
    while True:
        result = session.connection().execute(stmt.where(key > last).order_by(key)
                                              .limit(_BATCH))
        try:
            rows = result.cursor.fetchall()
        finally:
            result.close()
        if not rows:
            return
        yield rows
        if progress is not None:
            progress(len(rows))
        last = rows[-1][0]


def _of_dataset(session: Session, column: Any, dataset_id: int) -> Any:
    """``column == dataset_id``; on SQLite as ``column + 0``, which keeps the planner on the
    primary key: with the dataset index SQLite sorts the whole dataset for every keyset page."""
    if session.get_bind().dialect.name == "sqlite":
        return (column + 0) == dataset_id
    return column == dataset_id


def _slice_values(session: Session, dataset_id: int, key: str) -> list[str] | None:
    """The distinct values of a metadata key (sorted), or None with more than
    :data:`MAX_SLICE_VALUES`."""
    expr = Record.meta[key].as_string()
    values = session.scalars(select(expr).where(Record.dataset_id == dataset_id,
                                                Record.is_gold.is_(False), expr.is_not(None))
                             .group_by(expr).limit(MAX_SLICE_VALUES + 1)).all()
    return None if len(values) > MAX_SLICE_VALUES else sorted(str(v) for v in values)


def _records(session: Session, dataset_id: int, keys: Sequence[str],
             values: Sequence[list[str]], progress: Callable[[int], None] | None
             ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Record ids and, per key, each record's slice code (codes index ``values[k]``; a
    record without the key gets ``len(values[k])``, the ``(missing)`` value)."""
    cols = [case({v: i for i, v in enumerate(vals)}, value=Record.meta[k].as_string(),
                 else_=len(vals)) for k, vals in zip(keys, values)]
    stmt = select(Record.id, *cols).where(_of_dataset(session, Record.dataset_id, dataset_id),
                                          Record.is_gold.is_(False))
    pages = [np.array(rows, dtype=np.int64).reshape(len(rows), len(keys) + 1)
             for rows in _pages(session, stmt, Record.id, progress)]
    block = np.concatenate(pages) if pages else np.zeros((0, len(keys) + 1), dtype=np.int64)
    return block[:, 0].copy(), [block[:, j + 1].copy() for j in range(len(keys))]


class _Coder:
    """Codes one question's values: in SQL for label and rating (a CASE over the extracted
    text), in Python for multi-label (a JSON list per answer)."""

    def __init__(self, question: Any) -> None:
        self.type = question.type
        if question.type == "rating":
            self.labels: list[Any] = list(range(question.min, question.max + 1))
        else:
            self.labels = list(question.labels)
        self.index = {str(v): i for i, v in enumerate(self.labels)}

    def column(self, extracted: Any) -> Any:
        """The SQL expression selected for this question (-1: unanswered or unknown)."""
        if self.type == "multi_label":
            return extracted
        return case(self.index, value=extracted, else_=-1)

    def matrix(self, values: Sequence[Any]) -> np.ndarray:
        """Multi-label answers (JSON lists or lists) as bools, plus an 'unanswered' column."""
        out = np.zeros((len(values), len(self.labels) + 1), dtype=bool)
        for i, value in enumerate(values):
            chosen = orjson.loads(value) if isinstance(value, str) else value
            if not isinstance(chosen, list):
                out[i, -1] = True
                continue
            for label in chosen:
                j = self.index.get(str(label))
                if j is not None:
                    out[i, j] = True
        return out


def _responses(session: Session, dataset_id: int, coders: list[_Coder], names: list[str],
               record_ids: np.ndarray, progress: Callable[[int], None] | None
               ) -> tuple[np.ndarray, np.ndarray, list[int], list[Any]]:
    cols = [c.column(Response.values[n].as_string()) for c, n in zip(coders, names)]
    stmt = select(Response.id, Response.record_id, Response.user_id, *cols).where(
        Response.dataset_id == dataset_id, Response.status == "submitted")
    ints = [j for j, c in enumerate(coders) if c.type != "multi_label"]
    recs, users, codes = [], [], []
    multi: dict[int, list[np.ndarray]] = {j: [] for j, c in enumerate(coders)
                                          if c.type == "multi_label"}
    for rows in _pages(session, stmt, Response.id, progress):
        head = np.array([r[:3] for r in rows], dtype=np.int64) if multi else None
        if multi:
            block = np.array([[r[3 + j] for j in ints] for r in rows], dtype=np.int64)
            block = block.reshape(len(rows), len(ints))
        else:
            full = np.array(rows, dtype=np.int64)
            head, block = full[:, :3], full[:, 3:]
        pos = np.minimum(np.searchsorted(record_ids, head[:, 1]), max(record_ids.size - 1, 0))
        keep = (record_ids[pos] == head[:, 1]) if record_ids.size else np.zeros(len(rows), bool)
        # narrow types: 3M answers stay a few tens of MB
        recs.append(pos[keep].astype(np.int32))
        users.append(head[keep, 2])
        codes.append(block[keep].astype(np.int16))
        for j in multi:
            multi[j].append(coders[j].matrix([r[3 + j] for r in rows])[keep])
    record = np.concatenate(recs) if recs else np.zeros(0, dtype=np.int32)
    user_ids, annotator = np.unique(np.concatenate(users) if users else np.zeros(0, np.int64),
                                    return_inverse=True)
    block = np.concatenate(codes) if codes else np.zeros((0, len(ints)), dtype=np.int16)
    values: list[Any] = []
    for j, coder in enumerate(coders):
        if j in multi:
            values.append(np.concatenate(multi[j]) if multi[j]
                          else np.zeros((0, len(coder.labels) + 1), dtype=bool))
        else:
            values.append(block[:, ints.index(j)])
    return record, annotator.astype(np.int32), user_ids.tolist(), values


def _json_keys(labels: Sequence[Any]) -> dict[str, int]:
    """A stored suggestion value's JSON text -> label code (``"pos"`` -> 0, ``4`` -> 3):
    compact and ASCII-escaped spellings, and ``4.0`` for integers."""
    keys: dict[str, int] = {}
    for i, label in enumerate(labels):
        keys[orjson.dumps(label).decode()] = i
        keys[json.dumps(label)] = i
        if isinstance(label, int):
            keys[f"{label}.0"] = i
    return keys


def _suggestions(session: Session, dataset_id: int, coders: dict[str, _Coder],
                 record_ids: np.ndarray, progress: Callable[[int], None] | None
                 ) -> dict[str, tuple[np.ndarray, str]]:
    """Per question, the suggestions of its most frequent agent, coded per record."""
    if not coders or not record_ids.size:
        return {}
    counts = session.execute(
        select(Suggestion.question, Suggestion.agent, func.count())
        .join(Record, Record.id == Suggestion.record_id)
        .where(Record.dataset_id == dataset_id, Suggestion.question.in_(list(coders)))
        .group_by(Suggestion.question, Suggestion.agent)).all()
    best: dict[str, tuple[int, str]] = {}
    for question, agent, n in counts:
        if question not in best or (n, agent) > best[question]:
            best[question] = (n, agent)
    out = {}
    for question, (_, agent) in best.items():
        coder = coders[question]
        multi = coder.type == "multi_label"
        text = cast(Suggestion.value, String)
        stmt = (select(Suggestion.id, Suggestion.record_id,
                       text if multi else case(_json_keys(coder.labels), value=text, else_=-1))
                .join(Record, Record.id == Suggestion.record_id)
                .where(_of_dataset(session, Record.dataset_id, dataset_id),
                       Suggestion.question == question, Suggestion.agent == agent))
        sugg = (np.full((record_ids.size, len(coder.labels)), -1, dtype=np.int8) if multi
                else np.full(record_ids.size, -1, dtype=np.int64))
        for rows in _pages(session, stmt, Suggestion.id, progress):
            if multi:
                rid = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
                matrix = coder.matrix([r[2] for r in rows])
                rid[matrix[:, -1]] = -1  # not a list: no suggestion
                codes = matrix[:, :-1]
            else:
                block = np.array(rows, dtype=np.int64)
                rid, codes = block[:, 1], block[:, 2]
            pos = np.minimum(np.searchsorted(record_ids, rid), record_ids.size - 1)
            keep = record_ids[pos] == rid
            sugg[pos[keep]] = codes[keep]
        out[question] = (sugg, agent)
    return out


def _groups(session: Session, user_ids: list[int], group_by: Sequence[str] | None
            ) -> tuple[list[str], dict[str, Column]]:
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for i in range(0, len(user_ids), _IN_CHUNK):
        chunk = user_ids[i:i + _IN_CHUNK]
        for uid, name, attrs in session.execute(select(User.id, User.name, User.attributes)
                                                .where(User.id.in_(chunk))):
            found[uid] = (name, attrs or {})
    names = [found[u][0] for u in user_ids]
    attrs = [found[u][1] for u in user_ids]
    keys = list(group_by) if group_by is not None else sorted({k for a in attrs for k in a})

    def group_of(value: Any) -> Any:
        if isinstance(value, list):
            return "+".join(sorted(map(str, value))) if value else None
        return value

    return names, {k: Column.from_values([group_of(a.get(k)) for a in attrs], NOT_SET)
                   for k in keys}


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


def load_health_data(session: Session, ds: Dataset, settings: Settings, *,
                     slices: Sequence[str] | None = None, group_by: Sequence[str] | None = None,
                     questions: Sequence[str] | None = None,
                     progress: Callable[[int], None] | None = None) -> HealthData:
    """The report's input for dataset ``ds``.

    Parameters
    ----------
    slices : metadata keys, optional
        Default: :func:`guess_slice_keys`.
    group_by : annotator attribute keys, optional
        Default (None): every attribute key of the annotators who answered;
        an empty list compares no groups.
    questions : question names, optional
        Default: every question; types other than label, multi_label and
        rating are listed in ``skipped`` with the reason.
    progress : callable, optional
        Called with the number of records and responses read after every page
        (:func:`report_rows` is their total).

    Raises
    ------
    InputError
        An unknown question name.
    """
    chosen, skipped = _pick_questions(settings, questions)
    keys = list(dict.fromkeys(slices)) if slices else guess_slice_keys(session, ds.id)
    distinct = {k: _slice_values(session, ds.id, k) for k in keys}
    too_many = [k for k, v in distinct.items() if v is None]
    if too_many and slices:
        raise InputError(f"metadata key {too_many[0]!r} has more than {MAX_SLICE_VALUES} "
                         "distinct values; a slice needs fewer", field="slice")
    missing = [k for k, v in distinct.items() if v == []]
    keys = [k for k in keys if distinct[k]]
    record_ids, codes = _records(session, ds.id, keys, [distinct[k] for k in keys], progress)
    columns = {}
    for k, c in zip(keys, codes):
        labels = list(distinct[k]) + ([MISSING] if (c == len(distinct[k])).any() else [])
        columns[k] = Column(c, labels)
    coders = [_Coder(q) for q in chosen]
    record, annotator, user_ids, values = _responses(session, ds.id, coders,
                                                     [q.name for q in chosen], record_ids,
                                                     progress)
    suggestions = _suggestions(session, ds.id, {q.name: c for q, c in zip(chosen, coders)},
                               record_ids, None)
    answers = []
    for q, coder, value in zip(chosen, coders, values):
        if coder.type == "multi_label":
            ok = ~value[:, -1]
            value = value[ok, :-1]
        else:
            ok = value >= 0
            value = value[ok]
        sugg, agent = suggestions.get(q.name, (None, None))
        answers.append(QuestionAnswers(q.name, q.type, coder.labels, record[ok], annotator[ok],
                                       value, sugg, agent))
    names, groups = _groups(session, user_ids, group_by)
    return HealthData(ds.name, int(record_ids.size), names, columns, groups, answers,
                      record, annotator, skipped, missing)


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
    return build_report(data, options)
