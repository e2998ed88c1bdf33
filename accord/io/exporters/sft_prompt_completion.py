"""TRL SFT, prompt-completion: ``{"prompt": ..., "completion": ...}`` rows.

Strings for text prompts (TRL's *standard* format); lists of messages when
the prompt is a chat field or ``--system-prompt`` is given (TRL's
*conversational* format, completion ``[{"role": "assistant", ...}]``).
Completions come from the same sources as :mod:`accord.io.exporters.sft_messages`.

Example line::

    {"prompt": "Name a prime.", "completion": "7"}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat, value_type
from accord.io.exporters.conversation import as_text, is_conversational
from accord.io.exporters.sft_messages import sft_examples

__all__ = ["FORMAT"]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conv = is_conversational(ctx.plan, ctx.options) or ctx.plan.chat_only

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        for prompt, completion in sft_examples(record, self.ctx):
            if self.conv:
                yield {"prompt": prompt, "completion": completion}
            else:
                yield {"prompt": prompt[-1]["content"], "completion": as_text(completion)}

    def columns(self) -> list[str]:
        return ["prompt", "completion"]

    def schema(self) -> Any:
        import pyarrow as pa

        t = value_type(self.conv)
        return pa.schema([("prompt", t), ("completion", t)])


FORMAT = ExportFormat("sft-prompt-completion", "sft", ("jsonl", "parquet", "hub", "disk"),
                      _Builder, "TRL SFT: prompt, completion")
