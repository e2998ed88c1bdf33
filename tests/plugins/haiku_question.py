"""A toy third-party question type, ``haiku``: three lines of free text.

It lives only in the tests. It registers itself on import exactly like the
built-ins do; a server loads it with ``ACCORD_PLUGINS=tests.plugins.haiku_question``.
Its export role ``sft_target`` makes its answers the completions of SFT exports.
"""

from __future__ import annotations

from typing import Any, Literal

from accord.schema.questions.base import FormField, QuestionBase, QuestionType, fail, short
from accord.schema.questions.registry import register


class HaikuQuestion(QuestionBase):
    type: Literal["haiku"]
    field: str | None = None


def validate(value: Any, question: HaikuQuestion, record_fields: dict[str, Any]) -> Any:
    if not isinstance(value, str):
        raise fail(question.name, f"expected a haiku (three lines of text), got {short(value)}")
    lines = [line for line in value.strip().splitlines() if line.strip()]
    if len(lines) != 3:
        raise fail(question.name, f"expected three lines, got {len(lines)}")
    return "\n".join(line.strip() for line in lines)


TYPE = register(QuestionType(
    name="haiku", model=HaikuQuestion, validate=validate,
    title="Haiku", description="Write three lines.",
    value_example="old pond\na frog jumps in\nthe sound of water",
    settings_example={},
    agreement_metric=None, agreement_level=None, applicable_metrics=(),
    consensus_methods=(), default_consensus=None,
    export_roles=frozenset({"sft_target"}),
    widget="text", form=(FormField("field", "field", "Field to answer (optional)"),),
    refusals={"*": "a poem has no agreement metric"},
))
