"""PII detection with presidio pattern recognizers: flag, redact or drop.

Detection runs the recognizers of :mod:`accord.prep.pii_recognizers` on each
text slot (no NLP engine, no model, no network). Overlapping findings are
resolved greedily: the higher score wins, then the longer span, then the
earlier start; spans below ``threshold`` are ignored.

Modes
-----
``flag``
    The record is kept and annotated for review: ``record["_pii"]`` maps each
    text slot with findings (``"text"``, ``"messages[2].content"``) to a list
    of ``{"start", "end", "entity", "score"}`` (character offsets into the
    slot's text after the earlier steps, end exclusive).
``redact``
    Each span is replaced by a ``<ENTITY>`` placeholder, e.g.
    ``<EMAIL_ADDRESS>``.
``drop``
    A record with any finding is dropped; the reason lists the entities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from accord.prep.pii_recognizers import DEFAULT_ENTITIES, build_recognizers
from accord.prep.step import KEEP, Document, Verdict

__all__ = ["PiiDetector", "PiiMode", "PiiSpan", "PiiStep", "redact"]

PiiMode = Literal["flag", "redact", "drop"]


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One finding: ``text[start:end]`` looks like ``entity`` with ``score``."""

    start: int
    end: int
    entity: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored under ``_pii``."""
        return {
            "start": self.start,
            "end": self.end,
            "entity": self.entity,
            "score": round(self.score, 4),
        }


def _resolve(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keep non-overlapping spans: higher score, then longer, then earlier wins."""
    ranked = sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start, s.entity))
    kept: list[PiiSpan] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s.start, s.end))


class PiiDetector:
    """Find PII spans in text with presidio pattern recognizers.

    Parameters
    ----------
    entities : sequence of str, default all built-in entities
        Built-in entities (``EMAIL_ADDRESS``, ``PHONE_NUMBER``, ``CREDIT_CARD``,
        ``IBAN_CODE``, ``IP_ADDRESS``, ``URL``, ``US_SSN``, ``DATE_TIME``, ``CRYPTO``).
    regexes : sequence of (str, str), default ()
        Extra entities as ``(NAME, PATTERN)``.
    names : sequence of str, default ()
        Person names detected as ``PERSON``.
    threshold : float, default 0.4
        Minimum score of a finding.

    Examples
    --------
    >>> det = PiiDetector(entities=["EMAIL_ADDRESS"], regexes=[("TICKET", r"TCK-\\d{4}")])
    >>> [(s.entity, s.start, s.end) for s in det.analyze("Mail jo@example.com about TCK-1234")]
    [('EMAIL_ADDRESS', 5, 19), ('TICKET', 26, 34)]
    """

    def __init__(
        self,
        entities: Sequence[str] = DEFAULT_ENTITIES,
        *,
        regexes: Sequence[tuple[str, str]] = (),
        names: Sequence[str] = (),
        threshold: float = 0.4,
    ) -> None:
        self.threshold = threshold
        self.recognizers = build_recognizers(entities, regexes=regexes, names=names)

    def analyze(self, text: str) -> list[PiiSpan]:
        """Non-overlapping PII spans in ``text``, sorted by position."""
        if not text:
            return []
        found: list[PiiSpan] = []
        for recognizer in self.recognizers:
            for r in recognizer.analyze(text, recognizer.supported_entities, None):
                if r.score >= self.threshold and r.end > r.start:
                    found.append(PiiSpan(r.start, r.end, r.entity_type, float(r.score)))
        return _resolve(found)


def redact(text: str, spans: Sequence[PiiSpan]) -> str:
    """Replace each span by ``<ENTITY>``.

    Parameters
    ----------
    text : str
    spans : sequence of PiiSpan
        Non-overlapping spans (as returned by :meth:`PiiDetector.analyze`).

    Returns
    -------
    str

    Examples
    --------
    >>> redact("call 555-0100 now", [PiiSpan(5, 13, "PHONE_NUMBER", 0.4)])
    'call <PHONE_NUMBER> now'
    """
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        out.append(text[pos : span.start])
        out.append(f"<{span.entity}>")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _summary(counts: Counter[str]) -> str:
    return ", ".join(f"{entity} x{n}" if n > 1 else entity for entity, n in sorted(counts.items()))


class PiiStep:
    """Per-record PII step in ``flag``, ``redact`` or ``drop`` mode.

    Parameters
    ----------
    mode : {'flag', 'redact', 'drop'}
    detector : PiiDetector
    """

    name = "pii"

    def __init__(self, mode: PiiMode, detector: PiiDetector) -> None:
        self.mode = mode
        self.detector = detector

    def __call__(self, doc: Document) -> Verdict:
        counts: Counter[str] = Counter()
        per_slot: dict[str, list[dict[str, Any]]] = {}
        for i, slot in enumerate(doc.slots):
            spans = self.detector.analyze(slot.text)
            if not spans:
                continue
            counts.update(s.entity for s in spans)
            if self.mode == "flag":
                per_slot[slot.name] = [s.as_dict() for s in spans]
            elif self.mode == "redact":
                doc.replace(i, redact(slot.text, spans))
            else:
                per_slot[slot.name] = []
        if not counts:
            return KEEP
        detail = dict(counts)
        if self.mode == "flag":
            doc.record["_pii"] = per_slot
            return Verdict("flag", reason=_summary(counts), detail=detail)
        if self.mode == "redact":
            # no before/after example: the report would repeat the PII it removed
            return Verdict("change", reason=_summary(counts), detail=detail)
        fields = ", ".join(per_slot)
        return Verdict("drop", reason=f"PII found in {fields}: {_summary(counts)}", detail=detail)
