"""Confidence of a model's answer: from token log probabilities, or from agreement of samples.

**Log probabilities, renormalized over the allowed answers.** The answer's
JSON value is located in the generated text and the tokens covering it are
found. For an enumerated answer (label, rating, pairwise choice) the
confidence is the probability of the chosen value *among the values the
output schema allows*, walked token by token: at each position where more
than one allowed value is still possible, the candidates are the chosen
token and the ``top_logprobs`` alternatives that continue some allowed value
(an alternative that fits several values is shared equally among them);
tokens that fit no value (whitespace, prose, a code fence) are dropped and
the rest renormalized:

.. math:: q_i = \\frac{p_i(t_i)}{p_i(t_i) + \\sum_{a \\in A_i} p_i(a)},
          \\qquad c = \\prod_i q_i

and each alternative at position *i* gives its values the mass
:math:`\\prod_{j<i} q_j \\, p_i(a) / Z_i`. A position where only one allowed
value is left is forced (:math:`q_i = 1`).

This is what makes the score right under grammar-constrained decoding
(llama.cpp's ``json_object`` + schema, vLLM's guided decoding): those
servers report the log probabilities of the *unconstrained* distribution,
so the tokens the grammar forced can look very unlikely (a chosen first
token at log probability -12 was seen with llama-cpp-python) although the
model had no other choice; conditioning on the allowed continuations
removes that, and two labels splitting the mass 50/50 give 0.5 whatever
else the model would have written. When the chosen token at a branching
position is not among the ``top_n`` alternatives the server listed, the
other values' mass is unknown (each could be as large as the chosen's) and
no score is given, so the caller falls back to self-consistency. For other
answers (lists, spans, rankings) the confidence is the joint probability of
the value's tokens.

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


def _fits(text: str, choice: str) -> bool:
    """Whether generated value text ``text`` can still become ``choice`` (or is it, followed by
    a non-word character such as the closing quote)."""
    if choice.startswith(text):
        return True
    return text.startswith(choice) and not text[len(choice)].isalnum()


def logprob_confidence(tokens: list[TokenLogprob] | None, key: str,
                       choices: list[str] | None = None, *,
                       top_n: int | None = None) -> Confidence | None:
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
    top_n : int, optional
        How many alternatives per position were asked for; when the server
        listed that many others and the chosen token ranks below all of them,
        the distribution is cut off above the chosen value and None is returned.

    Returns
    -------
    Confidence or None
        None when there are no logprobs, the value cannot be located, or the
        share is not identifiable (see the module docstring).

    Examples
    --------
    Under a grammar the quote and the label's second token were forced; the
    unconstrained log probabilities call them unlikely, which must not count:

    >>> import math
    >>> t = [TokenLogprob('{"label": "', -12.0),
    ...      TokenLogprob("pos", math.log(0.2), [("I", math.log(0.7)), ("pos", math.log(0.2)),
    ...                                          ("neg", math.log(0.1))]),
    ...      TokenLogprob("itive", math.log(0.01)), TokenLogprob('"}', -3.0)]
    >>> round(logprob_confidence(t, "label", ["positive", "negative"]).score, 4)
    0.6667
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
    chosen = text[start:end]
    if choices is None or chosen not in choices:
        joint = math.exp(sum(tokens[i].logprob for i in covering))
        return Confidence(min(joint, 1.0), "logprobs")
    mass = {c: 0.0 for c in choices}
    path, generated = 1.0, ""
    for i in covering:
        a, b = offsets[i]
        token = tokens[i]
        prefix = text[a:start] if a < start else ""  # e.g. an opening quote in the token
        piece = text[max(a, start):min(b, end)]
        alive = [c for c in choices if c.startswith(generated)]
        if len(alive) > 1:
            others = [(alt, lp) for alt, lp in token.top if alt != token.token]
            if top_n and len(others) >= top_n and token.logprob < min(lp for _, lp in others):
                return None  # the chosen token is below the listed cut-off: not identifiable
            p_chosen = math.exp(token.logprob)
            shares: list[tuple[list[str], float]] = []
            for alt, lp in others:
                rest = alt[len(prefix):] if alt.startswith(prefix) else ""
                fits = [c for c in alive if rest and _fits(generated + rest, c)]
                if fits:
                    shares.append((fits, math.exp(lp)))
            z = p_chosen + sum(p for _, p in shares)
            for fits, p in shares:
                for c in fits:
                    mass[c] += path * p / z / len(fits)
            path *= p_chosen / z
        generated += piece
    mass[chosen] += path
    total = sum(mass.values())
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
