"""CoNLL/BIO token files (or JSONL with ``tokens`` and ``tags``) as span annotations.

Each sentence becomes a record: its tokens joined by single spaces form the
``text`` field, the tags become character spans of a span question
``entities``, stored as a submitted response of the user ``imported:conll``.
``B-X`` starts an entity, ``I-X`` continues one of the same type (after
``O`` or another type it starts a new one), ``O`` is outside. Lines are
``token<TAB>tag`` (the last whitespace-separated column is the tag), a blank
line ends a sentence, ``-DOCSTART-`` lines are skipped. The record's
external id is the 0-based sentence index (or the JSONL ``id``).

``accord export --format conll`` writes the file back byte for byte (see
:mod:`accord.io.exporters.conll`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord, MigratedResponse
from accord.schema import Settings, parse_settings

__all__ = ["USER", "ConllSource", "spans_from_bio"]

USER = "imported:conll"


def spans_from_bio(tokens: list[str], tags: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """The space-joined text and its entity spans.

    Examples
    --------
    >>> spans_from_bio(["Waltengoo", "Nar", "where"], ["B-location", "I-location", "O"])
    ('Waltengoo Nar where', [{'start': 0, 'end': 13, 'label': 'location'}])
    """
    spans: list[dict[str, Any]] = []
    pos = 0
    current: dict[str, Any] | None = None
    for token, tag in zip(tokens, tags):
        start, end = pos, pos + len(token)
        pos = end + 1
        kind, _, label = tag.partition("-")
        if tag == "O" or not label:
            current = None
            continue
        if kind == "I" and current is not None and current["label"] == label:
            current["end"] = end
            continue
        current = {"start": start, "end": end, "label": label}
        spans.append(current)
    return " ".join(tokens), spans


class ConllSource:
    format = "conll"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _sentences(self) -> Iterator[tuple[int, str, list[str], list[str]]]:
        src = str(self.path)
        if self.path.suffix.lower() in (".jsonl", ".ndjson"):
            from accord.io.readers.jsonl import read_jsonl

            for n, (line, row) in enumerate(read_jsonl(self.path)):
                tokens, tags = row.get("tokens"), row.get("tags", row.get("ner_tags"))
                if not isinstance(tokens, list) or not isinstance(tags, list) or \
                        len(tokens) != len(tags):
                    raise InputError("expected lists 'tokens' and 'tags' of the same length",
                                     path=src, line=line)
                yield line, str(row.get("id", n)), [str(t) for t in tokens], [str(t) for t in tags]
            return
        tokens: list[str] = []
        tags: list[str] = []
        start = 1
        n = 0
        with open(self.path, encoding="utf-8") as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.rstrip("\n").rstrip("\r")
                if not line.strip():
                    if tokens:
                        yield start, str(n), tokens, tags
                        n += 1
                    tokens, tags = [], []
                    start = lineno + 1
                    continue
                if line.startswith("-DOCSTART-"):
                    continue
                parts = line.split("\t") if "\t" in line else line.split()
                if len(parts) < 2:
                    raise InputError(f"expected 'token<TAB>tag', got {line[:60]!r}", path=src,
                                     line=lineno)
                tokens.append(parts[0])
                tags.append(parts[-1])
        if tokens:
            yield start, str(n), tokens, tags

    def infer_settings(self) -> Settings:
        labels = sorted({tag.partition("-")[2] for _, _, _, tags in self._sentences()
                         for tag in tags if tag != "O" and "-" in tag})
        if not labels:
            raise InputError("no entity tags (B-X/I-X) in the file", path=str(self.path))
        return parse_settings({
            "fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "entities", "type": "span", "field": "text",
                           "labels": labels, "allow_overlap": False}]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        spans_q = [q for q in settings.questions if q.type == "span"]
        if len(spans_q) != 1:
            raise InputError(f"importing CoNLL needs exactly one span question; the dataset has "
                             f"{[q.name for q in spans_q]}", path=str(self.path),
                             field="questions")
        q = spans_q[0]
        for line, ext, tokens, tags in self._sentences():
            text, spans = spans_from_bio(tokens, tags)
            yield MigratedRecord(line, {"external_id": ext, q.field: text}, {},
                                 [MigratedResponse(USER, {q.name: spans})])
