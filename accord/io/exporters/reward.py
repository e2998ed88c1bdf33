"""TRL reward modeling rows: ``chosen`` and ``rejected`` with the prompt folded in.

TRL's *implicit prompt* preference format: each side is the whole example.
Conversational exports put the prompt messages before the assistant's
answer; text exports concatenate prompt and completion as they are (TRL's
convention, so keep any separator, e.g. a trailing space or newline, in the
data). ``margin`` (``--margin``, on by default) is what TRL's RewardTrainer
reads to scale its loss.

Example line::

    {"chosen": "Name a prime. 7", "rejected": "Name a prime. 8", "margin": 2.0}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import ExportFormat
from accord.io.exporters.dpo import PreferenceBuilder

__all__ = ["FORMAT"]


class _Builder(PreferenceBuilder):
    explicit_prompt = False

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        for prompt, chosen, rejected, margin in self.pairs(record, decision):
            if prompt is not None:
                chosen, rejected = prompt + chosen, prompt + rejected
            row = {"chosen": chosen, "rejected": rejected}
            if self.ctx.options.margin:
                row["margin"] = margin
            yield row


FORMAT = ExportFormat("reward", "preference", ("jsonl", "parquet", "hub", "disk"), _Builder,
                      "TRL reward: chosen, rejected (implicit prompt), margin")
