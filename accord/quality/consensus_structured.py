"""Consensus of structured answers: multi-label sets, spans and rankings.

- multi-label: :class:`~accord.quality.aggregation.MultiLabel` (label by label
  with the chosen classifier); agreement is the mean, over the labels anyone
  ticked, of the share of responses agreeing with the decision on that label;
  contradictory when some label is ticked by exactly half;
- spans: :class:`~accord.quality.aggregation.SpanVote` (character-level
  majority); agreement is the record's mean pairwise exact-span F1
  (:func:`~accord.quality.agreement.span_agreement`);
- rankings: per record, Bradley-Terry (``bt``, scores are log-strengths),
  ranked pairs (``rp``) or the Borda mean rank (``borda``, scores are minus
  the mean rank) over the annotators' rankings split into pairwise
  comparisons; agreement is Kendall's W (:func:`record_kendall_w`);
  contradictory when one annotator's best is another's worst.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from accord.errors import InputError
from accord.quality.consensus import Decision, QuestionConsensus
from accord.schema.answers import Answers

__all__ = ["fit", "record_kendall_w", "span_f1"]


def fit(qc: QuestionConsensus, q: Any, data: Answers) -> None:
    """Fill ``qc`` from the long-form ``data`` of a multi-label, span or ranking question."""
    if q.type == "multi_label":
        _multi_label(qc, data)
    elif q.type == "span":
        _spans(qc, data)
    elif q.type == "ranking":
        _rankings(qc, data)
    else:  # pragma: no cover - guarded by METHODS
        raise InputError(f"{q.type} questions are not aggregated", field="--aggregate")


def _by_record(data: Any) -> dict[int, list[tuple[int, Any]]]:
    grouped: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for item, user, value in data.triples():
        grouped[item].append((user, value))
    return grouped


def _multi_label(qc: QuestionConsensus, data: Any) -> None:
    from accord.quality.aggregation import AGGREGATORS, MultiLabel

    rows = [(i, u, list(v) if isinstance(v, list) else [v]) for i, u, v in data.triples()]
    model = MultiLabel(method=AGGREGATORS[qc.method]).fit(rows)
    decided = model.predict().as_dict()
    grouped = _by_record(data)
    for rid, answers in grouped.items():
        chosen = set(decided.get(rid, []))
        n = len(answers)
        union = {lab for _, labs in answers for lab in labs}
        shares = []
        contra = False
        for lab in union:
            ticked = sum(lab in labs for _, labs in answers) / n
            shares.append(ticked if lab in chosen else 1 - ticked)
            contra = contra or (n >= 2 and abs(ticked - 0.5) < 1e-9)
        agreement = (sum(shares) / len(shares) if shares else 1.0) if n >= 2 else None
        qc._decisions[rid] = Decision(sorted(chosen, key=str), agreement, agreement, n, contra)


def _spans(qc: QuestionConsensus, data: Any) -> None:
    from accord.quality.aggregation import SpanVote

    rows = list(data.triples())
    consensus = SpanVote().fit(rows).predict()
    by_item = {item: (spans, conf) for item, spans, conf in consensus}
    grouped = _by_record(data)
    for rid, answers in grouped.items():
        spans, conf = by_item.get(rid, ([], []))
        n = len(answers)
        agreement = span_f1([(rid, u, v) for u, v in answers]) if n >= 2 else None
        confidence = sum(conf) / len(conf) if conf else None
        qc._decisions[rid] = Decision([s.as_dict() for s in spans], agreement, confidence, n,
                                      False)


def span_f1(rows: list[tuple[Any, Any, Any]]) -> float | None:
    """Mean pairwise exact-span F1 of ``(record, annotator, spans)`` rows (None when no record
    has two answers)."""
    from accord.quality.agreement import span_agreement

    try:
        value = float(span_agreement(rows, mode="exact").mean)
    except InputError:
        return None
    return None if math.isnan(value) else value


def _rankings(qc: QuestionConsensus, data: Any) -> None:
    from accord.quality.aggregation import BradleyTerry, RankedPairs, comparisons_from_rankings
    from accord.quality.orders import ranks_from_order

    for rid, answers in _by_record(data).items():
        orders = [v for _, v in answers]
        n = len(orders)
        if qc.method == "borda":
            totals: dict[Any, float] = defaultdict(float)
            for order in orders:
                for cand, rank in ranks_from_order(order).items():
                    totals[cand] += rank / n
            scores = {c: -r for c, r in totals.items()}
            order_out = sorted(scores, key=lambda c: (-scores[c], str(c)))
        else:
            model = BradleyTerry() if qc.method == "bt" else RankedPairs()
            result = model.fit_predict(comparisons_from_rankings(orders))
            order_out = list(result.order)
            scores = dict(result.scores)
            if qc.method == "bt":
                scores = {c: math.log(max(p, 1e-300)) for c, p in scores.items()}
        agreement = record_kendall_w(orders)
        qc._decisions[rid] = Decision(order_out, agreement, agreement, n, _reversed(orders),
                                      scores=scores)


def record_kendall_w(orders: list[Any]) -> float | None:
    """Kendall's W of one record's rankings (None with fewer than two, or undefined)."""
    from accord.quality.agreement import kendall_w
    from accord.quality.orders import rank_matrix

    if len(orders) < 2:
        return None
    try:
        w = float(kendall_w(rank_matrix(orders)[1]))
    except InputError:
        return None
    return None if math.isnan(w) else w


def _ends(order: list[Any]) -> tuple[set[Any], set[Any]]:
    def group(entry: Any) -> set[Any]:
        return set(entry) if isinstance(entry, list) else {entry}

    return group(order[0]), group(order[-1])


def _reversed(orders: list[list[Any]]) -> bool:
    """Some annotator's best is another annotator's worst."""
    ends = [_ends(o) for o in orders if len(o) >= 2]
    return any(best & worst for i, (best, _) in enumerate(ends)
               for j, (_, worst) in enumerate(ends) if i != j)
