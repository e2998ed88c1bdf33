"""The long-form answers of one question: the shape every dataset-level quality number reads.

A question's counted answers (see :mod:`accord.store.answers`: rejected
responses already out, reviewers' fixes already in) are kept column-wise in
compact arrays, about 24 bytes per answer plus the value: the record id
(``item``), the annotator's user id, the value, whether the annotator is a
model (an auto-accepted suggestion submitted as the agent user
``model:<model>``) and the seconds spent. The store's loader fills it and
:mod:`accord.quality` (``question_agreement``, ``question_consensus``) reads
it; it lives here, in the base layer, so both can.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["Answers", "PERSON", "MODEL"]

PERSON = "person"
MODEL = "model"


class Answers:
    """Answers to one question in long form.

    Attributes
    ----------
    items, annotators : array of int64
        Record id and user id of every answer.
    values : list
        The answer values, as stored (after a reviewer's fix).
    models : bytearray
        1 where the answer is a model's (an auto-accepted suggestion).
    seconds : array of float64
        Time the annotator spent on the response.

    Examples
    --------
    >>> a = Answers.from_rows([(1, 10, "pos"), (1, 11, "neg"), (1, 99, "pos", "model")])
    >>> len(a), len(a.people()), list(a.triples())[2]
    (3, 2, (1, 99, 'pos'))
    """

    __slots__ = ("annotators", "items", "models", "seconds", "values")

    def __init__(self) -> None:
        self.items = array("q")
        self.annotators = array("q")
        self.values: list[Any] = []
        self.models = bytearray()
        self.seconds = array("d")

    def add(self, item: int, annotator: int, value: Any, model: bool = False,
            seconds: float = 0.0) -> None:
        self.items.append(item)
        self.annotators.append(annotator)
        self.values.append(value)
        self.models.append(1 if model else 0)
        self.seconds.append(seconds or 0.0)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, ...]]) -> Answers:
        """From ``(item, annotator, value[, kind[, seconds]])`` tuples, ``kind`` being
        ``"person"`` (default) or ``"model"``."""
        out = cls()
        for row in rows:
            kind = row[3] if len(row) > 3 else PERSON
            if kind not in (PERSON, MODEL):
                raise ValueError(f"kind must be {PERSON!r} or {MODEL!r}; got {kind!r}")
            out.add(int(row[0]), int(row[1]), row[2], kind == MODEL,
                    float(row[4]) if len(row) > 4 else 0.0)
        return out

    def __len__(self) -> int:
        return len(self.values)

    def triples(self) -> Iterator[tuple[int, int, Any]]:
        """``(item, annotator, value)`` for every answer."""
        return zip(self.items, self.annotators, self.values)

    def rows(self) -> Iterator[tuple[int, int, Any, str, float]]:
        """``(item, annotator, value, kind, seconds)`` for every answer."""
        for i, a, v, m, s in zip(self.items, self.annotators, self.values, self.models,
                                 self.seconds):
            yield i, a, v, MODEL if m else PERSON, s

    def select(self, keep: Iterable[bool]) -> Answers:
        """The answers where ``keep`` is true."""
        out = Answers()
        for k, i, a, v, m, s in zip(keep, self.items, self.annotators, self.values,
                                    self.models, self.seconds):
            if k:
                out.add(i, a, v, bool(m), s)
        return out

    def people(self) -> Answers:
        """The people's answers only (models' answers left out)."""
        if not any(self.models):
            return self
        return self.select(m == 0 for m in self.models)

    @property
    def n_models(self) -> int:
        return sum(self.models)
