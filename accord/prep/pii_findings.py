"""PII findings on a stored record: their review state, redaction and counts.

The prep PII step in ``flag`` mode (:mod:`accord.prep.pii`) leaves
``metadata._pii = {slot: [{"start", "end", "entity", "score"}, ...]}`` on each
record with findings; a slot is a field name (``"text"``) or a chat message's
content (``"chat[2].content"``). A reviewer confirms or dismisses each
finding; the verdict is kept on the finding as ``"review": {"state", "by",
"at"}`` (written only by :func:`accord.workflow.pii_review.review_pii`). This
module is the pure part every reader shares: exports redact confirmed spans
(``[EMAIL_ADDRESS]``) or drop records with any, and the dataset report counts
found, confirmed, dismissed and open findings.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["PII_KEY", "PII_STATES", "Plan", "find_finding", "has_confirmed", "moved_findings",
           "moved_offset", "moved_spans", "pii_counts", "redact_confirmed", "redaction_plan",
           "slot_path"]

PII_KEY = "_pii"
PII_STATES = ("confirmed", "dismissed")
_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def slot_path(name: str) -> tuple[str | int, ...]:
    """The path of a slot name inside the record's fields (inverse of ``slot_name``).

    Examples
    --------
    >>> slot_path("chat[2].content"), slot_path("text")
    (('chat', 2, 'content'), ('text',))
    """
    return tuple(int(m.group(1)) if m.group(1) is not None else m.group(2)
                 for m in _PART.finditer(name))


def _slots(metadata: Any) -> dict[str, list[dict[str, Any]]]:
    pii = metadata.get(PII_KEY) if isinstance(metadata, dict) else None
    if not isinstance(pii, dict):
        return {}
    return {k: [f for f in v if isinstance(f, dict)] for k, v in pii.items()
            if isinstance(v, list)}


def _state(finding: dict[str, Any]) -> str | None:
    review = finding.get("review")
    return review.get("state") if isinstance(review, dict) else None


def find_finding(metadata: Any, slot: str, start: int, end: int) -> dict[str, Any] | None:
    """The finding of ``slot`` spanning ``[start, end)``, or None."""
    for f in _slots(metadata).get(slot, []):
        if f.get("start") == start and f.get("end") == end:
            return f
    return None


def has_confirmed(metadata: Any) -> bool:
    """Whether any finding of the record is confirmed."""
    return any(_state(f) == "confirmed" for fs in _slots(metadata).values() for f in fs)


def _get(fields: Any, path: tuple[str | int, ...]) -> Any:
    target = fields
    for part in path:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return None
    return target


Plan = dict[str, list[tuple[int, int, str]]]


def redaction_plan(fields: dict[str, Any], metadata: Any) -> Plan:
    """Per slot, the spans :func:`redact_confirmed` replaces: the confirmed findings the
    slot's text still covers, sorted, overlapping ones merged (named by the first)."""
    plan: Plan = {}
    for name, findings in _slots(metadata).items():
        path = slot_path(name)
        text = _get(fields, path) if path else None
        if not isinstance(text, str):
            continue
        spans = _merged(sorted(
            (f["start"], f["end"], str(f.get("entity", "PII"))) for f in findings
            if _state(f) == "confirmed" and _offset(f.get("start"))
            and _offset(f.get("end")) and 0 <= f["start"] < f["end"] <= len(text)))
        if spans:
            plan[name] = spans
    return plan


def redact_confirmed(fields: dict[str, Any], metadata: Any,
                     plan: Plan | None = None) -> dict[str, Any]:
    """A copy of ``fields`` with every confirmed span replaced by ``[ENTITY]``.

    A slot whose text no longer covers a span (the field was edited after prep) is left
    as it is for that span. Overlapping confirmed spans (findings imported with the
    records' metadata can overlap; prep's never do) are replaced as one span, named by
    the first. Offsets into the redacted text: :func:`moved_offset`.

    Examples
    --------
    >>> meta = {"_pii": {"text": [
    ...     {"start": 5, "end": 17, "entity": "PHONE_NUMBER", "review": {"state": "confirmed"}},
    ...     {"start": 21, "end": 25, "entity": "PERSON", "review": {"state": "dismissed"}}]}}
    >>> redact_confirmed({"text": "call 555-123-4567 to Anna"}, meta)
    {'text': 'call [PHONE_NUMBER] to Anna'}
    """
    plan = redaction_plan(fields, metadata) if plan is None else plan
    if not plan:
        return fields
    out = copy.deepcopy(fields)
    for name, spans in plan.items():
        path = slot_path(name)
        text = _get(out, path)
        for start, end, entity in reversed(spans):
            text = text[:start] + f"[{entity}]" + text[end:]
        parent = _get(out, path[:-1]) if len(path) > 1 else out
        parent[path[-1]] = text
    return out


def moved_offset(spans: list[tuple[int, int, str]], pos: int, *, end: bool) -> int:
    """Where offset ``pos`` of a slot's text is after ``spans`` (its redaction plan) were
    replaced: later offsets move by the length each replacement changed; an offset inside
    a replaced span goes to the replacement's start (``end`` False) or end (``end`` True),
    so a span over a finding then covers its ``[ENTITY]``.

    Examples
    --------
    >>> plan = [(5, 17, "PHONE_NUMBER")]  # 'call 555-123-4567 to Anna' -> 'call [PHONE_NUMBER] ...'
    >>> moved_offset(plan, 21, end=False), moved_offset(plan, 9, end=True)
    (23, 19)
    """
    shift = 0
    for start, stop, entity in spans:
        if pos >= stop:
            shift += len(entity) + 2 - (stop - start)
        elif pos > start:
            return start + shift + (len(entity) + 2 if end else 0)
        else:
            break
    return pos + shift


def moved_spans(spans: list[tuple[int, int, str]], value: Any) -> Any:
    """A span answer (``[{start, end, ...}]``) with its offsets moved into the redacted
    text (:func:`moved_offset`); anything else as it is."""
    if not isinstance(value, list):
        return value
    return [{**v, "start": moved_offset(spans, v["start"], end=False),
             "end": moved_offset(spans, v["end"], end=True)}
            if isinstance(v, dict) and _offset(v.get("start")) and _offset(v.get("end"))
            else v for v in value]


def moved_findings(metadata: Any, plan: Plan) -> Any:
    """``metadata`` with the findings of every redacted slot moved into the redacted text."""
    if not plan:
        return metadata
    pii = {name: moved_spans(plan[name], findings) if name in plan else findings
           for name, findings in metadata[PII_KEY].items()}
    return {**metadata, PII_KEY: pii}


def _offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans sorted by start with every overlapping run made one span, named by its first
    (longest at the same start): replacing overlapping spans one by one would cut into a
    replacement and leave part of a finding in the text."""
    out: list[tuple[int, int, str]] = []
    for start, end, entity in sorted(spans, key=lambda s: (s[0], -s[1])):
        if out and start < out[-1][1]:
            first = out[-1]
            out[-1] = (first[0], max(first[1], end), first[2])
        else:
            out.append((start, end, entity))
    return out


def pii_counts(metadatas: Iterable[Any]) -> dict[str, Any]:
    """Findings over records: ``found``, ``confirmed``, ``dismissed``, ``open``, records with
    any finding and with a confirmed one, and per entity the same four counts.

    Examples
    --------
    >>> pii_counts([{"_pii": {"text": [{"start": 0, "end": 3, "entity": "PERSON",
    ...                                 "review": {"state": "confirmed"}}]}}, {}])["confirmed"]
    1
    """
    totals: Counter[str] = Counter()
    by_entity: dict[str, Counter[str]] = {}
    records = confirmed_records = 0
    for meta in metadatas:
        slots = _slots(meta)
        if not any(slots.values()):
            continue
        records += 1
        any_confirmed = False
        for findings in slots.values():
            for f in findings:
                state = _state(f) or "open"
                entity = str(f.get("entity", "PII"))
                totals["found"] += 1
                totals[state] += 1
                by_entity.setdefault(entity, Counter())["found"] += 1
                by_entity[entity][state] += 1
                any_confirmed |= state == "confirmed"
        confirmed_records += any_confirmed
    keys = ("found", "confirmed", "dismissed", "open")
    return {**{k: totals[k] for k in keys}, "records": records,
            "records_confirmed": confirmed_records,
            "by_entity": {e: {k: c[k] for k in keys} for e, c in sorted(by_entity.items())}}
