"""Validate response values against their questions.

A response is a dict ``{question name: value}``; the value shapes are the
documented ones (docs/settings.md, "Response values"). :func:`validate_values`
returns the normalized values or raises :class:`~accord.errors.InputError`
naming the question, the value and what was allowed.
"""

from __future__ import annotations

from typing import Any

from accord.errors import InputError
from accord.schema.questions import candidate_ids, question_type
from accord.schema.questions.base import fail, short
from accord.schema.settings import Settings

__all__ = ["validate_values", "validate_value", "candidate_ids"]


def validate_value(question: Any, value: Any, fields: dict[str, Any] | None = None) -> Any:
    """Check one value against one question with its registered type; return it normalized.

    Raises
    ------
    InputError
        With ``field`` set to the question's name, saying what was expected.
    """
    return question_type(question.type).validate(value, question, fields or {})


def validate_values(settings: Settings, values: Any, fields: dict[str, Any] | None = None,
                    *, require_complete: bool = True) -> dict[str, Any]:
    """Validate a response's values.

    Parameters
    ----------
    settings : Settings
        The dataset's settings.
    values : dict
        ``{question name: value}``.
    fields : dict, optional
        The record's fields, used to check span offsets and ranking candidates.
    require_complete : bool, default True
        Whether required questions must be answered (True for a submission,
        False for a draft).

    Returns
    -------
    dict
        The values, normalized (``None`` values dropped).

    Raises
    ------
    InputError
        With ``field`` set to the question's name.

    Examples
    --------
    >>> from accord.schema.settings import parse_settings
    >>> s = parse_settings({"fields": [{"name": "t", "type": "text"}],
    ...     "questions": [{"name": "y", "type": "label", "labels": ["a", "b"], "required": True}]})
    >>> validate_values(s, {"y": "a"})
    {'y': 'a'}
    """
    if not isinstance(values, dict):
        raise InputError(f"expected a mapping of question name to value, got {short(values)}")
    by_name = {q.name: q for q in settings.questions}
    unknown = [k for k in values if k not in by_name]
    if unknown:
        raise fail(unknown[0], f"unknown question; questions are {sorted(by_name)}")
    out: dict[str, Any] = {}
    for qname, value in values.items():
        if value is None:
            continue
        out[qname] = validate_value(by_name[qname], value, fields)
    if require_complete:
        for q in settings.questions:
            if q.required and q.name not in out:
                raise fail(q.name, "required question is not answered")
    return out
