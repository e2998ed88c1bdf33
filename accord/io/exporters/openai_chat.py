"""OpenAI chat fine-tuning JSONL: one ``{"messages": [...]}`` object per line.

Roles are ``system``, ``user`` and ``assistant``; every example ends with an
assistant message (the SFT completion, see
:mod:`accord.io.exporters.sft_messages`). JSONL only, as the fine-tuning
API requires.

Example line (one line in the file, wrapped here)::

    {"messages": [{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": "Name a prime."},
                  {"role": "assistant", "content": "7"}]}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.sft_messages import sft_examples

__all__ = ["FORMAT", "OPENAI_ROLES"]

OPENAI_ROLES = ("system", "user", "assistant")


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        for prompt, completion in sft_examples(record, self.ctx):
            messages = [m for m in prompt + completion if m["role"] in OPENAI_ROLES]
            if messages and messages[-1]["role"] == "assistant":
                yield {"messages": messages}

    def pair_rows(self, prompt: str, completion: str) -> list[dict[str, Any]]:
        """Rows from a text pair (the SFT fast path, see accord.store.export_pairs)."""
        return [{"messages": [{"role": "user", "content": prompt},
                              {"role": "assistant", "content": completion}]}]

    def columns(self) -> list[str]:
        return ["messages"]

    def schema(self) -> Any:
        return None


FORMAT = ExportFormat("openai-chat", "sft", ("jsonl",), _Builder,
                      "OpenAI chat fine-tuning JSONL: messages")
