"""The input of the dataset-health report: integer-coded numpy arrays.

The store (or any caller) turns a dataset into a :class:`HealthData`: one
code per record for every metadata slice, one code per annotator for every
annotator attribute, and per question the submitted answers in long form
(``record, annotator, value``) plus the model's suggestion per record. Every
computation of :mod:`accord.quality.health` reads only these arrays, so the
report costs a few vectorised passes whatever the dataset size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MISSING", "NOT_SET", "Column", "QuestionAnswers", "HealthData", "HealthOptions",
           "REPORTED_TYPES"]

#: the slice value of a record whose metadata lacks the slice key
MISSING = "(missing)"
#: the group of an annotator without the attribute
NOT_SET = "(not set)"
#: question types the report measures; every other type is listed as skipped
REPORTED_TYPES = ("label", "multi_label", "rating")


@dataclass(frozen=True)
class Column:
    """A categorical column: ``codes[i]`` indexes ``values`` (one row per record or annotator).

    Examples
    --------
    >>> col = Column.from_values(["web", "mail", "web", None])
    >>> col.codes.tolist(), col.values
    ([1, 0, 1, 2], ['mail', 'web', '(missing)'])
    """

    codes: np.ndarray
    values: list[str]

    @classmethod
    def from_values(cls, raw: Sequence[Any], missing: str = MISSING) -> Column:
        """Code raw values (``None`` is ``missing``); values sorted, ``missing`` last."""
        keys = [missing if v is None else str(v) for v in raw]
        distinct = sorted(set(keys) - {missing})
        if missing in keys:
            distinct.append(missing)
        index = {v: i for i, v in enumerate(distinct)}
        return cls(np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys)),
                   distinct)

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class QuestionAnswers:
    """Submitted answers to one question, plus one model suggestion per record.

    Attributes
    ----------
    name, type : str
        The question's name and type (``label``, ``multi_label`` or ``rating``).
    labels : list
        The value domain in order: label names, or the rating scale ``min..max``.
    record, annotator : ndarray of int64, shape (n_answers,)
        Record index (into the records of :class:`HealthData`) and annotator index.
    value : ndarray
        ``label``/``rating``: int64 codes into ``labels``, shape (n_answers,).
        ``multi_label``: bool, shape (n_answers, n_labels), True where chosen.
    suggestion : ndarray or None
        Per record: int64 code, -1 without a suggestion (``label``/``rating``); for
        ``multi_label`` int8 of shape (n_records, n_labels): 1 chosen, 0 not, -1 none.
    agent : str or None
        The suggestions' model (most frequent agent when several).
    agreement : dict or None
        The question's agreement from the quality core
        (:func:`accord.quality.question_quality.question_agreement`: ``metric``,
        ``level``, ``value``, ``records_with_2plus``, ``annotations``,
        ``model_answers``).
    """

    name: str
    type: str
    labels: list[Any]
    record: np.ndarray
    annotator: np.ndarray
    value: np.ndarray
    suggestion: np.ndarray | None = None
    agent: str | None = None
    agreement: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.record)


@dataclass(frozen=True)
class HealthData:
    """Everything the report needs about one dataset.

    ``slices`` maps a metadata key to a :class:`Column` over the records,
    ``groups`` an annotator attribute to a :class:`Column` over the
    annotators; ``response_record`` and ``response_annotator`` locate every
    counted response of a person (for coverage); ``skipped`` says which
    questions are left out and why, ``missing_slices`` which requested keys no
    record has. ``annotators`` and every answer are people's: models' answers
    (auto-accepted suggestions) are only counted, in ``model_responses``;
    ``rejected_responses`` did not count and ``fixed_responses`` counted with
    the reviewer's values.
    """

    dataset: str
    n_records: int
    annotators: list[str]
    slices: dict[str, Column]
    groups: dict[str, Column]
    questions: list[QuestionAnswers]
    response_record: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    response_annotator: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    skipped: dict[str, str] = field(default_factory=dict)
    missing_slices: list[str] = field(default_factory=list)
    model_responses: int = 0
    rejected_responses: int = 0
    fixed_responses: int = 0


@dataclass(frozen=True)
class HealthOptions:
    """Thresholds of the report's coverage checks and warnings.

    Attributes
    ----------
    min_records : int
        A slice value with fewer records is a coverage gap.
    min_annotators : int
        A slice value answered by fewer distinct annotators is a coverage gap.
    majority_share : float
        Warn when one label takes more than this share of the answers.
    minority_share : float
        Warn when a label takes less than this share of the answers.
    significance : float
        Family-wise level of the chi-square tests (Bonferroni-corrected).
    """

    min_records: int = 30
    min_annotators: int = 2
    majority_share: float = 0.9
    minority_share: float = 0.01
    significance: float = 0.01
