"""``audio-segments``: JSONL, one line per record with an audio field and answers.

Each line::

    {"external_id": "clip-1", "audio": "clips/1.wav", "field": "clip",
     "segments": {"events": [{"start": 0.5, "end": 2.25, "label": "speech", "score": 1.0}]},
     "transcripts": {"words": {"text": "hello world", "segments": [...]}},
     "annotations": [{"user": "ann1", "segments": {"events": [...]},
                      "transcripts": {"words": {...}}}],
     "metadata": {...}}

``segments`` holds the consensus of each ``segment`` question by weighted
boxes fusion in time (a segment is kept when at least half the annotators
marked it; ``score`` is that share), ``transcripts`` the medoid transcript of
each ``transcript`` question (the answer with the lowest mean word error rate
against the others), ``annotations`` every annotator's own answers
(``--status`` and review fixes apply). Records without a submitted answer to
these questions are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.errors import InputError
from accord.io.exporters.base import Context, ExportFormat
from accord.io.exporters.selection import usable_values
from accord.schema.questions import types_with_role

__all__ = ["FORMAT", "word_error_rate", "medoid_transcript"]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length (1 for an empty reference
    unless both are empty).

    Examples
    --------
    >>> word_error_rate("the cat sat", "the cat sat down")  # one insertion / 3 words
    0.3333333333333333
    """
    ref, hyp = reference.split(), hypothesis.split()
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)


def medoid_transcript(values: list[dict[str, Any]]) -> dict[str, Any]:
    """The transcript with the lowest mean symmetric WER against the others (first on ties).

    Examples
    --------
    >>> medoid_transcript([{"text": "a b c"}, {"text": "a b d"}, {"text": "a b c"}])
    {'text': 'a b c'}
    """
    if len(values) < 3:
        return values[0]

    def cost(i: int) -> float:
        a = values[i]["text"]
        return sum(word_error_rate(a, v["text"]) + word_error_rate(v["text"], a)
                   for j, v in enumerate(values) if j != i)
    return values[min(range(len(values)), key=lambda i: (cost(i), i))]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        settings = ctx.settings
        chosen = [q for q in settings.questions if q.type in types_with_role("audio_segments")]
        if ctx.options.question is not None:
            chosen = [q for q in chosen if q.name == ctx.options.question]
            if not chosen:
                raise InputError(f"question {ctx.options.question!r} is not a segment or "
                                 "transcript question", field="--question")
        if not chosen:
            raise InputError("the audio-segments format needs a segment or transcript question; "
                             "the dataset's questions are "
                             f"{[f'{q.name} ({q.type})' for q in settings.questions]}",
                             field="--question")
        fields = sorted({q.field for q in chosen})
        if len(fields) > 1:
            raise InputError(f"the audio questions annotate different audio fields {fields}; "
                             "pick one question with --question", field="--question")
        self.ctx = ctx
        self.field = fields[0]
        self.questions = chosen

    def rows(self, record: Any, decision: Any) -> Iterable[dict[str, Any]]:
        from accord.quality.region_questions import region_consensus_rows

        status = self.ctx.options.status
        answers = [(r.user, v) for r in record.responses if r.status == "submitted"
                   and (v := usable_values(r.values, r.fix, r.review_state, status)) is not None]
        segments: dict[str, Any] = {}
        transcripts: dict[str, Any] = {}
        per_user: dict[str, dict[str, dict[str, Any]]] = {}
        for q in self.questions:
            given = [(u, v[q.name]) for u, v in answers if v.get(q.name) is not None]
            if not given:
                continue
            kind = "segments" if q.type == "segment" else "transcripts"
            for user, value in given:
                per_user.setdefault(user, {"segments": {}, "transcripts": {}})[kind][q.name] = \
                    value
            if q.type == "segment":
                rows = region_consensus_rows("segment", [(record.id, u, v) for u, v in given])
                segments[q.name] = rows[0]["value"] if rows else []
            else:
                transcripts[q.name] = medoid_transcript([v for _, v in given])
        if not per_user:
            return []
        return [{"external_id": record.external_id, "audio": record.fields.get(self.field),
                 "field": self.field, "segments": segments, "transcripts": transcripts,
                 "annotations": [{"user": u, **a} for u, a in per_user.items()],
                 "metadata": record.metadata or {}}]

    def columns(self) -> list[str]:
        return ["external_id", "audio", "field", "segments", "transcripts", "annotations",
                "metadata"]

    def schema(self) -> Any:
        return None


FORMAT = ExportFormat("audio-segments", "audio", ("jsonl",), _Builder,
                      "JSONL per audio record: consensus segments, transcripts, every annotator's",
                      load={"full": True})
