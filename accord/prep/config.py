"""Every prep option, with its default, in one frozen dataclass.

:class:`PrepConfig` is hashable and picklable: executors ship it to their
workers, which build the per-record steps from it once per process.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from accord.errors import InputError
from accord.prep.pii_recognizers import DEFAULT_ENTITIES

__all__ = ["GLOBAL_STEPS", "RECORD_STEPS", "PrepConfig"]

#: Per-record steps in the order they run (inactive ones are skipped).
RECORD_STEPS = ("fix", "length", "repetition", "symbols", "blocklist", "language", "pii")
#: Steps over the whole data set, run in the driver after the per-record steps.
GLOBAL_STEPS = ("dedupe_exact", "dedupe_near", "against")


def _check_regex(name: str, pattern: str) -> None:
    """Compile a user PII pattern as presidio will (``regex`` module, ``re`` without it)."""
    try:
        import regex as engine
    except ImportError:  # presidio is not installed: the PII step will say so
        import re as engine
    try:
        engine.compile(pattern)
    except engine.error as exc:
        raise InputError(
            f"pattern for {name!r} does not compile: {exc}", field="pii_regexes"
        ) from None


def _check_languages(codes: tuple[str, ...], field: str) -> None:
    from accord.prep.language import parse_languages

    try:
        parse_languages(codes)
    except ValueError as exc:
        raise InputError(str(exc), field=field) from None


@dataclass(frozen=True)
class PrepConfig:
    """Options of the prep pipeline (defaults: text repair and exact dedupe).

    Parameters
    ----------
    text_fields : tuple of str, default ()
        Keys holding text (or chat message lists); empty means every
        top-level string (see :mod:`accord.prep.record_text`).
    fix : bool, default True
        Repair text with ftfy, normalize Unicode, strip control characters.
    normalization : {'NFC', 'NFKC'}, default 'NFC'
    use_ftfy : bool, default True
        Without it ``fix`` only normalizes and strips control characters.
    min_chars, max_chars : int or None, default None
        Length filter on the joined text of a record.
    max_repetition : float or None, default None
        Drop records whose share of repeated word n-grams exceeds this.
    repetition_ngram : int, default 3
    max_symbol_ratio : float or None, default None
        Drop records whose share of symbol characters exceeds this.
    blocklist : tuple of str, default ()
        Words or phrases that drop a record (whole words, any case).
    languages : tuple of str, default ()
        ISO 639-1 codes to keep; empty disables the language filter.
    language_min_confidence : float, default 0.0
    language_contrast : tuple of str, default ()
        Languages loaded only to reject texts written in them.
    pii : {'off', 'flag', 'redact', 'drop'}, default 'off'
    pii_entities : tuple of str, default all built-in entities
    pii_regexes : tuple of (str, str), default ()
        User entities ``(NAME, PATTERN)``.
    pii_names : tuple of str, default ()
        Person names detected as ``PERSON``.
    pii_threshold : float, default 0.4
        Minimum recognizer score of a PII finding.
    dedupe_exact : bool, default True
    dedupe_near : bool, default False
    near_threshold : float, default 0.5
        Estimated Jaccard similarity of shingle sets above which two records
        are near duplicates.
    near_action : {'drop', 'flag'}, default 'drop'
        ``flag`` keeps the duplicates and marks them under ``_near_duplicate``.
    shingle_unit : {'word', 'char'}, default 'word'
    shingle_size : int, default 2
        Words (or characters) per shingle.
    num_perm : int, default 128
        MinHash signature length.
    seed : int, default 1
        Seed of the MinHash functions.
    against_threshold : float or None, default None
        Similarity for the contamination check; ``None`` uses ``near_threshold``.
    against_action : {'flag', 'drop'}, default 'flag'
        ``flag`` marks matching records under ``_contamination``.
    workers : int or None, default None
        Worker processes of the local executor (``None``: one per CPU).
    batch_size : int, default 1000
        Records per executor task.
    examples : int, default 3
        Examples per step kept for the report.

    Raises
    ------
    InputError
        An option out of range; ``field`` names the option.

    Examples
    --------
    >>> PrepConfig(pii="redact", languages=("en",)).active_record_steps()
    ['fix', 'language', 'pii']
    """

    text_fields: tuple[str, ...] = ()
    fix: bool = True
    normalization: Literal["NFC", "NFKC"] = "NFC"
    use_ftfy: bool = True
    min_chars: int | None = None
    max_chars: int | None = None
    max_repetition: float | None = None
    repetition_ngram: int = 3
    max_symbol_ratio: float | None = None
    blocklist: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    language_min_confidence: float = 0.0
    language_contrast: tuple[str, ...] = ()
    pii: Literal["off", "flag", "redact", "drop"] = "off"
    pii_entities: tuple[str, ...] = DEFAULT_ENTITIES
    pii_regexes: tuple[tuple[str, str], ...] = ()
    pii_names: tuple[str, ...] = ()
    pii_threshold: float = 0.4
    dedupe_exact: bool = True
    dedupe_near: bool = False
    near_threshold: float = 0.5
    near_action: Literal["drop", "flag"] = "drop"
    shingle_unit: Literal["word", "char"] = "word"
    shingle_size: int = 2
    num_perm: int = 128
    seed: int = 1
    against_threshold: float | None = None
    against_action: Literal["flag", "drop"] = "flag"
    workers: int | None = None
    batch_size: int = 1000
    examples: int = 3

    def __post_init__(self) -> None:
        for name in (
            "text_fields",
            "blocklist",
            "languages",
            "language_contrast",
            "pii_entities",
            "pii_names",
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                raise InputError(
                    f"expected a list of strings, got the string {value!r}", field=name
                )
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(
            self, "pii_regexes", tuple((str(n), str(p)) for n, p in self.pii_regexes)
        )
        self._check_choice("normalization", ("NFC", "NFKC"))
        self._check_choice("pii", ("off", "flag", "redact", "drop"))
        self._check_choice("near_action", ("drop", "flag"))
        self._check_choice("against_action", ("flag", "drop"))
        self._check_choice("shingle_unit", ("word", "char"))
        for name in ("near_threshold", "against_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value < 1.0:
                raise InputError(f"must be between 0 and 1 (exclusive), got {value}", field=name)
        for name in (
            "max_repetition",
            "max_symbol_ratio",
            "language_min_confidence",
            "pii_threshold",
        ):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"must be between 0 and 1, got {value}", field=name)
        for name, low in (
            ("min_chars", 0),
            ("max_chars", 0),
            ("repetition_ngram", 1),
            ("shingle_size", 1),
            ("num_perm", 2),
            ("batch_size", 1),
            ("examples", 0),
            ("workers", 1),
        ):
            value = getattr(self, name)
            if value is not None and value < low:
                raise InputError(f"must be at least {low}, got {value}", field=name)
        if self.shingle_size > 64:
            raise InputError(f"must be at most 64, got {self.shingle_size}", field="shingle_size")
        if (
            self.min_chars is not None
            and self.max_chars is not None
            and self.min_chars > self.max_chars
        ):
            raise InputError(
                f"min_chars {self.min_chars} is above max_chars {self.max_chars}", field="min_chars"
            )
        unknown = [e for e in self.pii_entities if e not in DEFAULT_ENTITIES]
        if unknown:
            raise InputError(
                f"unknown entity {unknown[0]!r}; choose from {', '.join(DEFAULT_ENTITIES)}",
                field="pii_entities",
            )
        for name, pattern in self.pii_regexes:
            if not name or not name.replace("_", "").isalnum():
                raise InputError(
                    f"entity name {name!r} must be letters, digits and _", field="pii_regexes"
                )
            _check_regex(name, pattern)
        if self.languages or self.language_contrast:
            _check_languages(self.languages, "languages")
            _check_languages(self.language_contrast, "language_contrast")

    def _check_choice(self, name: str, choices: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if value not in choices:
            raise InputError(f"expected one of {', '.join(choices)}, got {value!r}", field=name)

    def active_record_steps(self) -> list[str]:
        """Names of the per-record steps this configuration runs, in order."""
        on = {
            "fix": self.fix,
            "length": self.min_chars is not None or self.max_chars is not None,
            "repetition": self.max_repetition is not None,
            "symbols": self.max_symbol_ratio is not None,
            "blocklist": bool(self.blocklist),
            "language": bool(self.languages),
            "pii": self.pii != "off",
        }
        return [s for s in RECORD_STEPS if on[s]]

    def replace(self, **changes: Any) -> PrepConfig:
        """A copy with some options changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-ready values (for the report)."""
        out = dataclasses.asdict(self)
        out["pii_regexes"] = [list(p) for p in self.pii_regexes]
        out["pii_names"] = len(self.pii_names)
        out["blocklist"] = len(self.blocklist)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}
