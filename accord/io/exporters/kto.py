"""TRL KTO unpaired preference rows: ``prompt``, ``completion``, ``label`` (bool).

Desirable (``label: true``) or not, from a rating (``--kto-threshold``), a
label (``--kto-desirable``) or a pairwise choice (the chosen side true, the
other false). See :mod:`accord.io.exporters.preferences`.

Example line::

    {"prompt": "Name a prime.", "completion": "7", "label": true}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat, value_type
from accord.io.exporters.conversation import completion_value, is_conversational, prompt_value
from accord.io.exporters.preferences import check_kto, kto_examples

__all__ = ["FORMAT"]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.conv = is_conversational(ctx.plan, ctx.options)
        check_kto(ctx.plan.question, ctx.options)

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        ctx = self.ctx
        prompt = prompt_value(record.fields, ctx.plan, ctx.options)
        if prompt is None:
            return
        for completion, label in kto_examples(record.fields, ctx.plan.question, decision,
                                              ctx.plan.completion, ctx.options):
            yield {"prompt": prompt, "completion": completion_value(completion, self.conv),
                   "label": bool(label)}

    def columns(self) -> list[str]:
        return ["prompt", "completion", "label"]

    def schema(self) -> Any:
        import pyarrow as pa

        t = value_type(self.conv)
        return pa.schema([("prompt", t), ("completion", t), ("label", pa.bool_())])


FORMAT = ExportFormat("kto", "kto", ("jsonl", "parquet", "hub", "disk"), _Builder,
                      "TRL KTO: prompt, completion, label")
