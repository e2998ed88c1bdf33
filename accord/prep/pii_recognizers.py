"""The presidio recognizers prep uses, with our offline and recall fixes.

Only pattern-based recognizers are built (no NLP engine, no spaCy model): each
recognizer's ``analyze(text, entities, None)`` is called directly, so nothing
is loaded or downloaded at run time.

On top of presidio's own recognizers:

- ``EMAIL_ADDRESS``: presidio validates the domain with ``tldextract``, whose
  default extractor fetches the public suffix list over the network; ours
  uses tldextract's bundled snapshot only.
- ``PHONE_NUMBER``: presidio's recognizer (``phonenumbers``, a fixed list of
  regions) misses international and short local formats such as
  ``+41 (0)96 471 07 95``, ``60-56-85-91`` or ``451 5986``; a pattern
  recognizer for separated digit groups (7 to 15 digits, dates and IPv4
  addresses excluded) adds them at score 0.4; two bare groups
  (``451 5986``, also the shape of many street addresses) score 0.25, below
  the default threshold, unless a word such as "phone", "call" or "fax"
  precedes them within 40 characters.
- ``CREDIT_CARD``: presidio's pattern covers 13-17 digit numbers with
  certain prefixes; ours also takes 12-19 digit numbers that pass the Luhn
  checksum (Maestro, 2-series Mastercard, 19-digit Visa).
- ``IBAN_CODE``: matched case-insensitively (presidio validates on the
  upper-cased value but only matches upper case).

Importing presidio imports its optional NLP back ends, and with them
``transformers`` and ``torch`` when those are installed (several seconds per
process, for nothing: no NLP engine runs here). :func:`import_presidio`
imports presidio with those packages hidden, so its optional back ends fall
back as if they were absent. The packages stay importable afterwards;
if presidio is the first to import spaCy's ``thinc`` in a process, thinc's
own torch integration stays off in that process.

Recall and precision per entity on presidio-research's synthetic data are in
``docs/prep.md`` and checked in ``tests/prep/test_pii.py``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["DEFAULT_ENTITIES", "build_recognizers", "import_presidio", "luhn_valid"]

DEFAULT_ENTITIES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "URL",
    "US_SSN",
    "DATE_TIME",
    "CRYPTO",
)

_PHONE_REGEX = (
    r"(?<![\w+\-.])"
    r"(?:\+\d{1,3}[ .\-]?)?"
    r"(?:\(\d{1,4}\)[ .\-]?)?"
    r"\d{2,5}(?:[ .\-]\d{2,5}){1,4}"
    r"(?:\s?(?:x|ext\.?)\s?\d{1,6})?"
    r"(?!\w|[.\-]\d)"
)
_CARD_REGEX = r"(?<![\d\-])\d(?:[ \-]?\d){11,18}(?![\d\-])"
_DATE_SHAPES = (
    re.compile(r"\d{4}[./\-]\d{1,2}[./\-]\d{1,2}"),
    re.compile(r"\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}"),
)
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?\d{1,6}$", re.IGNORECASE)
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|call|mobile|cell|fax|desk|office|contact|number|reach|text|whatsapp)\b",
    re.IGNORECASE,
)
_WEAK_PHONE_SCORE = 0.25


def luhn_valid(digits: str) -> bool:
    """Luhn checksum of a string of digits.

    Examples
    --------
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _phone_plausible(text: str) -> bool:
    core = _EXTENSION.sub("", text)
    digits = sum(ch.isdigit() for ch in core)
    if not 7 <= digits <= 15:
        return False
    bare = core.lstrip("+")
    if any(shape.fullmatch(bare) for shape in _DATE_SHAPES):
        return False
    return not _DOTTED_QUAD.fullmatch(bare)


def _phone_is_weak(text: str) -> bool:
    """Two bare digit groups (``451 5986``, ``3610-114``): as often a house number as a phone."""
    core = _EXTENSION.sub("", text)
    return "+" not in core and "(" not in core and len(re.findall(r"\d+", core)) == 2


class _HideModules(importlib.abc.MetaPathFinder):
    """Make imports of some top-level packages fail as if they were not installed."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(
                f"No module named {name!r} (hidden by accord.prep)", name=name
            )


_NLP_BACKENDS = ("torch", "transformers", "spacy_huggingface_pipelines", "stanza")


def import_presidio() -> None:
    """Import presidio-analyzer without its NLP back ends (see the module docstring)."""
    if "presidio_analyzer.predefined_recognizers" in sys.modules:
        return
    hidden = [m for m in _NLP_BACKENDS if m not in sys.modules]
    finder = _HideModules(hidden)
    sys.meta_path.insert(0, finder)
    try:
        importlib.import_module("presidio_analyzer.predefined_recognizers")
    finally:
        sys.meta_path.remove(finder)


def _make_classes() -> dict[str, type]:
    """Subclasses of presidio recognizers, built on first use (presidio is heavy)."""
    import_presidio()
    import tldextract
    from presidio_analyzer import Pattern, PatternRecognizer
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    offline_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
        """presidio's email recognizer, validating domains without network access."""

        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld(pattern_text).fqdn != ""

    class PhonePatternRecognizer(PatternRecognizer):  # type: ignore[misc]
        """Separated digit groups that look like a phone number."""

        def __init__(self) -> None:
            super().__init__(
                supported_entity="PHONE_NUMBER",
                name="PhonePatternRecognizer",
                patterns=[Pattern("phone (digit groups)", _PHONE_REGEX, 0.4)],
                context=["phone", "call", "tel", "mobile", "fax"],
                global_regex_flags=re.IGNORECASE,
            )

        def invalidate_result(self, pattern_text: str) -> bool:
            return not _phone_plausible(pattern_text)

        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: Any = None
        ) -> Any:
            results = super().analyze(text, entities, nlp_artifacts, regex_flags)
            for r in results:
                window = text[max(0, r.start - 40) : r.start]
                if _phone_is_weak(text[r.start : r.end]) and not _PHONE_CONTEXT.search(window):
                    r.score = _WEAK_PHONE_SCORE
            return results

    class LuhnCardRecognizer(PatternRecognizer):  # type: ignore[misc]
        """12-19 digit numbers passing the Luhn checksum."""

        def __init__(self) -> None:
            super().__init__(
                supported_entity="CREDIT_CARD",
                name="LuhnCardRecognizer",
                patterns=[Pattern("card number (12-19 digits)", _CARD_REGEX, 0.3)],
                global_regex_flags=0,
            )

        def validate_result(self, pattern_text: str) -> bool:
            digits = re.sub(r"\D", "", pattern_text)
            return 12 <= len(digits) <= 19 and luhn_valid(digits)

    return {
        "email": OfflineEmailRecognizer,
        "phone_pattern": PhonePatternRecognizer,
        "card": LuhnCardRecognizer,
    }


def _builtin(entity: str, classes: dict[str, type]) -> list[Any]:
    import regex
    from presidio_analyzer import predefined_recognizers as pr

    if entity == "EMAIL_ADDRESS":
        return [classes["email"]()]
    if entity == "PHONE_NUMBER":
        return [pr.PhoneRecognizer(), classes["phone_pattern"]()]
    if entity == "CREDIT_CARD":
        return [pr.CreditCardRecognizer(), classes["card"]()]
    if entity == "IBAN_CODE":
        return [pr.IbanRecognizer(regex_flags=regex.DOTALL | regex.MULTILINE | regex.IGNORECASE)]
    simple = {
        "IP_ADDRESS": pr.IpRecognizer,
        "URL": pr.UrlRecognizer,
        "US_SSN": pr.UsSsnRecognizer,
        "DATE_TIME": pr.DateRecognizer,
        "CRYPTO": pr.CryptoRecognizer,
    }
    return [simple[entity]()]


def build_recognizers(
    entities: Sequence[str] = DEFAULT_ENTITIES,
    *,
    regexes: Iterable[tuple[str, str]] = (),
    names: Sequence[str] = (),
    regex_score: float = 0.85,
) -> list[Any]:
    """Build the pattern recognizers for the requested entities.

    Parameters
    ----------
    entities : sequence of str, default DEFAULT_ENTITIES
        Built-in entities to detect (see :data:`DEFAULT_ENTITIES`).
    regexes : iterable of (str, str), default ()
        User entities ``(NAME, PATTERN)``; patterns are case-sensitive unless
        they say ``(?i)``.
    names : sequence of str, default ()
        Person names; detected as ``PERSON`` (whole words, any case).
    regex_score : float, default 0.85
        Score given to matches of user regexes.

    Returns
    -------
    list
        presidio recognizers; call ``r.analyze(text, r.supported_entities, None)``.

    Raises
    ------
    ValueError
        An unknown entity or a pattern that does not compile (the message
        names it).
    """
    import_presidio()
    from presidio_analyzer import Pattern, PatternRecognizer

    unknown = [e for e in entities if e not in DEFAULT_ENTITIES]
    if unknown:
        raise ValueError(
            f"unknown PII entity {unknown[0]!r}; choose from {', '.join(DEFAULT_ENTITIES)}"
        )
    classes = _make_classes()
    recognizers: list[Any] = []
    for entity in entities:
        recognizers.extend(_builtin(entity, classes))
    for name, pattern in regexes:
        import regex

        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise ValueError(f"PII regex {name!r} does not compile: {exc}") from None
        recognizers.append(
            PatternRecognizer(
                supported_entity=name,
                name=f"user regex {name}",
                patterns=[Pattern(name, pattern, regex_score)],
                global_regex_flags=regex.DOTALL | regex.MULTILINE,
            )
        )
    clean = sorted({n.strip() for n in names if n.strip()}, key=lambda n: (-len(n), n))
    if clean:
        recognizers.append(
            PatternRecognizer(supported_entity="PERSON", name="name list", deny_list=clean)
        )
    return recognizers
