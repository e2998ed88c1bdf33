"""Span aggregation: a character-level vote turned back into spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.spans import Span, group_spans

__all__ = ["SpanConsensus", "SpanVote"]


@dataclass(frozen=True)
class SpanConsensus:
    """Aggregated spans per item.

    Iterating yields ``(item, spans, confidences)``; ``confidences[k]`` is
    the mean share of the item's annotators covering the characters of
    ``spans[k]`` with its label.
    """

    items: list[Any]
    spans: list[list[Span]]
    confidence: list[list[float]]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return zip(self.items, self.spans, self.confidence)

    def __len__(self) -> int:
        return len(self.items)

    def as_dict(self) -> dict[Any, list[Span]]:
        return dict(zip(self.items, self.spans))


class SpanVote:
    """Character-level vote over span annotations.

    For each item, every character gets one vote per annotator for the
    label(s) of the spans covering it; a character takes the label with
    the most votes if that label's share of the item's annotators exceeds
    ``threshold`` (ties between labels: the smallest label as text).
    Consecutive characters with the same winning label form a span, split
    again where more than ``threshold`` of the annotators start a span of
    that label (so two adjacent entities stay two). Annotators who saw the
    item but marked nothing count as votes for "no span".

    Parameters
    ----------
    threshold : float, default 0.5
        Required share of annotators, strictly exceeded (0.5 = majority).

    Attributes
    ----------
    consensus_ : SpanConsensus

    Examples
    --------
    >>> rows = [("t", "a", [(0, 5, "PER")]), ("t", "b", [(0, 5, "PER")]),
    ...         ("t", "c", [(1, 5, "ORG")])]
    >>> SpanVote().fit_predict(rows).as_dict()
    {'t': [Span(start=0, end=5, label='PER')]}
    """

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 <= threshold < 1.0:
            raise ValueError(
                f"The 'threshold' parameter must be in [0, 1). Got {threshold!r} instead."
            )
        self.threshold = threshold

    def fit(self, data: Any) -> SpanVote:
        grouped = group_spans(data)
        if not grouped:
            raise InputError("no span annotations to aggregate")
        items, spans, confs = [], [], []
        for item, by_annotator in grouped.items():
            s, c = self._vote(by_annotator)
            items.append(item)
            spans.append(s)
            confs.append(c)
        self.consensus_ = SpanConsensus(items, spans, confs)
        return self

    def _vote(self, by_annotator: dict[Any, list[Span]]) -> tuple[list[Span], list[float]]:
        n = len(by_annotator)
        all_spans = [s for spans in by_annotator.values() for s in spans]
        if not all_spans:
            return [], []
        length = max(s.end for s in all_spans)
        labels = sorted({s.label for s in all_spans}, key=str)
        index = {lab: i for i, lab in enumerate(labels)}
        votes = np.zeros((len(labels), length))
        starts = np.zeros((len(labels), length + 1))
        for spans in by_annotator.values():
            cover = np.zeros((len(labels), length + 1))
            begin = np.zeros((len(labels), length + 1), dtype=bool)
            for s in spans:
                cover[index[s.label], s.start] += 1
                cover[index[s.label], s.end] -= 1
                begin[index[s.label], s.start] = True
            votes += np.cumsum(cover, axis=1)[:, :length] > 0
            starts += begin
        share = votes / n
        best = np.argmax(share, axis=0)  # first max = smallest label as text
        keep = share[best, np.arange(length)] > self.threshold
        winner = np.where(keep, best, -1)
        out: list[Span] = []
        conf: list[float] = []
        pos = 0
        while pos < length:
            lab = winner[pos]
            if lab < 0:
                pos += 1
                continue
            end = pos + 1
            while end < length and winner[end] == lab and starts[lab, end] / n <= self.threshold:
                end += 1
            out.append(Span(pos, end, labels[lab]))
            conf.append(float(share[lab, pos:end].mean()))
            pos = end
        return out, conf

    def predict(self) -> SpanConsensus:
        if not hasattr(self, "consensus_"):
            raise RuntimeError("SpanVote is not fitted yet; call fit(data) first")
        return self.consensus_

    def fit_predict(self, data: Any) -> SpanConsensus:
        return self.fit(data).predict()
