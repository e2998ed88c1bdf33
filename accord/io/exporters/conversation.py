"""Prompts and completions as TRL/OpenAI messages or plain strings.

A chat prompt field becomes its messages, system prompt included, each
reduced to ``{role, content}``. A text prompt becomes one user message, with
``--system-prompt`` prepended as a system message. An export is
*conversational* (TRL's term: lists of messages rather than strings) when the
prompt is a chat field or a system prompt is given.
"""

from __future__ import annotations

from typing import Any

from accord.io.exporters.plan import Plan

__all__ = [
    "as_text",
    "clean_messages",
    "completion_value",
    "is_conversational",
    "prompt_messages",
    "prompt_value",
]


def is_conversational(plan: Plan, options: Any) -> bool:
    return plan.prompt_is_chat or bool(options.system_prompt)


def clean_messages(messages: list[Any]) -> list[dict[str, str]]:
    """``{role, content}`` of each message (other keys are dropped)."""
    return [{"role": str(m.get("role")), "content": str(m.get("content", ""))}
            for m in messages if isinstance(m, dict)]


def prompt_messages(
    fields: dict[str, Any], plan: Plan, options: Any
) -> list[dict[str, str]] | None:
    """The prompt as messages, or None when the record has no prompt."""
    value = fields.get(plan.prompt) if plan.prompt else None
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        messages = clean_messages(value)
    else:
        messages = [{"role": "user", "content": str(value)}]
    if options.system_prompt and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": options.system_prompt})
    return messages


def prompt_value(fields: dict[str, Any], plan: Plan, options: Any) -> Any:
    """The prompt as messages (conversational exports) or a string; None if missing."""
    if is_conversational(plan, options):
        return prompt_messages(fields, plan, options)
    value = fields.get(plan.prompt) if plan.prompt else None
    return None if value is None or value == "" else as_text(value)


def as_text(value: Any) -> str:
    """A field value as one string (messages joined by blank lines)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n\n".join(str(m.get("content", "")) if isinstance(m, dict) else str(m)
                           for m in value)
    return "" if value is None else str(value)


def completion_value(value: Any, conversational: bool) -> Any:
    """A completion (text, or assistant messages from a chat value) in the export's form."""
    if conversational:
        if isinstance(value, list):
            return clean_messages(value)
        return [{"role": "assistant", "content": as_text(value)}]
    if isinstance(value, list):
        assistant = [m for m in value if isinstance(m, dict) and m.get("role") == "assistant"]
        return as_text(assistant or value)
    return as_text(value)
