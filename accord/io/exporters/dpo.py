"""TRL DPO preference rows: ``prompt``, ``chosen``, ``rejected`` and an optional ``margin``.

Pairs come from a pairwise or ranking question's consensus
(:mod:`accord.io.exporters.preferences`). Strings for text prompts;
messages when the prompt is a chat (conversational format, chosen and
rejected as assistant messages).

Example line::

    {"prompt": "Name a prime.", "chosen": "7", "rejected": "8", "margin": 2.0}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat, value_type
from accord.io.exporters.conversation import completion_value, is_conversational, prompt_value
from accord.io.exporters.preferences import preference_pairs

__all__ = ["FORMAT", "PreferenceBuilder"]


class PreferenceBuilder:
    """Shared by dpo and reward: pairs with the prompt explicit or folded in."""

    explicit_prompt = True

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conv = is_conversational(ctx.plan, ctx.options)

    def pairs(self, record: Any, decision: Any) -> Iterable[tuple[Any, Any, Any, Any]]:
        ctx = self.ctx
        prompt = prompt_value(record.fields, ctx.plan, ctx.options) if ctx.plan.prompt else None
        if ctx.plan.prompt and prompt is None:
            return
        for chosen, rejected, margin in preference_pairs(record.fields, ctx.plan.question,
                                                         decision, ctx.options.pairs):
            yield (prompt, completion_value(chosen, self.conv),
                   completion_value(rejected, self.conv), margin)

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        for prompt, chosen, rejected, margin in self.pairs(record, decision):
            row = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
            if self.ctx.options.margin:
                row["margin"] = margin
            yield row

    def columns(self) -> list[str]:
        cols = ["prompt", "chosen", "rejected"] if self.explicit_prompt else ["chosen", "rejected"]
        return cols + (["margin"] if self.ctx.options.margin else [])

    def schema(self) -> Any:
        import pyarrow as pa

        t = value_type(self.conv)
        cols = [(c, t) for c in self.columns() if c != "margin"]
        if self.ctx.options.margin:
            cols.append(("margin", pa.float64()))
        return pa.schema(cols)


FORMAT = ExportFormat("dpo", "preference", ("jsonl", "parquet", "hub", "disk"), PreferenceBuilder,
                      "TRL DPO: prompt, chosen, rejected, margin")
