"""Quality filters: length, repetition, symbol ratio and a blocklist.

Each filter is its own per-record step (so the report counts them apart) and
looks at the record's whole text: all text slots joined by a newline. A
filter is active only when its threshold is set.

=============  ====================================================  ==========================
step           measure                                               drops when
=============  ====================================================  ==========================
``length``     characters of the text                                ``< min_chars`` or
                                                                     ``> max_chars``
``repetition`` share of word n-grams that repeat an earlier one [1]_ ``> max_ratio``
``symbols``    share of characters neither alphanumeric nor space    ``> max_ratio``
``blocklist``  any listed word or phrase, whole words, any case      a term occurs
=============  ====================================================  ==========================

References
----------
.. [1] J. W. Rae et al., "Scaling Language Models: Methods, Analysis &
   Insights from Training Gopher", arXiv:2112.11446, 2021, appendix A
   (repetition removal). https://doi.org/10.48550/arXiv.2112.11446
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from accord.prep.step import KEEP, Document, Verdict

__all__ = [
    "BlocklistFilter",
    "LengthFilter",
    "RepetitionFilter",
    "SymbolFilter",
    "repetition_ratio",
    "symbol_ratio",
]

_WORD = re.compile(r"\w+")


def repetition_ratio(text: str, n: int = 3) -> float:
    """Share of word n-grams that repeat an earlier n-gram of the same text.

    Parameters
    ----------
    text : str
    n : int, default 3

    Returns
    -------
    float
        In ``[0, 1)``; 0 for texts with fewer than ``n`` words.

    Examples
    --------
    >>> repetition_ratio("a b c a b c a b c", n=3)
    0.5714285714285714
    >>> repetition_ratio("every word here is new", n=2)
    0.0
    """
    words = _WORD.findall(text.casefold())
    total = len(words) - n + 1
    if total <= 0:
        return 0.0
    grams = {tuple(words[i : i + n]) for i in range(total)}
    return 1.0 - len(grams) / total


def symbol_ratio(text: str) -> float:
    """Share of characters that are neither alphanumeric nor whitespace.

    Examples
    --------
    >>> symbol_ratio("ab!!")
    0.5
    >>> symbol_ratio("")
    0.0
    """
    if not text:
        return 0.0
    symbols = sum(1 for ch in text if not (ch.isalnum() or ch.isspace()))
    return symbols / len(text)


class LengthFilter:
    """Drop records whose text is shorter than ``min_chars`` or longer than ``max_chars``."""

    name = "length"

    def __init__(self, min_chars: int | None = None, max_chars: int | None = None) -> None:
        self.min_chars = min_chars
        self.max_chars = max_chars

    def __call__(self, doc: Document) -> Verdict:
        length = sum(len(s.text) for s in doc.slots) + max(0, len(doc.slots) - 1)
        if self.min_chars is not None and length < self.min_chars:
            return Verdict(
                "drop",
                reason=f"text has {length} characters, fewer than the minimum {self.min_chars}",
            )
        if self.max_chars is not None and length > self.max_chars:
            return Verdict(
                "drop",
                reason=f"text has {length} characters, more than the maximum {self.max_chars}",
            )
        return KEEP


class RepetitionFilter:
    """Drop records whose repeated word n-gram share exceeds ``max_ratio``."""

    name = "repetition"

    def __init__(self, max_ratio: float, n: int = 3) -> None:
        self.max_ratio = max_ratio
        self.n = n

    def __call__(self, doc: Document) -> Verdict:
        ratio = repetition_ratio(doc.text, self.n)
        if ratio > self.max_ratio:
            return Verdict(
                "drop",
                reason=f"{ratio:.2f} of word {self.n}-grams are repeats, above {self.max_ratio:g}",
            )
        return KEEP


class SymbolFilter:
    """Drop records whose symbol share exceeds ``max_ratio``."""

    name = "symbols"

    def __init__(self, max_ratio: float) -> None:
        self.max_ratio = max_ratio

    def __call__(self, doc: Document) -> Verdict:
        ratio = symbol_ratio(doc.text)
        if ratio > self.max_ratio:
            return Verdict(
                "drop", reason=f"{ratio:.2f} of characters are symbols, above {self.max_ratio:g}"
            )
        return KEEP


class BlocklistFilter:
    """Drop records containing any blocklisted word or phrase.

    Terms match whole words, case-insensitively; the longest term wins when
    several start at the same place.

    Examples
    --------
    >>> from accord.prep.record_text import find_text_slots
    >>> f = BlocklistFilter(["lorem ipsum", "spam"])
    >>> rec = {"text": "Buy SPAM now"}
    >>> f(Document(rec, find_text_slots(rec))).reason
    "blocklisted term 'spam'"
    >>> rec = {"text": "spammer"}
    >>> f(Document(rec, find_text_slots(rec))).action
    'keep'
    """

    name = "blocklist"

    def __init__(self, terms: Sequence[str]) -> None:
        clean = sorted(
            {t.strip().casefold() for t in terms if t.strip()}, key=lambda t: (-len(t), t)
        )
        self.terms = clean
        body = "|".join(re.escape(t) for t in clean)
        self._regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if clean else None

    def __call__(self, doc: Document) -> Verdict:
        if self._regex is None:
            return KEEP
        match = self._regex.search(doc.text.casefold())
        if match:
            return Verdict("drop", reason=f"blocklisted term {match.group(0)!r}")
        return KEEP
