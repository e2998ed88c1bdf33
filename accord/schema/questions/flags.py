"""``flags``: a safety taxonomy; value ``[{"label": "pii", "severity": "high"}]``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from accord.schema.questions.base import (
    FormField,
    Labelled,
    QuestionType,
    fail,
    labelled_form,
    short,
)
from accord.schema.questions.registry import register

__all__ = ["FlagsQuestion", "TYPE"]


class FlagsQuestion(Labelled):
    """Safety taxonomy; value ``[{"label": "pii", "severity": "high"}]``."""

    type: Literal["flags"]
    severities: list[str] = Field(default_factory=lambda: ["low", "high"])
    min_labels: ClassVar[int] = 1

    @field_validator("severities")
    @classmethod
    def _severities(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least 1 severity")
        if len(set(value)) != len(value):
            raise ValueError("severities must be unique")
        return value


def validate(value: Any, question: FlagsQuestion, record_fields: dict[str, Any]) -> Any:
    name = question.name
    if not isinstance(value, list):
        raise fail(name, f"expected a list of {{label, severity}}, got {short(value)}")
    seen = set()
    for flag in value:
        if not isinstance(flag, dict) or set(flag) - {"label", "severity"} or "label" not in flag:
            raise fail(name, f"expected {{label, severity}}, got {short(flag)}")
        if flag["label"] not in question.labels:
            raise fail(name, f"{short(flag['label'])} is not a flag of this question; "
                       f"expected one of {list(question.labels)}")
        sev = flag.get("severity", question.severities[0])
        if sev not in question.severities:
            raise fail(name, f"severity {short(sev)} is not allowed; expected one of "
                       f"{question.severities}")
        if flag["label"] in seen:
            raise fail(name, f"flag {flag['label']!r} given twice")
        seen.add(flag["label"])
    return [{"label": f["label"], "severity": f.get("severity", question.severities[0])}
            for f in value]


TYPE = register(QuestionType(
    name="flags", model=FlagsQuestion, validate=validate,
    title="Flags", description="Safety flags: any labels of a taxonomy, each with a severity.",
    value_example=[{"label": "pii", "severity": "high"}],
    settings_example={"labels": ["violence", "self_harm", "pii"], "severities": ["low", "high"]},
    agreement_metric=None, agreement_level=None, applicable_metrics=(),
    consensus_methods=(), default_consensus=None,
    export_roles=frozenset({"records_filter"}),
    widget="flags",
    form=(labelled_form("Flags (comma-separated)"),
          FormField("severities", "list", "Severities", default=["low", "high"])),
    refusals={"*": "flags carry a severity per label; no agreement metric is defined for them"},
))
