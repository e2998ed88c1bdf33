"""``rating``: an integer on the scale ``min..max``; value ``4``.

Ratings are ordinal everywhere in accord: Krippendorff's alpha at the ordinal
level (Likert points are ordered, their distances are not known to be equal).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from accord.schema.questions.base import (
    CLASSIFICATION_METHODS,
    FormField,
    QuestionBase,
    QuestionType,
    fail,
    short,
)
from accord.schema.questions.registry import register

__all__ = ["RatingQuestion", "TYPE"]


class RatingQuestion(QuestionBase):
    """An integer on the scale ``min..max``; value ``4``."""

    type: Literal["rating"]
    min: int = 1
    max: int = 5

    @model_validator(mode="after")
    def _scale(self) -> RatingQuestion:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        if self.max - self.min > 100:
            raise ValueError("a rating scale has at most 101 points")
        return self


def validate(value: Any, question: RatingQuestion, record_fields: dict[str, Any]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise fail(question.name, f"expected an integer from {question.min} to "
                       f"{question.max}, got {short(value)}")
    if not question.min <= value <= question.max:
        raise fail(question.name, f"rating {value} is outside the scale "
                   f"{question.min}..{question.max}")
    return value


_NOMINAL_ONLY = "it is a nominal metric and ratings are ordinal; use alpha, cohen, scott or gwet"

TYPE = register(QuestionType(
    name="rating", model=RatingQuestion, validate=validate,
    title="Rating", description="An integer on a scale (ordinal).", value_example=4,
    settings_example={"min": 1, "max": 5},
    agreement_metric="alpha", agreement_level="ordinal",
    applicable_metrics=("alpha", "cohen", "scott", "gwet"),
    consensus_methods=("mean", "median", "trimmed_mean") + CLASSIFICATION_METHODS,
    default_consensus="mean",
    export_roles=frozenset({"label_column", "consensus_column", "records_filter", "kto_label"}),
    widget="rating",
    form=(FormField("min", "int", "Min", default=1), FormField("max", "int", "Max", default=5)),
    refusals={"fleiss": _NOMINAL_ONLY, "percent": _NOMINAL_ONLY},
))
