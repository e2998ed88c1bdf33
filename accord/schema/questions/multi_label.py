"""``multi_label``: any subset of ``labels``; value ``["refund", "login"]``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

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

__all__ = ["MultiLabelQuestion", "TYPE"]


class MultiLabelQuestion(Labelled):
    """Any subset of ``labels``; value ``["refund", "login"]``."""

    type: Literal["multi_label"]
    min_labels: ClassVar[int] = 1


def validate(value: Any, question: MultiLabelQuestion, record_fields: dict[str, Any]) -> Any:
    name = question.name
    if not isinstance(value, list):
        raise fail(name, f"expected a list of labels, got {short(value)}")
    bad = [v for v in value if not isinstance(v, str) or v not in question.labels]
    if bad:
        raise fail(name, f"{short(bad[0])} is not a label of this question; "
                   f"expected any of {list(question.labels)}")
    if len(set(value)) != len(value):
        raise fail(name, f"labels repeated in {short(value)}")
    return value


TYPE = register(QuestionType(
    name="multi_label", model=MultiLabelQuestion, validate=validate,
    title="Multi-label", description="Pick any number of labels; agreement and consensus "
    "treat each label as a yes/no decision per record.",
    value_example=["refund", "login"],
    settings_example={"labels": ["refund", "login", "shipping"]},
    agreement_metric="alpha", agreement_level="nominal", applicable_metrics=NOMINAL_METRICS,
    consensus_methods=CLASSIFICATION_METHODS, default_consensus=DEFAULT_CLASSIFICATION_METHOD,
    export_roles=frozenset({"consensus_column", "records_filter"}),
    widget="label", form=(labelled_form(),),
))
