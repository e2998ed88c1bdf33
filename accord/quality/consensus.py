"""Consensus per record of one question, with its confidence and the record's agreement.

The one consensus computation of accord: the REST aggregate endpoint, the
dashboard, ``accord quality aggregate --dataset``, the export's
``--aggregate``/``--min-agreement``/``--drop-contradictory`` and the dataset
card all call :func:`question_consensus` on the question's counted answers
(:class:`~accord.schema.answers.Answers`, people and models). The
aggregator is fitted once over the whole question (Dawid-Skene and friends
learn annotator quality from every record) and gives one :class:`Decision`
per record:

- label, pairwise (its choice) and ratings aggregated as classes: the
  aggregator's label and confidence; the record's agreement is the share of
  its answers giving that label; contradictory when the top two labels tie;
  pairwise also gets a margin, the mean signed strength toward the winner
  (A = +strength, B = -strength, tie = 0; a missing strength counts 1);
- ratings (``mean``, ``median``, ``trimmed_mean``): the aggregate; the
  record's agreement (and confidence) is the share of ratings within 0.5 of
  it; contradictory when ratings fall on both sides of ``threshold`` (or,
  without one, spread over more than half the scale);
- multi-label, spans and rankings: see :mod:`accord.quality.consensus_structured`;
- boxes and time segments: weighted boxes fusion
  (:func:`accord.quality.region_questions.region_consensus_rows`).

A record's agreement is undefined (None) with fewer than two answers. The
question-level agreement is :func:`accord.quality.question_quality.question_agreement`'s
(people only), not computed here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from accord.errors import InputError
from accord.quality.question_quality import encode, longform
from accord.schema.answers import Answers
from accord.schema.questions import question_type

__all__ = ["Decision", "QuestionConsensus", "consensus_method", "consensus_questions",
           "question_consensus", "questions_consensus"]


class Decision(NamedTuple):
    """The consensus of one record on one question."""

    value: Any
    agreement: float | None
    confidence: float | None
    n: int
    contradictory: bool
    margin: float | None = None
    scores: dict[str, float] | None = None


@dataclass
class QuestionConsensus:
    """Decisions for every answered record of one question, looked up by record id."""

    question: str
    qtype: str
    method: str
    agreement_metric: str | None = None
    agreement: float | None = None
    n_records: int = 0
    n_responses: int = 0
    n_annotators: int = 0
    n_models: int = 0
    _decisions: dict[int, Decision] = field(default_factory=dict, repr=False)

    def get(self, record_id: int) -> Decision | None:
        return self._decisions.get(record_id)

    def items(self) -> Iterable[tuple[int, Decision]]:
        """``(record_id, decision)`` in record order."""
        return sorted(self._decisions.items())

    def __len__(self) -> int:
        return len(self._decisions)

    def summary(self) -> dict[str, Any]:
        return {"question": self.question, "type": self.qtype, "method": self.method,
                "agreement_metric": self.agreement_metric, "agreement": self.agreement,
                "records": self.n_records, "responses": self.n_responses,
                "annotators": self.n_annotators, "model_responses": self.n_models}

    def stored_rows(self) -> list[dict[str, Any]]:
        """Rows for the store's aggregates table (record_id, value, confidence, agreement,
        n_responses); an undefined confidence is stored as 0 and an undefined agreement
        as None; a pairwise decision is stored in the answer's shape, ``{"choice": ...}``."""
        out = []
        for rid, d in self.items():
            conf = d.confidence if d.confidence is not None and math.isfinite(d.confidence) \
                else 0.0
            value = {"choice": d.value} if self.qtype == "pairwise" else d.value
            out.append({"record_id": rid, "value": value, "confidence": float(conf),
                        "agreement": d.agreement, "n_responses": d.n})
        return out


def consensus_method(qtype: str, requested: str | None, *, strict: bool,
                     field_name: str = "method") -> str:
    """The consensus method of a question type: ``requested`` when it applies, else the
    type's default; with ``strict`` a method that does not apply is an error.

    Raises
    ------
    InputError
        The type has no consensus, or (``strict``) ``requested`` does not apply to it.
    """
    kind = question_type(qtype)
    if not kind.consensus_methods or kind.default_consensus is None:
        raise InputError(f"{qtype} questions are not aggregated", field=field_name)
    if requested is None:
        return kind.default_consensus
    if requested in kind.consensus_methods:
        return requested
    if strict:
        raise InputError(f"method {requested!r} does not apply to {qtype} questions; use one "
                         f"of {', '.join(kind.consensus_methods)}", field=field_name)
    return kind.default_consensus


def consensus_questions(questions: Iterable[Any], *, wanted: Iterable[str] | None = None,
                        method: str | None = None, strict: Iterable[str] = (),
                        field_name: str = "method") -> list[Any]:
    """The questions that get a consensus: every one whose type has consensus methods (of
    ``wanted`` when given), plus those named in ``strict``, which must have one and accept
    ``method``.

    Raises
    ------
    InputError
        A question of ``strict`` without consensus, or whose type refuses ``method``.
    """
    strict = set(strict)
    chosen = [q for q in questions
              if (question_type(q.type).consensus_methods or q.name in strict)
              and (wanted is None or q.name in set(wanted))]
    for q in chosen:  # refuse a wrong method before anything is read
        consensus_method(q.type, method, strict=q.name in strict, field_name=field_name)
    return chosen


def questions_consensus(answers: Mapping[str, Answers], questions: Iterable[Any], *,
                        method: str | None = None, strict: Iterable[str] = (),
                        threshold: float | None = None) -> dict[str, QuestionConsensus]:
    """:func:`question_consensus` of every question, from its answers in ``answers``."""
    strict = set(strict)
    return {q.name: question_consensus(answers.get(q.name) or Answers(), q, method=method,
                                       strict=q.name in strict, threshold=threshold)
            for q in questions}


def question_consensus(answers: Answers, question: Any, *, method: str | None = None,
                       strict: bool = False, threshold: float | None = None
                       ) -> QuestionConsensus:
    """The consensus of one question, record by record.

    Parameters
    ----------
    answers : Answers
        The question's counted answers (people and models).
    question : question settings model
        Its ``name`` and ``type`` (``min``/``max`` for ratings).
    method : str, optional
        The consensus method (default: the type's, from the question-type
        registry :func:`accord.schema.questions.question_type`); one that does
        not apply falls back to the default, or raises with ``strict``.
    threshold : float, optional
        Ratings: contradictory when the record's ratings fall on both sides.

    Returns
    -------
    QuestionConsensus
    """
    qc = QuestionConsensus(question.name, question.type,
                           consensus_method(question.type, method, strict=strict))
    if len(answers):
        qc.n_responses = len(answers)
        qc.n_records = len(set(answers.items))
        qc.n_annotators = len(set(answers.annotators))
        qc.n_models = answers.n_models
        _fit(qc, question, answers, threshold)
    return qc


def _fit(qc: QuestionConsensus, q: Any, data: Answers, threshold: float | None) -> None:
    from accord.quality.aggregation import AGGREGATORS
    from accord.quality.question_quality import question_agreement

    if q.type in ("label", "pairwise") or (q.type == "rating" and qc.method in AGGREGATORS):
        _fit_classes(qc, q, data)
    elif q.type == "rating":
        _fit_ratings(qc, q, data, threshold)
    elif q.type in ("bbox", "segment", "cuboid", "video_segment", "video_frame_label",
                    "video_track"):
        _fit_regions(qc, q, data)
    else:
        from accord.quality import consensus_structured

        consensus_structured.fit(qc, q, data)
    summary = question_agreement(data, q.type)
    qc.agreement_metric = summary["metric_name"]
    qc.agreement = summary["value"]


def _fit_regions(qc: QuestionConsensus, q: Any, data: Answers) -> None:
    from accord.quality.region_questions import region_consensus_rows

    for row in region_consensus_rows(q.type, data.triples()):
        n = row["n_responses"]
        qc._decisions[row["record_id"]] = Decision(
            row["value"], row["agreement"] if n >= 2 else None, row["confidence"], n, False)


def _fit_classes(qc: QuestionConsensus, q: Any, data: Answers) -> None:
    import numpy as np

    from accord.quality.aggregation import AGGREGATORS

    signed = None
    if q.type == "pairwise":
        choices = [v.get("choice") if isinstance(v, dict) else v for v in data.values]
        signed = np.array([(1 if c == "a" else -1 if c == "b" else 0)
                           * ((v.get("strength") or 1) if isinstance(v, dict) else 1)
                           for c, v in zip(choices, data.values)], dtype=np.float64)
        data_values = choices
    else:
        data_values = data.values
    labels, codes = encode(data_values)
    lf = longform(data.items, data.annotators, codes, labels)
    model = AGGREGATORS[qc.method]().fit(lf)
    counts = lf.counts()
    n = counts.sum(axis=1)
    chosen = model.codes_
    share = counts[np.arange(len(n)), chosen] / np.maximum(n, 1)
    top2 = -np.sort(-counts, axis=1)[:, :2] if counts.shape[1] > 1 else None
    tied = (top2[:, 0] == top2[:, 1]) if top2 is not None else np.zeros(len(n), dtype=bool)
    margins = None
    if signed is not None:
        margins = np.bincount(lf.item, weights=signed, minlength=lf.n_items) / np.maximum(n, 1)
    for i, rid in enumerate(lf.items.tolist()):
        value = model.labels_[i]
        value = value.item() if hasattr(value, "item") else value
        margin = None
        if margins is not None:
            margin = float(margins[i]) if value == "a" else float(-margins[i]) \
                if value == "b" else 0.0
        qc._decisions[rid] = Decision(value, float(share[i]) if n[i] >= 2 else None,
                                      float(model.confidence_[i]), int(n[i]),
                                      bool(n[i] >= 2 and tied[i]), margin)


def _fit_ratings(qc: QuestionConsensus, q: Any, data: Answers,
                 threshold: float | None) -> None:
    import numpy as np

    from accord.quality.aggregation import RatingAggregator

    labels, codes = encode(data.values)
    lf = longform(data.items, data.annotators, codes, labels)
    model = RatingAggregator(qc.method).fit(lf)
    values = lf.labels[lf.label].astype(np.float64)
    lo = np.full(lf.n_items, np.inf)
    hi = np.full(lf.n_items, -np.inf)
    np.minimum.at(lo, lf.item, values)
    np.maximum.at(hi, lf.item, values)
    if threshold is not None:
        contra = (lo < threshold) & (hi >= threshold)
    else:
        contra = (hi - lo) > (q.max - q.min) / 2
    n = model.counts_
    for i, rid in enumerate(lf.items.tolist()):
        qc._decisions[rid] = Decision(float(model.values_[i]),
                                      float(model.confidence_[i]) if n[i] >= 2 else None,
                                      float(model.confidence_[i]), int(n[i]), bool(contra[i]))
