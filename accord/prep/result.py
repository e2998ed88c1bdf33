"""What a prep run returns: kept records, rejects and the report."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from accord.prep.jsonio import loads_record

__all__ = ["PrepResult", "Reject"]


@dataclass(frozen=True, slots=True)
class Reject:
    """A dropped record and why.

    Attributes
    ----------
    index : int
        0-based position in the input.
    line : int or None
        Line (JSONL, CSV) or item number (JSON array) in the source file;
        ``None`` for records that did not come from a file.
    step : str
        The step that dropped it (``dedupe_exact``, ``pii``, ``length``, ...).
    reason : str
    record : dict
        The record as it was read.
    """

    index: int
    line: int | None
    step: str
    reason: str
    record: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to the rejects file."""
        return {
            "line": self.line,
            "index": self.index,
            "step": self.step,
            "reason": self.reason,
            "record": self.record,
        }


class PrepResult:
    """Output of :func:`accord.prep.pipeline.run_prep`.

    Attributes
    ----------
    lines : list of bytes
        The kept records serialized as JSON (one line each, no newline).
    rejects : list of Reject
        Dropped records in input order.
    report : dict
        See :mod:`accord.prep.report`.
    """

    def __init__(self, lines: list[bytes], rejects: list[Reject], report: dict[str, Any]) -> None:
        self.lines = lines
        self.rejects = rejects
        self.report = report

    @cached_property
    def records(self) -> list[dict[str, Any]]:
        """The kept records, possibly modified, in input order."""
        return [loads_record(line) for line in self.lines]
