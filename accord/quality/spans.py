"""Span annotations: character ranges with a label, grouped by item and annotator.

A span is ``{"start": 0, "end": 5, "label": "PER"}`` (character offsets, end
exclusive, as in accord's response values) or a ``(start, end, label)``
tuple. Span data is one row per (item, annotator) whose value is the list of
spans that annotator marked on that item (possibly empty: "nothing to mark").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from accord.errors import InputError

__all__ = ["Span", "as_span", "group_spans"]


class Span(NamedTuple):
    """A labelled character range ``[start, end)``."""

    start: int
    end: int
    label: Any

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


def as_span(value: Any, *, row: int | None = None) -> Span:
    """Read one span from a dict or a ``(start, end, label)`` tuple.

    Raises
    ------
    InputError
        Missing keys, non-integer offsets, or ``end <= start``.

    Examples
    --------
    >>> as_span({"start": 0, "end": 5, "label": "PER"})
    Span(start=0, end=5, label='PER')
    """
    where = f"row {row}: " if row is not None else ""
    try:
        if isinstance(value, Mapping):
            start, end, label = value["start"], value["end"], value.get("label")
        else:
            start, end, label = value
    except (KeyError, TypeError, ValueError):
        raise InputError(
            f"{where}a span must be {{start, end, label}} or (start, end, label); got {value!r}",
            field="spans",
        ) from None
    if isinstance(start, bool) or isinstance(end, bool) or int(start) != start or int(end) != end:
        raise InputError(f"{where}span offsets must be integers; got {value!r}", field="spans")
    if not 0 <= int(start) < int(end):
        raise InputError(f"{where}span needs 0 <= start < end; got {value!r}", field="spans")
    return Span(int(start), int(end), label)


def group_spans(data: Iterable[Any]) -> dict[Any, dict[Any, list[Span]]]:
    """Group span rows as ``{item: {annotator: [Span, ...]}}``.

    Parameters
    ----------
    data : iterable of rows
        ``(item, annotator, spans)`` tuples or dicts with ``item``,
        ``annotator`` and ``spans`` (or ``label``) keys. Rows for the same
        (item, annotator) are concatenated.

    Examples
    --------
    >>> group_spans([("t1", "ann", [(0, 3, "PER")])])
    {'t1': {'ann': [Span(start=0, end=3, label='PER')]}}
    """
    out: dict[Any, dict[Any, list[Span]]] = {}
    for i, row in enumerate(data, start=1):
        if isinstance(row, Mapping):
            missing = [k for k in ("item", "annotator") if k not in row]
            if missing:
                raise InputError(f"row {i}: missing key {missing[0]!r}", field=missing[0])
            item, annotator = row["item"], row["annotator"]
            spans = row.get("spans", row.get("label", []))
        else:
            try:
                item, annotator, spans = row
            except (TypeError, ValueError):
                raise InputError(
                    f"row {i}: expected (item, annotator, spans); got {row!r}"
                ) from None
        spans = spans or []
        parsed = [as_span(s, row=i) for s in spans]
        out.setdefault(item, {}).setdefault(annotator, []).extend(parsed)
    return out
