"""``conll``: BIO tags from a span question, one token per line.

The span question's text field is split on whitespace (``\\S+``, with
character offsets); a token takes the label of the consensus span it
overlaps (``B-`` on the span's first token, ``I-`` after), else ``O``. Each
record is one sentence: ``token<TAB>tag`` lines and a blank line. With
``--to jsonl|parquet|hub|disk`` the same data is written as ``tokens`` and
``tags`` columns (the Hugging Face token-classification layout, tags as
strings).

Importing a CoNLL file joins each sentence's tokens with single spaces, so
``import --format conll`` then ``export --format conll`` gives back the
original file byte for byte when tokens contain no whitespace and the tags
are valid BIO (an ``I-`` after ``O`` or another type starts a new entity,
and comes back as ``B-``).

Example::

    Waltengoo\\tB-location
    Nar\\tI-location
    where\\tO
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from accord.io.exporters.base import Context, ExportFormat

__all__ = ["FORMAT", "bio_tags", "encode_sentence", "tokenize"]

_TOKEN = re.compile(r"\S+")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Whitespace tokens with their ``[start, end)`` character offsets.

    Examples
    --------
    >>> tokenize("New  York rocks")
    [('New', 0, 3), ('York', 5, 9), ('rocks', 10, 15)]
    """
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def bio_tags(tokens: list[tuple[str, int, int]], spans: list[dict[str, Any]]) -> list[str]:
    """BIO tag of each token from character spans (the first span overlapping a token wins).

    Examples
    --------
    >>> bio_tags(tokenize("New York rocks"), [{"start": 0, "end": 8, "label": "LOC"}])
    ['B-LOC', 'I-LOC', 'O']
    """
    ordered = sorted(spans, key=lambda s: (s["start"], s["end"]))
    tags = ["O"] * len(tokens)
    owner: list[int | None] = [None] * len(tokens)
    k = 0
    for i, (_, start, end) in enumerate(tokens):
        while k < len(ordered) and ordered[k]["end"] <= start:
            k += 1
        for j in range(k, len(ordered)):
            span = ordered[j]
            if span["start"] >= end:
                break
            if span["end"] > start:
                owner[i] = j
                break
    for i, j in enumerate(owner):
        if j is not None:
            first = i == 0 or owner[i - 1] != j
            tags[i] = ("B-" if first else "I-") + str(ordered[j]["label"])
    return tags


def encode_sentence(row: dict[str, Any]) -> bytes:
    """One sentence in CoNLL: ``token<TAB>tag`` lines and a blank line."""
    return "".join(f"{t}\t{g}\n" for t, g in zip(row["tokens"], row["tags"])).encode() + b"\n"


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.field = ctx.plan.question.field

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        text = record.fields.get(self.field)
        if decision is None or not isinstance(text, str):
            return []
        tokens = tokenize(text)
        if not tokens:
            return []
        return [{"tokens": [t for t, _, _ in tokens], "tags": bio_tags(tokens, decision.value)}]

    def columns(self) -> list[str]:
        return ["tokens", "tags"]

    def schema(self) -> Any:
        import pyarrow as pa

        return pa.schema([("tokens", pa.list_(pa.string())), ("tags", pa.list_(pa.string()))])


FORMAT = ExportFormat("conll", "spans", ("conll", "jsonl", "parquet", "hub", "disk"), _Builder,
                      "CoNLL BIO tags from a span question (token<TAB>tag)")
