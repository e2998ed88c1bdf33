"""Workforce settings: onboarding, ongoing monitoring and assignment rules (docs/settings.md).

::

    onboarding:
      require_guidelines_ack: true
      training: {count: 5}
      qualification: {count: 10, pass_mark: 0.8, retry_after_seconds: 86400}
    monitoring:
      attention_rate: 0.05
      max_attention_failures: 1
      gold_window: 20
      min_gold_answers: 10
      min_gold_accuracy: 0.7
      consensus_window: 50
      min_consensus_answers: 20
      min_consensus_agreement: 0.6
    assignment:
      quota: 500
      match:
        - {metadata: language, attribute: languages}

Everything is optional; a dataset without these sections hands out records
exactly as before.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Training", "Qualification", "Onboarding", "Monitoring", "MatchRule", "Assignment"]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]{0,63}$")


class Training(BaseModel):
    """Gold records answered first, with the correct answer and explanation shown after each."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=500)


class Qualification(BaseModel):
    """Gold records scored silently; the mean score must reach ``pass_mark``."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=500)
    pass_mark: float = Field(default=0.8, ge=0.0, le=1.0)
    retry_after_seconds: int = Field(default=86400, ge=0, le=365 * 86400)


class Onboarding(BaseModel):
    """What an annotator does before getting real records."""

    model_config = ConfigDict(extra="forbid")

    require_guidelines_ack: bool = False
    training: Training | None = None
    qualification: Qualification | None = None


class Monitoring(BaseModel):
    """Attention checks and the thresholds below which an annotator is paused for review."""

    model_config = ConfigDict(extra="forbid")

    attention_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    max_attention_failures: int = Field(default=1, ge=1, le=1000)
    gold_window: int = Field(default=20, ge=1, le=10_000)
    min_gold_answers: int = Field(default=10, ge=1, le=10_000)
    min_gold_accuracy: float | None = Field(default=None, ge=0.0, le=1.0)
    consensus_window: int = Field(default=50, ge=1, le=10_000)
    min_consensus_answers: int = Field(default=20, ge=1, le=10_000)
    min_consensus_agreement: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _windows(self) -> Monitoring:
        if self.min_gold_answers > self.gold_window:
            raise ValueError(f"min_gold_answers ({self.min_gold_answers}) cannot exceed "
                             f"gold_window ({self.gold_window})")
        if self.min_consensus_answers > self.consensus_window:
            raise ValueError(f"min_consensus_answers ({self.min_consensus_answers}) cannot "
                             f"exceed consensus_window ({self.consensus_window})")
        return self


class MatchRule(BaseModel):
    """Only records whose ``metadata`` value (or any item of a list value) is in the
    annotator's ``attribute`` list; records without that metadata key go to anyone."""

    model_config = ConfigDict(extra="forbid")

    metadata: str = Field(pattern=_KEY.pattern)
    attribute: str = Field(pattern=_KEY.pattern)


class Assignment(BaseModel):
    """Per-annotator workload: a default quota and attribute-matching rules."""

    model_config = ConfigDict(extra="forbid")

    quota: int | None = Field(default=None, ge=1, le=100_000_000)
    match: list[MatchRule] = Field(default_factory=list, max_length=8)
