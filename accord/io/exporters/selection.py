"""Which responses count and which records are kept.

Responses: rejected ones never count; with ``--status reviewed`` only
accepted or fixed ones do; a reviewer's fix replaces the annotator's values.

Records (:class:`RecordFilter`): gold records out with ``--exclude-gold``
(done in SQL), then ``--min-responses``, ``--min-agreement`` and
``--drop-contradictory`` on the consensus of the plan's question. A record
whose agreement is undefined (fewer than two responses) fails
``--min-agreement``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from accord.io.exporters.options import ExportOptions

__all__ = ["RecordFilter", "usable_values"]


def usable_values(values: dict[str, Any], fix: dict[str, Any] | None, review_state: str | None,
                  status: str) -> dict[str, Any] | None:
    """The values a response contributes, or None when it does not count: the quality
    loader's rule (:func:`accord.store.answers.counted_values`) with ``--status``.

    Examples
    --------
    >>> usable_values({"y": "a"}, None, "reject", "submitted") is None
    True
    >>> usable_values({"y": "a", "z": 1}, {"y": "b"}, "fix", "reviewed")
    {'y': 'b', 'z': 1}
    >>> usable_values({"y": "a"}, None, None, "reviewed") is None
    True
    """
    from accord.store.answers import counted_values

    return counted_values(values, fix, review_state, status == "reviewed")


@dataclass
class RecordFilter:
    """Applies the record-level selection options and counts why records were dropped."""

    options: ExportOptions
    question: str | None
    dropped: Counter[str] = field(default_factory=Counter)
    kept: int = 0

    def keep(self, n_responses: int, decision: Any) -> bool:
        """Whether a record passes, given its usable response count and its decision."""
        o = self.options
        if o.min_responses is not None and n_responses < o.min_responses:
            self.dropped["min_responses"] += 1
            return False
        if self.question is not None and (o.min_agreement is not None or o.drop_contradictory):
            if decision is None:
                self.dropped["no_answer"] += 1
                return False
            if o.min_agreement is not None and (decision.agreement is None
                                                or decision.agreement < o.min_agreement):
                self.dropped["min_agreement"] += 1
                return False
            if o.drop_contradictory and decision.contradictory:
                self.dropped["contradictory"] += 1
                return False
        self.kept += 1
        return True

    def describe(self) -> list[str]:
        """The active filters, for the dataset card."""
        o = self.options
        out = [f"responses: {o.status} (rejected responses never count; fixes applied)"]
        if o.exclude_gold:
            out.append("gold records excluded")
        if o.drop_pii:
            out.append("records with a confirmed PII finding left out")
        if o.redact_pii:
            out.append("confirmed PII findings replaced by [ENTITY]")
        if o.min_responses is not None:
            out.append(f"at least {o.min_responses} responses per record")
        if o.min_agreement is not None:
            out.append(f"agreement on {self.question!r} at least {o.min_agreement}")
        if o.drop_contradictory:
            out.append(f"contradictory answers to {self.question!r} dropped")
        return out
