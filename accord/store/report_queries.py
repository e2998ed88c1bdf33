"""Reads for the dataset-health report: records with their slice codes, model suggestions
coded per record, and annotator attributes.

Keyset-paged queries that extract only the needed JSON values in SQL
(``JSON_EXTRACT`` on SQLite, ``->>`` on PostgreSQL) and code them to integers
there (a ``CASE`` per slice after a ``GROUP BY`` of its distinct values, per
suggestion on its JSON text). Pages are read from the driver cursor as
integer tuples and turned into numpy arrays. Gold records are left out (they
are known answers, not data). The answers themselves come from the one
quality loader (:mod:`accord.store.answers`); the report is assembled in
:mod:`accord.workflow.report`.
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

from accord.store.models import Record, Suggestion, User

__all__ = ["guess_slice_keys", "report_rows", "slice_values", "record_slices",
           "coded_suggestions", "annotator_attributes", "pii_metadata", "ValueCoder",
           "MAX_SLICE_VALUES"]

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


def slice_values(session: Session, dataset_id: int, key: str) -> list[str] | None:
    """The distinct values of a metadata key (sorted), or None with more than
    :data:`MAX_SLICE_VALUES`."""
    expr = Record.meta[key].as_string()
    values = session.scalars(select(expr).where(Record.dataset_id == dataset_id,
                                                Record.is_gold.is_(False), expr.is_not(None))
                             .group_by(expr).limit(MAX_SLICE_VALUES + 1)).all()
    return None if len(values) > MAX_SLICE_VALUES else sorted(str(v) for v in values)


def record_slices(session: Session, dataset_id: int, keys: Sequence[str],
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


class ValueCoder:
    """Codes one question's values to integers (label names, or rating points ``min..max``):
    a suggestion's JSON text in SQL, an answer's value in Python (:meth:`code`), a
    multi-label list as a bool row (:meth:`matrix`)."""

    def __init__(self, question: Any) -> None:
        self.type = question.type
        if question.type == "rating":
            self.labels: list[Any] = list(range(question.min, question.max + 1))
        else:
            self.labels = list(question.labels)
        self.index = {str(v): i for i, v in enumerate(self.labels)}
        self.exact = {v: i for i, v in enumerate(self.labels)}

    def code(self, value: Any) -> int:
        """A label or rating value's code, -1 for a value outside the domain."""
        try:
            found = self.exact.get(value)
        except TypeError:  # unhashable
            return -1
        if found is None or isinstance(value, bool):
            found = self.index.get(str(value), -1)
        return found

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


def coded_suggestions(session: Session, dataset_id: int, coders: dict[str, ValueCoder],
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


def annotator_attributes(session: Session, user_ids: list[int]
                         ) -> dict[int, tuple[str, dict[str, Any]]]:
    """``{user id: (name, attributes)}`` for ``user_ids``."""
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for i in range(0, len(user_ids), _IN_CHUNK):
        chunk = user_ids[i:i + _IN_CHUNK]
        for uid, name, attrs in session.execute(select(User.id, User.name, User.attributes)
                                                .where(User.id.in_(chunk))):
            found[uid] = (name, attrs or {})
    return found


def pii_metadata(session: Session, dataset_id: int) -> Iterator[dict[str, Any]]:
    """The metadata of the dataset's records that carry PII findings (``_pii``)."""
    rec = Record.__table__
    stmt = select(rec.c.id, rec.c.metadata).where(
        _of_dataset(session, rec.c.dataset_id, dataset_id),
        cast(rec.c.metadata, String).like('%"_pii"%'))
    for rows in _pages(session, stmt, rec.c.id):
        for _, meta in rows:
            if isinstance(meta, str | bytes):
                meta = orjson.loads(meta)
            if isinstance(meta, dict) and "_pii" in meta:
                yield meta
