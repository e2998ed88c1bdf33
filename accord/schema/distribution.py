"""A suggestion's class distribution (``metadata.distribution``): what it may hold.

A model that knows more than its top answer can hand accord its whole
distribution over a question's classes, e.g. ``{"pos": 0.8, "neg": 0.2}``;
active learning (:mod:`accord.assist.active`) reads it for margin and entropy.
The classes are the question's labels (``label``), its scale's values as
strings (``rating``: ``"1"``..``"5"``) or its choices (``pairwise``:
``"a"``, ``"b"``, ``"tie"``). Other types have no fixed classes: their keys are
any answer keys (as :func:`accord.assist.confidence.vote_key` writes them).
Values are non-negative numbers summing to 1 (within 0.01); a missing class
has probability 0.
"""

from __future__ import annotations

import math
from typing import Any

from accord.errors import InputError

__all__ = ["SUM_TOLERANCE", "check_distribution", "distribution_classes", "distribution_row"]

SUM_TOLERANCE = 0.01


def distribution_classes(question: Any) -> list[str] | None:
    """The classes a distribution over ``question`` is keyed by, in the question's order;
    None for types without a fixed set.

    Examples
    --------
    >>> from accord.schema.settings import Settings
    >>> s = Settings.model_validate({"fields": [{"name": "t", "type": "text"}], "questions": [
    ...     {"name": "r", "type": "rating", "min": 1, "max": 3}]})
    >>> distribution_classes(s.question("r"))
    ['1', '2', '3']
    """
    if question.type == "label":
        return list(question.labels)
    if question.type == "rating":
        return [str(v) for v in range(question.min, question.max + 1)]
    if question.type == "pairwise":
        return ["a", "b", "tie"] if question.allow_tie else ["a", "b"]
    return None


def check_distribution(question: Any, dist: Any, where: str = "distribution") -> dict[str, float]:
    """``dist`` as ``{class: probability}``, or an InputError naming ``where`` and the problem.

    Raises
    ------
    InputError
        Not an object, empty, a key that is not one of the question's classes, a value
        that is not a finite non-negative number, or values that do not sum to 1.

    Examples
    --------
    >>> from accord.schema.settings import Settings
    >>> s = Settings.model_validate({"fields": [{"name": "t", "type": "text"}], "questions": [
    ...     {"name": "q", "type": "label", "labels": ["pos", "neg"]}]})
    >>> check_distribution(s.question("q"), {"neg": 0.25, "pos": 0.75})
    {'neg': 0.25, 'pos': 0.75}
    >>> check_distribution(s.question("q"), {"pos": 0.5, "no": 0.5}, "d")
    Traceback (most recent call last):
    ...
    accord.errors.InputError: field 'q': d: unknown class 'no'; expected keys among ['pos', 'neg']
    """
    if not isinstance(dist, dict) or not dist:
        raise InputError(f"{where}: expected an object of class -> probability, e.g. "
                         f'{{"a": 0.7, "b": 0.3}}, got {_short(dist)}', field=question.name)
    classes = distribution_classes(question)
    out: dict[str, float] = {}
    for key, value in dist.items():
        if classes is not None and key not in classes:
            raise InputError(f"{where}: unknown class {key!r}; expected keys among {classes}",
                             field=question.name)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value < 0:
            raise InputError(f"{where}[{key!r}]: expected a probability (a number >= 0), got "
                             f"{_short(value)}", field=question.name)
        out[str(key)] = float(value)
    total = math.fsum(out.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise InputError(f"{where}: probabilities sum to {total:.4g}; expected 1 "
                         f"(within {SUM_TOLERANCE})", field=question.name)
    return out


def distribution_row(question: Any, dist: dict[str, float]) -> list[float]:
    """A checked distribution as a row in the question's class order (missing classes 0);
    for types without fixed classes, the values in key order.

    Examples
    --------
    >>> from accord.schema.settings import Settings
    >>> s = Settings.model_validate({"fields": [{"name": "t", "type": "text"}], "questions": [
    ...     {"name": "q", "type": "label", "labels": ["a", "b", "c"]}]})
    >>> distribution_row(s.question("q"), {"c": 0.3, "a": 0.7})
    [0.7, 0.0, 0.3]
    """
    classes = distribution_classes(question)
    if classes is None:
        return [dist[k] for k in sorted(dist)]
    return [dist.get(c, 0.0) for c in classes]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
