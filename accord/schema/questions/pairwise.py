"""``pairwise``: A vs B; value ``{"choice": "a"|"b"|"tie", "strength": 1-3}``.

Agreement and consensus are over the choice (nominal).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from accord.schema.questions.base import (
    CLASSIFICATION_METHODS,
    DEFAULT_CLASSIFICATION_METHOD,
    NOMINAL_METRICS,
    FormField,
    QuestionBase,
    QuestionType,
    fail,
    short,
)
from accord.schema.questions.registry import register

__all__ = ["PairwiseQuestion", "TYPE"]


class PairwiseQuestion(QuestionBase):
    """A vs B; value ``{"choice": "a"|"b"|"tie", "strength": 1-3}``."""

    type: Literal["pairwise"]
    fields: list[str]
    allow_tie: bool = True
    max_strength: int = Field(default=3, ge=1, le=10)

    @field_validator("fields")
    @classmethod
    def _two(cls, value: list[str]) -> list[str]:
        if len(value) != 2:
            raise ValueError(f"needs exactly 2 fields (A and B), got {len(value)}")
        if value[0] == value[1]:
            raise ValueError("A and B must be different fields")
        return value

    def referenced_fields(self) -> list[str]:
        return list(self.fields)


def validate(value: Any, question: PairwiseQuestion, record_fields: dict[str, Any]) -> Any:
    name = question.name
    if not isinstance(value, dict) or "choice" not in value:
        raise fail(name, f"expected {{\"choice\": \"a\"|\"b\"|\"tie\", \"strength\": 1-"
                   f"{question.max_strength}}}, got {short(value)}")
    extra = set(value) - {"choice", "strength"}
    if extra:
        raise fail(name, f"unknown keys {sorted(extra)}; allowed: choice, strength")
    choices = ["a", "b", "tie"] if question.allow_tie else ["a", "b"]
    if value["choice"] not in choices:
        raise fail(name, f"choice {short(value['choice'])} is not allowed; expected one of "
                   f"{choices}")
    strength = value.get("strength")
    if strength is not None and (isinstance(strength, bool) or not isinstance(strength, int)
                                 or not 1 <= strength <= question.max_strength):
        raise fail(name, f"strength must be an integer 1..{question.max_strength}, "
                   f"got {short(strength)}")
    return value


TYPE = register(QuestionType(
    name="pairwise", model=PairwiseQuestion, validate=validate,
    title="Pairwise", description="Compare response A with response B (with an optional "
    "tie and strength).", value_example={"choice": "a", "strength": 2},
    settings_example={"fields": ["response_a", "response_b"], "allow_tie": True},
    agreement_metric="alpha", agreement_level="nominal", applicable_metrics=NOMINAL_METRICS,
    consensus_methods=CLASSIFICATION_METHODS, default_consensus=DEFAULT_CLASSIFICATION_METHOD,
    export_roles=frozenset({"label_column", "consensus_column", "records_filter",
                            "preference_pair", "kto_label"}),
    widget="pairwise", wide=True, shows_fields=True, field_key="fields",
    form=(FormField("fields", "fields", "Fields", required=True, labels=("Field A", "Field B")),
          FormField("allow_tie", "bool", "allow tie", default=True),
          FormField("max_strength", "int", "Max strength", default=3)),
))
