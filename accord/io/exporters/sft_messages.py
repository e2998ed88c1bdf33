"""TRL SFT, conversational language modeling: one ``{"messages": [...]}`` row per example.

A chat prompt field keeps its system prompt; a text prompt becomes a user
message (after ``--system-prompt``); the completion is an assistant message
taken from a text question's answers (``--texts``), a completion field, or,
when the prompt is a chat and nothing else is given, the chat itself (which
must end with an assistant message).

Example line (one line in the file, wrapped here)::

    {"messages": [{"role": "user", "content": "Name a prime."},
                  {"role": "assistant", "content": "7"}]}
"""

from __future__ import annotations

from typing import Any

from accord.io.exporters.base import Context, ExportFormat, messages_type
from accord.io.exporters.conversation import as_text, clean_messages, prompt_messages
from accord.io.exporters.preferences import text_completions

__all__ = ["FORMAT", "sft_examples", "sft_pairs"]


def sft_pairs(record: Any, ctx: Context) -> list[tuple[Any, Any]]:
    """``(prompt, completion)`` of each SFT example of a record: strings for a text prompt
    without a system prompt, else lists of messages."""
    plan, options = ctx.plan, ctx.options
    if plan.chat_only or plan.prompt_is_chat or options.system_prompt:
        return [(p, c) for p, c in sft_examples(record, ctx)]
    prompt = record.fields.get(plan.prompt)
    if prompt is None or prompt == "":
        return []
    if plan.question is not None:
        texts: list[Any] = text_completions(record.responses, plan.question.name, options)
    else:
        value = record.fields.get(plan.completion) if plan.completion else None
        texts = [] if value is None or value == "" else [value]
    prompt = prompt if prompt.__class__ is str else as_text(prompt)
    return [(prompt, text if text.__class__ is str else as_text(text)) for text in texts]


def sft_examples(
    record: Any, ctx: Context
) -> list[tuple[list[dict[str, str]], list[dict[str, str]]]]:
    """``(prompt messages, completion messages)`` for each SFT example of a record."""
    plan, options = ctx.plan, ctx.options
    prompt = prompt_messages(record.fields, plan, options)
    if prompt is None:
        return []
    if plan.chat_only:
        if len(prompt) < 2 or prompt[-1]["role"] != "assistant":
            return []
        return [(prompt[:-1], prompt[-1:])]
    if plan.question is not None:
        texts: list[Any] = text_completions(record.responses, plan.question.name, options)
    else:
        value = record.fields.get(plan.completion) if plan.completion else None
        texts = [] if value is None or value == "" else [value]
    out = []
    for text in texts:
        completion = clean_messages(text) if isinstance(text, list) else \
            [{"role": "assistant", "content": as_text(text)}]
        out.append((prompt, completion))
    return out


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def rows(self, record: Any, decision: Any) -> list[dict[str, Any]]:
        return [{"messages": prompt + completion}
                for prompt, completion in sft_examples(record, self.ctx)]

    def pair_rows(self, prompt: str, completion: str) -> list[dict[str, Any]]:
        """Rows from a text pair (the SFT fast path, see accord.store.export_pairs)."""
        return [{"messages": [{"role": "user", "content": prompt},
                              {"role": "assistant", "content": completion}]}]

    def columns(self) -> list[str]:
        return ["messages"]

    def schema(self) -> Any:
        import pyarrow as pa

        return pa.schema([("messages", messages_type())])


FORMAT = ExportFormat("sft-messages", "sft", ("jsonl", "parquet", "hub", "disk"), _Builder,
                      "TRL SFT conversational: messages")
