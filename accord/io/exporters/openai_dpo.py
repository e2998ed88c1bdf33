"""OpenAI preference fine-tuning (DPO) JSONL.

One object per line: ``input.messages`` (the prompt, ending with a user
message), ``preferred_output`` and ``non_preferred_output``, each a list
with exactly one assistant message. Pairs as in :mod:`accord.io.exporters.dpo`.

Example line (one line in the file, wrapped here)::

    {"input": {"messages": [{"role": "user", "content": "Name a prime."}]},
     "preferred_output": [{"role": "assistant", "content": "7"}],
     "non_preferred_output": [{"role": "assistant", "content": "8"}]}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.conversation import as_text, prompt_messages
from accord.io.exporters.openai_chat import OPENAI_ROLES
from accord.io.exporters.preferences import preference_pairs

__all__ = ["FORMAT"]


def _assistant(value: Any) -> list[dict[str, str]]:
    if isinstance(value, list):
        value = [m for m in value if isinstance(m, dict) and m.get("role") == "assistant"] or value
    return [{"role": "assistant", "content": as_text(value)}]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        ctx = self.ctx
        messages = prompt_messages(record.fields, ctx.plan, ctx.options)
        if not messages:
            return
        messages = [m for m in messages if m["role"] in OPENAI_ROLES]
        if not messages or messages[-1]["role"] != "user":
            return
        for chosen, rejected, _ in preference_pairs(record.fields, ctx.plan.question, decision,
                                                    ctx.options.pairs):
            yield {"input": {"messages": messages}, "preferred_output": _assistant(chosen),
                   "non_preferred_output": _assistant(rejected)}

    def columns(self) -> list[str]:
        return ["input", "preferred_output", "non_preferred_output"]

    def schema(self) -> Any:
        return None


FORMAT = ExportFormat("openai-dpo", "preference", ("jsonl",), _Builder,
                      "OpenAI preference fine-tuning JSONL: input, preferred_output, "
                      "non_preferred_output")
