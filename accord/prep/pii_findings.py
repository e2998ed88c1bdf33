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

__all__ = ["PII_KEY", "PII_STATES", "find_finding", "has_confirmed", "pii_counts",
           "redact_confirmed", "slot_path"]

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


def redact_confirmed(fields: dict[str, Any], metadata: Any) -> dict[str, Any]:
    """A copy of ``fields`` with every confirmed span replaced by ``[ENTITY]``.

    A slot whose text no longer covers a span (the field was edited after prep) is left
    as it is for that span. Overlapping confirmed spans (findings imported with the
    records' metadata can overlap; prep's never do) are replaced as one span, named by
    the first.

    Examples
    --------
    >>> meta = {"_pii": {"text": [
    ...     {"start": 5, "end": 17, "entity": "PHONE_NUMBER", "review": {"state": "confirmed"}},
    ...     {"start": 21, "end": 25, "entity": "PERSON", "review": {"state": "dismissed"}}]}}
    >>> redact_confirmed({"text": "call 555-123-4567 to Anna"}, meta)
    {'text': 'call [PHONE_NUMBER] to Anna'}
    """
    slots = _slots(metadata)
    if not any(_state(f) == "confirmed" for fs in slots.values() for f in fs):
        return fields
    out = copy.deepcopy(fields)
    for name, findings in slots.items():
        path = slot_path(name)
        text = _get(out, path)
        if not isinstance(text, str) or not path:
            continue
        spans = _merged(sorted(
            (f["start"], f["end"], str(f.get("entity", "PII"))) for f in findings
            if _state(f) == "confirmed" and isinstance(f.get("start"), int)
            and isinstance(f.get("end"), int) and 0 <= f["start"] < f["end"] <= len(text)))
        for start, end, entity in reversed(spans):
            text = text[:start] + f"[{entity}]" + text[end:]
        parent = _get(out, path[:-1]) if len(path) > 1 else out
        parent[path[-1]] = text
    return out


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
