"""Read a dataset into the dataset-health report's input (:class:`HealthData`).

Three streaming passes, each a keyset-paged query that extracts only the
needed JSON values in SQL (``JSON_EXTRACT`` on SQLite, ``->>`` on
PostgreSQL): records with their slice values, submitted responses with one
value per reported question, and suggestions. Values are integer-coded batch
by batch, so memory holds a few int64 arrays, never the responses as objects.
Gold records and their responses are left out (they are known answers, not
data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.errors import InputError
from accord.quality.health.data import (
    NOT_SET, REPORTED_TYPES, Column, HealthData, HealthOptions, QuestionAnswers,
)
from accord.schema import Settings
from accord.store.datasets import get_dataset, settings_of
from accord.store.models import Dataset, Record, Response, Suggestion, User

__all__ = ["guess_slice_keys", "load_health_data", "dataset_report", "SKIP_REASONS"]

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
_IN_CHUNK = 900


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


def _records(session: Session, dataset_id: int, keys: Sequence[str]
             ) -> tuple[np.ndarray, list[list[Any]]]:
    cols = [Record.meta[k].as_string() for k in keys]
    stmt = select(Record.id, *cols).where(Record.dataset_id == dataset_id,
                                          Record.is_gold.is_(False))
    ids: list[np.ndarray] = []
    raw: list[list[Any]] = [[] for _ in keys]
    last = 0
    while True:
        rows = session.execute(stmt.where(Record.id > last).order_by(Record.id)
                               .limit(_BATCH)).all()
        if not rows:
            break
        columns = list(zip(*rows))
        ids.append(np.asarray(columns[0], dtype=np.int64))
        for j in range(len(keys)):
            raw[j].extend(columns[j + 1])
        last = rows[-1][0]
    return (np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)), raw


class _Coder:
    """Turns one question's extracted text values into codes (-1: unanswered or unknown)."""

    def __init__(self, question: Any) -> None:
        self.type = question.type
        if question.type == "rating":
            self.labels: list[Any] = list(range(question.min, question.max + 1))
        else:
            self.labels = list(question.labels)
        self.index = {str(v): i for i, v in enumerate(self.labels)}
        self.index.update({f"{v}.0": i for i, v in enumerate(self.labels)
                           if isinstance(v, int)})

    def codes(self, texts: Sequence[str | None]) -> np.ndarray:
        if self.type == "multi_label":
            out = np.zeros((len(texts), len(self.labels) + 1), dtype=bool)
            for i, text in enumerate(texts):
                if text is None:
                    out[i, -1] = True  # unanswered
                    continue
                chosen = orjson.loads(text)
                for label in chosen if isinstance(chosen, list) else ():
                    j = self.index.get(str(label))
                    if j is not None:
                        out[i, j] = True
            return out
        get = self.index.get
        return np.fromiter((-1 if t is None else get(t, -1) for t in texts), dtype=np.int64,
                           count=len(texts))


def _responses(session: Session, dataset_id: int, questions: list[Any], record_ids: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, list[int], list[list[np.ndarray]]]:
    coders = [_Coder(q) for q in questions]
    cols = [Response.values[q.name].as_string() for q in questions]
    stmt = select(Response.id, Response.record_id, Response.user_id, *cols).where(
        Response.dataset_id == dataset_id, Response.status == "submitted")
    users: dict[int, int] = {}
    recs: list[np.ndarray] = []
    anns: list[np.ndarray] = []
    values: list[list[np.ndarray]] = [[] for _ in questions]
    last = 0
    while True:
        rows = session.execute(stmt.where(Response.id > last).order_by(Response.id)
                               .limit(_BATCH)).all()
        if not rows:
            break
        last = rows[-1][0]
        columns = list(zip(*rows))
        rid = np.asarray(columns[1], dtype=np.int64)
        pos = np.minimum(np.searchsorted(record_ids, rid), max(record_ids.size - 1, 0))
        keep = (record_ids[pos] == rid) if record_ids.size else np.zeros(rid.size, dtype=bool)
        ann = np.fromiter((users.setdefault(u, len(users)) for u in columns[2]),
                          dtype=np.int64, count=len(rows))
        recs.append(pos[keep])
        anns.append(ann[keep])
        for j, coder in enumerate(coders):
            values[j].append(coder.codes(columns[3 + j])[keep])
    record = np.concatenate(recs) if recs else np.zeros(0, dtype=np.int64)
    annotator = np.concatenate(anns) if anns else np.zeros(0, dtype=np.int64)
    return record, annotator, list(users), values


def _as_text(value: Any) -> str | None:
    """A suggestion's value as the text the SQL extraction gives for a response's value."""
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    return str(value)


def _suggestions(session: Session, dataset_id: int, coders: dict[str, _Coder],
                 record_ids: np.ndarray) -> dict[str, tuple[np.ndarray, str]]:
    if not coders or not record_ids.size:
        return {}
    stmt = (select(Suggestion.id, Suggestion.record_id, Suggestion.question, Suggestion.agent,
                   Suggestion.value)
            .join(Record, Record.id == Suggestion.record_id)
            .where(Record.dataset_id == dataset_id, Suggestion.question.in_(list(coders))))
    agents: dict[str, Counter[str]] = {q: Counter() for q in coders}
    rows_by: dict[tuple[str, str], list[tuple[int, str | None]]] = {}
    last = 0
    while True:
        rows = session.execute(stmt.where(Suggestion.id > last).order_by(Suggestion.id)
                               .limit(_BATCH)).all()
        if not rows:
            break
        last = rows[-1][0]
        for _, rid, question, agent, value in rows:
            agents[question][agent] += 1
            rows_by.setdefault((question, agent), []).append((rid, _as_text(value)))
    out = {}
    for question, counter in agents.items():
        if not counter:
            continue
        agent = counter.most_common(1)[0][0]
        pairs = rows_by[(question, agent)]
        rid = np.asarray([p[0] for p in pairs], dtype=np.int64)
        pos = np.minimum(np.searchsorted(record_ids, rid), record_ids.size - 1)
        keep = record_ids[pos] == rid
        codes = coders[question].codes([p[1] for p in pairs])
        if coders[question].type == "multi_label":
            sugg = np.full((record_ids.size, codes.shape[1] - 1), -1, dtype=np.int8)
            sugg[pos[keep]] = codes[keep, :-1]
        else:
            sugg = np.full(record_ids.size, -1, dtype=np.int64)
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
    keys = list(group_by) if group_by else sorted({k for a in attrs for k in a})

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
                     questions: Sequence[str] | None = None) -> HealthData:
    """The report's input for dataset ``ds``.

    Parameters
    ----------
    slices : metadata keys, optional
        Default: :func:`guess_slice_keys`.
    group_by : annotator attribute keys, optional
        Default: every attribute key of the annotators who answered.
    questions : question names, optional
        Default: every question; types other than label, multi_label and
        rating are listed in ``skipped`` with the reason.

    Raises
    ------
    InputError
        An unknown question name.
    """
    chosen, skipped = _pick_questions(settings, questions)
    keys = list(dict.fromkeys(slices)) if slices else guess_slice_keys(session, ds.id)
    record_ids, raw = _records(session, ds.id, keys)
    missing = [k for k, v in zip(keys, raw) if all(x is None for x in v)]
    columns = {k: Column.from_values(v) for k, v in zip(keys, raw) if k not in missing}
    record, annotator, user_ids, values = _responses(session, ds.id, chosen, record_ids)
    coders = {q.name: _Coder(q) for q in chosen}
    suggestions = _suggestions(session, ds.id, coders, record_ids)
    answers = []
    for q, chunks in zip(chosen, values):
        coder = coders[q.name]
        if coder.type == "multi_label":
            matrix = (np.concatenate(chunks) if chunks
                      else np.zeros((0, len(coder.labels) + 1), dtype=bool))
            ok = ~matrix[:, -1]
            value = matrix[ok, :-1]
        else:
            value = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
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
                   options: HealthOptions | None = None) -> dict[str, Any]:
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
                            questions=questions)
    return build_report(data, options)
