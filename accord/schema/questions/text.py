"""``text``: free text, e.g. write or rewrite a response; value ``"the rewritten response"``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from accord.schema.questions.base import FormField, QuestionBase, QuestionType, fail, short
from accord.schema.questions.registry import register

__all__ = ["TextQuestion", "TYPE"]


class TextQuestion(QuestionBase):
    """Free text, e.g. write or rewrite a response (``field`` is the one rewritten)."""

    type: Literal["text"]
    field: str | None = None
    use_markdown: bool = False
    min_length: int = Field(default=0, ge=0)

    def referenced_fields(self) -> list[str]:
        return [self.field] if self.field else []


def validate(value: Any, question: TextQuestion, record_fields: dict[str, Any]) -> Any:
    if not isinstance(value, str):
        raise fail(question.name, f"expected text, got {short(value)}")
    if len(value.strip()) < max(question.min_length, 1 if question.required else 0):
        raise fail(question.name, f"text is too short (at least {max(question.min_length, 1)} "
                   "characters)")
    return value


TYPE = register(QuestionType(
    name="text", model=TextQuestion, validate=validate,
    title="Text", description="Write free text, e.g. a response or a rewrite of a field.",
    value_example="the rewritten response",
    settings_example={"field": "response_a"},
    agreement_metric=None, agreement_level=None, applicable_metrics=(),
    consensus_methods=(), default_consensus=None,
    export_roles=frozenset({"sft_target", "records_filter"}),
    widget="text",
    form=(FormField("field", "field", "Field to rewrite (optional)"),
          FormField("use_markdown", "bool", "markdown", default=False),
          FormField("min_length", "int", "Min length", default=0)),
    refusals={"*": "free text has no agreement metric"},
))
