"""The contract every per-record prep step follows.

A per-record step is a callable object with a ``name`` that takes a
:class:`Document` (a record and its text slots), may rewrite the text in place,
and returns a :class:`Verdict`:

==========  ===========================================================
``keep``    nothing to say
``change``  the text was rewritten (``example`` holds before/after snippets)
``flag``    the record is kept and annotated for review
``drop``    the record is removed; ``reason`` says why
==========  ===========================================================

Steps run inside executor workers, so they must be picklable by construction
(built from a :class:`~accord.prep.config.PrepConfig`) and hold no state that
differs between processes. Global steps (dedupe) do not follow this contract:
they compute per-record keys here and cluster in the driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from accord.prep.record_text import TextSlot, set_slot_text

__all__ = ["KEEP", "Document", "RecordStep", "Verdict", "snippet_pair"]

Action = Literal["keep", "change", "flag", "drop"]


@dataclass(slots=True)
class Document:
    """A record being prepared, with its text slots.

    Attributes
    ----------
    record : dict
        The JSON object; steps may modify it in place.
    slots : list of TextSlot
        Its text slots, kept in sync with ``record`` by :meth:`replace`.
    """

    record: dict[str, Any]
    slots: list[TextSlot] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All slot texts joined by a newline (what whole-record steps look at)."""
        return "\n".join(slot.text for slot in self.slots)

    def replace(self, i: int, text: str) -> None:
        """Set the text of slot ``i`` in the slot list and in the record."""
        slot = self.slots[i]
        self.slots[i] = TextSlot(slot.path, text)
        set_slot_text(self.record, slot.path, text)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a step decided about one record.

    Attributes
    ----------
    action : {'keep', 'change', 'flag', 'drop'}
    reason : str or None
        Why the record was dropped or flagged; shown in rejects and reports.
    example : tuple of (str, str) or None
        Before/after snippets of a change, for the report.
    detail : dict or None
        Counts the report aggregates, e.g. ``{"EMAIL_ADDRESS": 2}``.
    """

    action: Action
    reason: str | None = None
    example: tuple[str, str] | None = None
    detail: dict[str, int] | None = None


KEEP = Verdict("keep")


class RecordStep(Protocol):
    """A per-record step (see the module docstring)."""

    name: str

    def __call__(self, doc: Document) -> Verdict: ...


def snippet_pair(before: str, after: str, width: int = 60) -> tuple[str, str]:
    """Cut ``before`` and ``after`` around their first difference.

    Parameters
    ----------
    before, after : str
        The text before and after a change.
    width : int, default 60
        Characters kept before the first difference (twice as many after it).

    Returns
    -------
    tuple of (str, str)

    Examples
    --------
    >>> snippet_pair("abc def", "abc DEF", width=2)
    ('…c def', '…c DEF')
    """
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    lo = max(0, start - width)
    prefix = "…" if lo > 0 else ""

    def cut(s: str) -> str:
        end = start + 2 * width
        return prefix + s[lo:end] + ("…" if end < len(s) else "")

    return cut(before), cut(after)
