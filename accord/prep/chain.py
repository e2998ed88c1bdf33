"""The per-record half of the pipeline: what runs inside executor workers.

:func:`process_batch` takes a batch of ``(index, JSON bytes)`` records and
returns one :class:`RecordOutcome` per record. For each record it

1. parses the JSON and finds its text slots,
2. runs the active per-record steps in order (:data:`RECORD_STEPS`), stopping
   at the first ``drop``,
3. computes the global-step keys on the text as it is before PII redaction:
   the exact-dedupe digest and, when asked, a MinHash signature (vectorized
   over the batch),
4. serializes the (possibly modified) record.

The function is pure given its inputs, so every executor produces the same
outcomes; the steps are built once per process and cached by configuration.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from accord.prep.config import PrepConfig
from accord.prep.dedupe_exact import exact_key
from accord.prep.jsonio import dumps_record, loads_record
from accord.prep.record_text import SlotTypeError, find_text_slots
from accord.prep.step import Document, RecordStep

__all__ = ["SIGNATURE_STEP", "RecordOutcome", "build_steps", "process_batch"]

#: Name under which signature time is reported (it belongs to near dedupe).
SIGNATURE_STEP = "dedupe_near"


class RecordOutcome(NamedTuple):
    """What the per-record steps made of one record.

    ``status`` is ``"kept"``, ``"dropped"`` or ``"error"`` (bad input: the
    driver raises :class:`~accord.errors.InputError` naming ``field``).
    ``seconds`` maps step names to time spent on this record. ``signature``
    holds ``num_perm`` little-endian ``uint32`` values as bytes.
    """

    index: int
    status: str
    step: str | None
    reason: str | None
    field: str | None
    output: bytes | None
    changed: tuple[str, ...]
    flagged: tuple[str, ...]
    seconds: dict[str, float]
    examples: tuple[tuple[str, str, str, str], ...]
    details: tuple[tuple[str, dict[str, int]], ...]
    key: bytes | None
    signature: bytes | None


def build_steps(config: PrepConfig) -> list[RecordStep]:
    """Instantiate the active per-record steps of ``config``, in order."""
    steps: list[RecordStep] = []
    for name in config.active_record_steps():
        if name == "fix":
            from accord.prep.fix import FixStep

            steps.append(FixStep(config.normalization, config.use_ftfy))
        elif name == "length":
            from accord.prep.filters import LengthFilter

            steps.append(LengthFilter(config.min_chars, config.max_chars))
        elif name == "repetition":
            from accord.prep.filters import RepetitionFilter

            steps.append(RepetitionFilter(config.max_repetition or 0.0, config.repetition_ngram))
        elif name == "symbols":
            from accord.prep.filters import SymbolFilter

            steps.append(SymbolFilter(config.max_symbol_ratio or 0.0))
        elif name == "blocklist":
            from accord.prep.filters import BlocklistFilter

            steps.append(BlocklistFilter(config.blocklist))
        elif name == "language":
            from accord.prep.language import LanguageFilter

            steps.append(
                LanguageFilter(
                    config.languages,
                    min_confidence=config.language_min_confidence,
                    contrast=config.language_contrast,
                )
            )
        elif name == "pii":
            from accord.prep.pii import PiiDetector, PiiStep

            detector = PiiDetector(
                config.pii_entities,
                regexes=config.pii_regexes,
                names=config.pii_names,
                threshold=config.pii_threshold,
            )
            steps.append(PiiStep(config.pii, detector))  # type: ignore[arg-type]
    return steps


_STEPS: dict[PrepConfig, list[RecordStep]] = {}
_HASHERS: dict[tuple[int, int], Any] = {}


def _cached_steps(config: PrepConfig) -> list[RecordStep]:
    steps = _STEPS.get(config)
    if steps is None:
        steps = _STEPS[config] = build_steps(config)
    return steps


def _run_steps(
    index: int, payload: bytes, config: PrepConfig, steps: list[RecordStep]
) -> tuple[RecordOutcome, str | None]:
    """Run the per-record steps on one record; also return its pre-PII text."""
    record = loads_record(payload)
    seconds: dict[str, float] = {}
    changed: list[str] = []
    flagged: list[str] = []
    examples: list[tuple[str, str, str, str]] = []
    details: list[tuple[str, dict[str, int]]] = []
    try:
        doc = Document(record, find_text_slots(record, config.text_fields))
    except SlotTypeError as exc:
        outcome = RecordOutcome(
            index, "error", None, str(exc), exc.field, None, (), (), {}, (), (), None, None
        )
        return outcome, None
    key: bytes | None = None
    pre_pii: str | None = None
    for step in steps:
        if step.name == "pii":
            pre_pii = doc.text
            key = exact_key(doc.slots) if config.dedupe_exact else None
        start = time.perf_counter()
        verdict = step(doc)
        seconds[step.name] = time.perf_counter() - start
        if verdict.detail:
            details.append((step.name, verdict.detail))
        if verdict.action == "drop":
            outcome = RecordOutcome(
                index,
                "dropped",
                step.name,
                verdict.reason,
                None,
                None,
                tuple(changed),
                tuple(flagged),
                seconds,
                tuple(examples),
                tuple(details),
                None,
                None,
            )
            return outcome, None
        if verdict.action == "change":
            changed.append(step.name)
            if verdict.example is not None:
                examples.append((step.name, "change", *verdict.example))
            elif verdict.reason:
                examples.append((step.name, "note", verdict.reason, ""))
        elif verdict.action == "flag":
            flagged.append(step.name)
            examples.append((step.name, "note", verdict.reason or "", ""))
    if pre_pii is None:
        pre_pii = doc.text
        key = exact_key(doc.slots) if config.dedupe_exact else None
    outcome = RecordOutcome(
        index,
        "kept",
        None,
        None,
        None,
        dumps_record(doc.record),
        tuple(changed),
        tuple(flagged),
        seconds,
        tuple(examples),
        tuple(details),
        key,
        None,
    )
    return outcome, pre_pii


def process_batch(
    config: PrepConfig, signatures: bool, items: Sequence[tuple[int, bytes]]
) -> list[RecordOutcome]:
    """Run the per-record half of the pipeline on a batch of records.

    Parameters
    ----------
    config : PrepConfig
    signatures : bool
        Compute MinHash signatures of kept records (near dedupe or a
        contamination check follows).
    items : sequence of (int, bytes)
        Record position and its JSON serialization.

    Returns
    -------
    list of RecordOutcome
        In the order of ``items``.
    """
    steps = _cached_steps(config)
    outcomes: list[RecordOutcome] = []
    texts: list[str] = []
    kept_at: list[int] = []
    for index, payload in items:
        outcome, text = _run_steps(index, payload, config, steps)
        if text is not None:
            kept_at.append(len(outcomes))
            texts.append(text)
        outcomes.append(outcome)
    if signatures and texts:
        outcomes = _add_signatures(config, outcomes, kept_at, texts)
    return outcomes


def _add_signatures(
    config: PrepConfig, outcomes: list[RecordOutcome], kept_at: list[int], texts: list[str]
) -> list[RecordOutcome]:
    from accord.prep.minhash import MinHasher
    from accord.prep.shingles import shingle_hashes

    start = time.perf_counter()
    hasher = _HASHERS.get((config.num_perm, config.seed))
    if hasher is None:
        hasher = _HASHERS[(config.num_perm, config.seed)] = MinHasher(config.num_perm, config.seed)
    hashes, offsets = shingle_hashes(texts, unit=config.shingle_unit, n=config.shingle_size)
    sigs = hasher.signatures(hashes, offsets).astype("<u4")
    share = (time.perf_counter() - start) / len(texts)
    for row, pos in enumerate(kept_at):
        outcome = outcomes[pos]
        seconds = dict(outcome.seconds)
        seconds[SIGNATURE_STEP] = share
        outcomes[pos] = outcome._replace(signature=sigs[row].tobytes(), seconds=seconds)
    return outcomes
