"""Preference pairs, KTO labels and SFT completions from a record and its consensus.

Pairs (DPO, reward, OpenAI DPO):

- pairwise: the winning side is ``chosen``, the other ``rejected``; a tie
  gives no pair; the margin is the consensus margin (mean signed strength);
- ranking: from the consensus order of the candidates, best against worst
  (``--pairs best-worst``) or every ordered pair (``--pairs all``); the
  margin is the difference of the two candidates' consensus scores.

KTO: a pairwise decision gives the chosen side ``label=True`` and the other
``False``; a rating is desirable at or above ``--kto-threshold``; a label is
desirable when it is one of ``--kto-desirable``.

SFT completions from a text question: with ``--texts one`` a reviewer's
fix, else an accepted answer, else the first submitted answer; with
``--texts all`` every distinct answer.
"""

from __future__ import annotations

from typing import Any

from accord.errors import InputError
from accord.io.exporters.selection import usable_values
from accord.schema import candidate_ids

__all__ = ["check_kto", "kto_examples", "preference_pairs", "text_completions"]


def _candidates(value: Any) -> dict[str, Any]:
    if not isinstance(value, list):
        return {}
    ids = candidate_ids(value)
    return {cid: (c.get("text", c.get("content", c)) if isinstance(c, dict) else c)
            for cid, c in zip(ids, value)}


def _flat(order: list[Any]) -> list[str]:
    out: list[str] = []
    for entry in order:
        out.extend(str(x) for x in entry) if isinstance(entry, list) else out.append(str(entry))
    return out


def preference_pairs(fields: dict[str, Any], question: Any, decision: Any,
                     pairs: str) -> list[tuple[Any, Any, float | None]]:
    """``(chosen, rejected, margin)`` tuples (raw field values) for one record."""
    if decision is None:
        return []
    if question.type == "pairwise":
        if decision.value not in ("a", "b"):
            return []
        a, b = (fields.get(f) for f in question.fields)
        if a is None or b is None:
            return []
        chosen, rejected = (a, b) if decision.value == "a" else (b, a)
        return [(chosen, rejected, decision.margin)]
    texts = _candidates(fields.get(question.field))
    order = [c for c in _flat(decision.value) if c in texts]
    if len(order) < 2:
        return []
    scores = decision.scores or {}
    index_pairs = [(0, len(order) - 1)] if pairs == "best-worst" else \
        [(i, j) for i in range(len(order)) for j in range(i + 1, len(order))]
    out = []
    for i, j in index_pairs:
        hi, lo = order[i], order[j]
        margin = scores[hi] - scores[lo] if hi in scores and lo in scores else None
        out.append((texts[hi], texts[lo], margin))
    return out


def check_kto(question: Any, options: Any) -> None:
    """Fail early when a KTO export cannot tell desirable from undesirable.

    Raises
    ------
    InputError
        A rating question without ``--kto-threshold``, or a label question
        without valid ``--kto-desirable`` labels.
    """
    if question.type == "rating" and options.kto_threshold is None:
        raise InputError(f"KTO from the rating question {question.name!r} needs --kto-threshold "
                         f"(ratings at or above it are desirable; the scale is "
                         f"{question.min}..{question.max})", field="--kto-threshold")
    if question.type == "label":
        bad = [v for v in options.kto_desirable if v not in question.labels]
        if not options.kto_desirable or bad:
            raise InputError(f"KTO from the label question {question.name!r} needs "
                             f"--kto-desirable with labels from {list(question.labels)}"
                             + (f"; unknown: {bad}" if bad else ""), field="--kto-desirable")


def kto_examples(fields: dict[str, Any], question: Any, decision: Any, completion: str | None,
                 options: Any) -> list[tuple[Any, bool]]:
    """``(completion value, desirable)`` pairs for one record."""
    if decision is None:
        return []
    if question.type == "pairwise":
        return [(c, True) for c, _, _ in preference_pairs(fields, question, decision, "all")] + \
               [(r, False) for _, r, _ in preference_pairs(fields, question, decision, "all")]
    value = fields.get(completion) if completion else None
    if value is None:
        return []
    if question.type == "rating":
        return [(value, decision.value >= options.kto_threshold)]
    return [(value, decision.value in options.kto_desirable)]


def text_completions(responses: list[Any], question: str, options: Any) -> list[str]:
    """The SFT completions a text question's responses give (see the module docstring)."""
    plain = options.status == "submitted"
    if plain and options.texts == "one" and all(r.review_state is None for r in responses):
        for resp in responses:  # the common case, no review: the first answer
            text = resp.values.get(question)
            if text.__class__ is str and text.strip():
                return [text]
        return []
    found: list[tuple[int, str]] = []  # (priority, text) in response order
    for resp in responses:
        values = usable_values(resp.values, resp.fix, resp.review_state, options.status)
        if values is None:
            continue
        text = values.get(question)
        if not isinstance(text, str) or not text.strip():
            continue
        fixed = bool(resp.fix) and question in resp.fix
        found.append((0 if fixed else 1 if resp.review_state == "accept" else 2, text))
    if not found:
        return []
    if options.texts == "one":
        return [min(found, key=lambda p: p[0])[1]]
    return list(dict.fromkeys(text for _, text in found))
