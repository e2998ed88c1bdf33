"""Language filter with lingua, loading only the configured languages.

The detector is built from the configured ISO 639-1 codes
(``--languages en,de``) and nothing else, so it stays small and fast to load.
A record is kept when lingua assigns its text (all text slots joined, first
``max_chars`` characters) to one of them with at least ``min_confidence``.

What this can and cannot tell: lingua chooses among the loaded languages
only. It rejects texts in a script none of them uses (Cyrillic among
``en,de``) and texts it cannot decide on (digits and symbols only, empty
text), but a French text among ``en,de`` is assigned to whichever of the two
is closer. Raising ``min_confidence`` (lingua's confidence is relative to the
loaded languages) rejects more of these; listing ``contrast`` languages loads
them too, as reasons to reject, at some cost in memory and speed.

References
----------
P. M. Stahl, "Lingua: the most accurate natural language detection library",
https://github.com/pemistahl/lingua-py
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accord.prep.step import Document, Verdict

__all__ = ["LanguageFilter", "parse_languages"]


def parse_languages(codes: Sequence[str]) -> list[Any]:
    """lingua ``IsoCode639_1`` values for ISO 639-1 codes.

    Raises
    ------
    ValueError
        A code lingua does not know; the message names it.
    """
    from lingua import IsoCode639_1

    out = []
    for code in codes:
        try:
            out.append(IsoCode639_1.from_str(code.strip().lower()))
        except ValueError:
            raise ValueError(
                f"unknown language code {code!r} (expected ISO 639-1, e.g. en, de, fr)"
            ) from None
    return out


class LanguageFilter:
    """Drop records that are not in one of the configured languages.

    Parameters
    ----------
    languages : sequence of str
        ISO 639-1 codes to keep, e.g. ``["en", "de"]``.
    min_confidence : float, default 0.0
        Minimum lingua confidence of the detected language.
    contrast : sequence of str, default ()
        Extra languages loaded only so that texts in them can be rejected.
    max_chars : int, default 2000
        Characters of the text given to lingua.

    Examples
    --------
    >>> from accord.prep.record_text import find_text_slots
    >>> f = LanguageFilter(["en", "de"])
    >>> rec = {"text": "Das ist ein kurzer deutscher Satz über das Wetter."}
    >>> f(Document(rec, find_text_slots(rec))).action
    'keep'
    >>> rec = {"text": "Это предложение написано по-русски."}
    >>> f(Document(rec, find_text_slots(rec))).reason
    'language could not be determined among en, de'
    """

    name = "language"

    def __init__(
        self,
        languages: Sequence[str],
        *,
        min_confidence: float = 0.0,
        contrast: Sequence[str] = (),
        max_chars: int = 2000,
    ) -> None:
        from lingua import LanguageDetectorBuilder

        keep = parse_languages(languages)
        extra = [c for c in parse_languages(contrast) if c not in keep]
        self.codes = [c.name.lower() for c in keep]
        self._keep = {c.name for c in keep}
        self.min_confidence = min_confidence
        self.max_chars = max_chars
        self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*keep, *extra).build()

    def __call__(self, doc: Document) -> Verdict:
        text = doc.text[: self.max_chars]
        allowed = ", ".join(self.codes)
        language = self._detector.detect_language_of(text) if text.strip() else None
        if language is None:
            return Verdict("drop", reason=f"language could not be determined among {allowed}")
        code = language.iso_code_639_1.name.lower()
        if language.iso_code_639_1.name not in self._keep:
            return Verdict("drop", reason=f"language {code} is not one of {allowed}")
        if self.min_confidence > 0.0:
            confidence = self._detector.compute_language_confidence(text, language)
            if confidence < self.min_confidence:
                return Verdict(
                    "drop",
                    reason=f"language {code} with confidence {confidence:.2f}, "
                    f"below {self.min_confidence:g}",
                )
        return Verdict("keep", detail={code: 1})
