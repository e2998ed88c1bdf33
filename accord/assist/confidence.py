"""Confidence of a model's answer: from token log probabilities, or from agreement of samples.

**Log probabilities.** The answer's JSON value is located in the generated
text and the tokens covering it are found. For an enumerated answer (label,
rating, pairwise choice) the chosen value gets the joint probability of its
tokens, each alternative the probability of a first token (from
``top_logprobs``) that can only begin that alternative, and the confidence
is the chosen share after renormalizing over the alternatives:

.. math:: c = \\frac{p(v)}{p(v) + \\sum_{v' \\ne v} p_1(v')}

so probability mass on tokens that are not answers (whitespace, a quote)
does not count, and two labels splitting the mass 50/50 give 0.5 whatever
else the model considered. Alternatives sharing their first token with the
chosen value cannot be told apart at that position and are left out. For
other answers (lists, spans, rankings) the confidence is the joint
probability of the value's tokens.

**Self-consistency** (Wang et al. 2023): draw *k* answers at a temperature
above 0; the most frequent answer is the suggestion and its share of the
samples the confidence. It needs no logprobs (Ollama, some llama.cpp
builds) at *k* times the cost.

References
----------
.. [1] Wang, X., Wei, J., Schuurmans, D., Le, Q., Chi, E., Narang, S.,
   Chowdhery, A. & Zhou, D. (2023). Self-consistency improves chain of
   thought reasoning in language models. ICLR 2023. https://arxiv.org/abs/2203.11171
.. [2] Guo, C., Pleiss, G., Sun, Y. & Weinberger, K. Q. (2017). On calibration
   of modern neural networks. ICML 2017. https://arxiv.org/abs/1706.04599
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from accord.assist.client import TokenLogprob

__all__ = [
    "Confidence",
    "canonical",
    "locate_value",
    "logprob_confidence",
    "self_consistency",
    "vote_key",
]


@dataclass
class Confidence:
    """A score in [0, 1], the distribution it came from (if any) and how it was measured."""

    score: float
    method: str  # "logprobs" | "self-consistency"
    distribution: dict[str, float] | None = None


def locate_value(text: str, key: str) -> tuple[int, int] | None:
    """Character span of the JSON value of top-level ``key`` in ``text`` (a JSON object).

    Examples
    --------
    >>> t = '{"rationale": "ok", "label": "pos"}'
    >>> s, e = locate_value(t, "label"); t[s:e]
    '"pos"'
    """
    decoder = json.JSONDecoder()
    i = text.find("{")
    if i < 0:
        return None
    i += 1
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n or text[i] == "}":
            return None
        try:
            name, i = decoder.raw_decode(text, i)
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i >= n or text[i] != ":":
                return None
            i += 1
            while i < n and text[i] in " \t\r\n":
                i += 1
            start = i
            _, i = decoder.raw_decode(text, i)
        except ValueError:
            return None
        if name == key:
            return start, i
    return None


def _token_offsets(tokens: list[TokenLogprob]) -> tuple[str, list[tuple[int, int]]]:
    spans, pos = [], 0
    for t in tokens:
        spans.append((pos, pos + len(t.token)))
        pos += len(t.token)
    return "".join(t.token for t in tokens), spans


def logprob_confidence(tokens: list[TokenLogprob] | None, key: str,
                       choices: list[str] | None = None) -> Confidence | None:
    """Confidence of the value of ``key`` from the tokens' log probabilities.

    Parameters
    ----------
    tokens : list of TokenLogprob or None
        The choice's tokens with ``top_logprobs``; None when the server sent none.
    key : str
        Top-level key of the answer object holding the value.
    choices : list of str, optional
        The enumerated alternatives as they appear in JSON without quotes
        (labels, ``"1"``..``"5"``); None for non-enumerated answers.

    Returns
    -------
    Confidence or None
        None when there are no logprobs or the value cannot be located.
    """
    if not tokens:
        return None
    text, offsets = _token_offsets(tokens)
    span = locate_value(text, key)
    if span is None:
        return None
    start, end = span
    if end > start + 1 and text[start] == '"' and text[end - 1] == '"':
        start, end = start + 1, end - 1  # the string's content, without its quotes
    covering = [i for i, (a, b) in enumerate(offsets) if a < end and b > start]
    if not covering:
        return None
    joint = math.exp(sum(tokens[i].logprob for i in covering))
    if choices is None:
        return Confidence(min(joint, 1.0), "logprobs")
    chosen = text[start:end]
    first = covering[0]
    prefix = text[offsets[first][0]:start]  # e.g. the opening quote merged into the token
    mass = {c: 0.0 for c in choices}
    if chosen in mass:
        mass[chosen] = joint
    for alt, lp in tokens[first].top:
        if alt == tokens[first].token or not alt.startswith(prefix):
            continue
        rest = alt[len(prefix):]
        if not rest:
            continue
        if chosen.startswith(rest) or rest.startswith(chosen):
            continue  # cannot tell this token from the chosen value's own start
        hits = [c for c in choices if c != chosen and (c.startswith(rest) or (
            rest.startswith(c) and not rest[len(c)].isalnum()))]
        if len(hits) == 1:
            mass[hits[0]] += math.exp(lp)
    total = sum(mass.values())
    if total <= 0 or chosen not in mass:
        return Confidence(min(joint, 1.0), "logprobs")
    return Confidence(mass[chosen] / total, "logprobs", {c: m / total for c, m in mass.items()})


def canonical(value: Any) -> str:
    """A key under which equal answers compare equal (order of labels/spans ignored).

    Examples
    --------
    >>> canonical(["b", "a"]) == canonical(["a", "b"])
    True
    """
    if isinstance(value, list) and all(not isinstance(v, list) for v in value):
        try:
            return json.dumps(sorted(value, key=lambda v: json.dumps(v, sort_keys=True)),
                              sort_keys=True)
        except TypeError:
            pass
    return json.dumps(value, sort_keys=True)


def vote_key(kind: str, value: Any) -> str:
    """What samples must share to agree: the label, the rating, the pairwise choice (not
    its strength), the exact order of a ranking, else the set of labels/spans.

    Examples
    --------
    >>> vote_key("pairwise", {"choice": "a", "strength": 2}), vote_key("rating", 4)
    ('a', '4')
    """
    if kind == "label" and isinstance(value, str):
        return value
    if kind == "rating":
        return str(value)
    if kind == "pairwise" and isinstance(value, dict):
        return str(value.get("choice"))
    if kind == "ranking":
        return json.dumps(value)
    return canonical(value)


def self_consistency(values: list[Any], kind: str = "label") -> tuple[Any, Confidence]:
    """The most frequent answer and the share of samples that gave it.

    Parameters
    ----------
    values : list
        One parsed answer per sample (at least one).
    kind : str, default "label"
        The question type, which says when two answers agree (:func:`vote_key`).

    Returns
    -------
    value, Confidence
        Ties go to the answer seen first; the distribution is keyed by :func:`vote_key`.

    Examples
    --------
    >>> value, conf = self_consistency(["pos", "neg", "pos", "pos"])
    >>> value, conf.score, conf.distribution
    ('pos', 0.75, {'pos': 0.75, 'neg': 0.25})
    """
    if not values:
        raise ValueError("self_consistency needs at least one sample")
    keys = [vote_key(kind, v) for v in values]
    counts = Counter(keys)
    best = max(counts, key=lambda k: (counts[k], -keys.index(k)))
    n = len(values)
    return values[keys.index(best)], Confidence(counts[best] / n, "self-consistency",
                                                {k: c / n for k, c in counts.items()})
