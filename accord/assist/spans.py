"""Repairing span offsets that a model got wrong.

Models copy a span's text reliably but count characters badly, so the output
schema asks for each span's ``text`` next to its ``start``/``end``. A span
whose offsets do not cover its text is moved to an occurrence of the text
(exact, else case-insensitive), the one nearest the offsets the model gave;
an occurrence already taken by an earlier span of the same text is used only
when no other is left. A span whose text is not in the field is dropped;
overlapping spans are dropped (the earlier, then longer, span wins) when the
question does not allow overlap. Every change is reported.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["repair_spans"]


def _occurrences(text: str, needle: str) -> list[int]:
    found = [m.start() for m in re.finditer(re.escape(needle), text)]
    if not found:
        found = [m.start() for m in re.finditer(re.escape(needle), text, re.IGNORECASE)]
    return found


def repair_spans(text: str, spans: list[dict[str, Any]], *,
                 allow_overlap: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """Fix offsets by searching for each span's text.

    Parameters
    ----------
    text : str
        The field the spans point into.
    spans : list of dict
        ``{"text", "label", "start", "end"}`` as the model gave them (``text``
        optional: without it the offsets are taken as they are).
    allow_overlap : bool, default False

    Returns
    -------
    spans : list of dict
        ``{"start", "end", "label"}``, sorted by position.
    repairs : list of str
        What was changed, e.g. ``"moved 'Paris' from 3..8 to 10..15"``.

    Examples
    --------
    >>> repair_spans("I met Ann in Paris.", [{"text": "Paris", "label": "LOC", "start": 3,
    ...                                      "end": 8}])
    ([{'start': 13, 'end': 18, 'label': 'LOC'}], ["moved 'Paris' from 3..8 to 13..18"])
    """
    out: list[dict[str, Any]] = []
    repairs: list[str] = []
    used: set[tuple[int, int]] = set()
    for span in spans:
        label = span.get("label")
        start, end = span.get("start"), span.get("end")
        needle = span.get("text")
        valid_offsets = isinstance(start, int) and isinstance(end, int) and \
            0 <= start < end <= len(text)
        if not isinstance(needle, str) or not needle:
            if valid_offsets:
                out.append({"start": start, "end": end, "label": label})
            else:
                repairs.append(f"dropped a span without text at {start}..{end}")
            continue
        if valid_offsets and text[start:end] == needle and (start, end) not in used:
            used.add((start, end))
            out.append({"start": start, "end": end, "label": label})
            continue
        hits = _occurrences(text, needle)
        if not hits:
            repairs.append(f"dropped {needle!r}: not found in the text")
            continue
        anchor = start if isinstance(start, int) else 0
        free = [h for h in hits if (h, h + len(needle)) not in used] or hits
        best = min(free, key=lambda h: (abs(h - anchor), h))
        new = (best, best + len(needle))
        used.add(new)
        repairs.append(f"moved {needle!r} from {start}..{end} to {new[0]}..{new[1]}")
        out.append({"start": new[0], "end": new[1], "label": label})
    out.sort(key=lambda s: (s["start"], -s["end"]))
    if not allow_overlap:
        kept: list[dict[str, Any]] = []
        for span in out:
            if kept and span["start"] < kept[-1]["end"]:
                repairs.append(f"dropped {text[span['start']:span['end']]!r} at "
                               f"{span['start']}..{span['end']}: overlaps an earlier span")
                continue
            kept.append(span)
        out = kept
    else:
        unique = {(s["start"], s["end"], s["label"]): s for s in out}
        out = list(unique.values())
    return out, repairs
