"""TRL SFT, prompt-completion: ``{"prompt": ..., "completion": ...}`` rows.

Strings for text prompts (TRL's *standard* format); lists of messages when
the prompt is a chat field or ``--system-prompt`` is given (TRL's
*conversational* format, completion ``[{"role": "assistant", ...}]``).
Completions come from the same sources as :mod:`accord.io.exporters.sft_messages`.

Example line::

    {"prompt": "Name a prime.", "completion": "7"}
"""

from __future__ import annotations

from typing import Any

from accord.io.exporters.base import Context, ExportFormat, value_type
from accord.io.exporters.conversation import is_conversational
from accord.io.exporters.sft_messages import sft_examples, sft_pairs

__all__ = ["FORMAT"]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conv = is_conversational(ctx.plan, ctx.options) or ctx.plan.chat_only

    def rows(self, record: Any, decision: Any) -> list[dict[str, Any]]:
        if self.conv:
            return [{"prompt": p, "completion": c} for p, c in sft_examples(record, self.ctx)]
        return [{"prompt": p, "completion": c} for p, c in sft_pairs(record, self.ctx)]

    def pair_rows(self, prompt: str, completion: str) -> list[dict[str, Any]]:
        """Rows from a text pair (the SFT fast path, see accord.store.export_pairs)."""
        if self.conv:
            return [{"prompt": [{"role": "user", "content": prompt}],
                     "completion": [{"role": "assistant", "content": completion}]}]
        return [{"prompt": prompt, "completion": completion}]

    def columns(self) -> list[str]:
        return ["prompt", "completion"]

    def schema(self) -> Any:
        import pyarrow as pa

        t = value_type(self.conv)
        return pa.schema([("prompt", t), ("completion", t)])


FORMAT = ExportFormat("sft-prompt-completion", "sft", ("jsonl", "parquet", "hub", "disk"),
                      _Builder, "TRL SFT: prompt, completion")
