"""``label``: one choice among ``labels``; value ``"billing"``."""

from __future__ import annotations

from typing import Any, Literal

from accord.schema.questions.base import (
    CLASSIFICATION_METHODS,
    DEFAULT_CLASSIFICATION_METHOD,
    NOMINAL_METRICS,
    Labelled,
    QuestionType,
    fail,
    labelled_form,
    short,
)
from accord.schema.questions.registry import register

__all__ = ["LabelQuestion", "TYPE"]


class LabelQuestion(Labelled):
    """Single choice among ``labels``; value ``"billing"``."""

    type: Literal["label"]


def validate(value: Any, question: LabelQuestion, record_fields: dict[str, Any]) -> Any:
    if not isinstance(value, str) or value not in question.labels:
        raise fail(question.name, f"{short(value)} is not a label of this question; "
                   f"expected one of {list(question.labels)}")
    return value


TYPE = register(QuestionType(
    name="label", model=LabelQuestion, validate=validate,
    title="Label", description="Pick one label.", value_example="billing",
    settings_example={"labels": ["billing", "bug", "other"]},
    agreement_metric="alpha", agreement_level="nominal", applicable_metrics=NOMINAL_METRICS,
    consensus_methods=CLASSIFICATION_METHODS, default_consensus=DEFAULT_CLASSIFICATION_METHOD,
    export_roles=frozenset({"label_column", "consensus_column", "records_filter", "kto_label"}),
    widget="label", form=(labelled_form(),),
))
