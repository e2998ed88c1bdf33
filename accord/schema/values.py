"""Validate response values against their questions.

A response is a dict ``{question name: value}``; the value shapes are the
documented ones (docs/settings.md, "Response values"). :func:`validate_values`
returns the normalized values or raises :class:`~accord.errors.InputError`
naming the question, the value and what was allowed.
"""

from __future__ import annotations

from typing import Any

from accord.errors import InputError
from accord.schema import media_values
from accord.schema.questions import (
    BboxQuestion,
    FlagsQuestion,
    KeypointsQuestion,
    LabelQuestion,
    MultiLabelQuestion,
    PairwiseQuestion,
    PolygonQuestion,
    RankingQuestion,
    RatingQuestion,
    SegmentQuestion,
    SpanQuestion,
    TextQuestion,
    TranscriptQuestion,
)
from accord.schema.settings import Settings

__all__ = ["validate_values", "validate_value", "candidate_ids"]


def _fail(question: str, message: str) -> InputError:
    return InputError(message, field=question)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def candidate_ids(candidates: Any) -> list[str]:
    """Ids of the candidates in a ranking field.

    A candidate is ``{"id": ..., "text": ...}``; a plain string candidate gets
    its position (``"0"``, ``"1"``, ...) as id.
    """
    if not isinstance(candidates, list):
        return []
    ids = []
    for i, c in enumerate(candidates):
        if isinstance(c, dict) and "id" in c:
            ids.append(str(c["id"]))
        else:
            ids.append(str(i))
    return ids


def validate_value(question: Any, value: Any, fields: dict[str, Any] | None = None) -> Any:
    """Check one value against one question; return it normalized."""
    name = question.name
    fields = fields or {}
    if isinstance(question, LabelQuestion):
        if not isinstance(value, str) or value not in question.labels:
            raise _fail(name, f"{_short(value)} is not a label of this question; "
                        f"expected one of {list(question.labels)}")
        return value
    if isinstance(question, MultiLabelQuestion):
        if not isinstance(value, list):
            raise _fail(name, f"expected a list of labels, got {_short(value)}")
        bad = [v for v in value if not isinstance(v, str) or v not in question.labels]
        if bad:
            raise _fail(name, f"{_short(bad[0])} is not a label of this question; "
                        f"expected any of {list(question.labels)}")
        if len(set(value)) != len(value):
            raise _fail(name, f"labels repeated in {_short(value)}")
        return value
    if isinstance(question, SpanQuestion):
        return _validate_spans(question, value, fields)
    if isinstance(question, RatingQuestion):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise _fail(name, f"expected an integer from {question.min} to {question.max}, "
                            f"got {_short(value)}")
        if not question.min <= value <= question.max:
            raise _fail(name, f"rating {value} is outside the scale {question.min}..{question.max}")
        return value
    if isinstance(question, RankingQuestion):
        return _validate_ranking(question, value, fields)
    if isinstance(question, PairwiseQuestion):
        if not isinstance(value, dict) or "choice" not in value:
            raise _fail(name, f"expected {{\"choice\": \"a\"|\"b\"|\"tie\", \"strength\": 1-"
                        f"{question.max_strength}}}, got {_short(value)}")
        extra = set(value) - {"choice", "strength"}
        if extra:
            raise _fail(name, f"unknown keys {sorted(extra)}; allowed: choice, strength")
        choices = ["a", "b", "tie"] if question.allow_tie else ["a", "b"]
        if value["choice"] not in choices:
            raise _fail(name, f"choice {_short(value['choice'])} is not allowed; expected one of "
                        f"{choices}")
        strength = value.get("strength")
        if strength is not None and (isinstance(strength, bool) or not isinstance(strength, int)
                                     or not 1 <= strength <= question.max_strength):
            raise _fail(name, f"strength must be an integer 1..{question.max_strength}, "
                        f"got {_short(strength)}")
        return value
    if isinstance(question, TextQuestion):
        if not isinstance(value, str):
            raise _fail(name, f"expected text, got {_short(value)}")
        if len(value.strip()) < max(question.min_length, 1 if question.required else 0):
            raise _fail(name, f"text is too short (at least {max(question.min_length, 1)} "
                        "characters)")
        return value
    if isinstance(question, FlagsQuestion):
        if not isinstance(value, list):
            raise _fail(name, f"expected a list of {{label, severity}}, got {_short(value)}")
        seen = set()
        for flag in value:
            if (
                not isinstance(flag, dict)
                or set(flag) - {"label", "severity"}
                or "label" not in flag
            ):
                raise _fail(name, f"expected {{label, severity}}, got {_short(flag)}")
            if flag["label"] not in question.labels:
                raise _fail(name, f"{_short(flag['label'])} is not a flag of this question; "
                            f"expected one of {list(question.labels)}")
            sev = flag.get("severity", question.severities[0])
            if sev not in question.severities:
                raise _fail(name, f"severity {_short(sev)} is not allowed; expected one of "
                            f"{question.severities}")
            if flag["label"] in seen:
                raise _fail(name, f"flag {flag['label']!r} given twice")
            seen.add(flag["label"])
        return [{"label": f["label"], "severity": f.get("severity", question.severities[0])}
                for f in value]
    if isinstance(question, BboxQuestion):
        return media_values.validate_bboxes(question, value)
    if isinstance(question, PolygonQuestion):
        return media_values.validate_polygons(question, value)
    if isinstance(question, KeypointsQuestion):
        return media_values.validate_keypoints(question, value)
    if isinstance(question, SegmentQuestion):
        return media_values.validate_segments(question, value)
    if isinstance(question, TranscriptQuestion):
        return media_values.validate_transcript(question, value)
    raise _fail(name, f"unsupported question type {question.type!r}")  # pragma: no cover


def _validate_spans(question: SpanQuestion, value: Any, fields: dict[str, Any]) -> Any:
    name = question.name
    text = fields.get(question.field)
    if not isinstance(value, list):
        raise _fail(name, f"expected a list of {{start, end, label}}, got {_short(value)}")
    length = len(text) if isinstance(text, str) else None
    out = []
    for span in value:
        if not isinstance(span, dict) or not {"start", "end", "label"} <= set(span):
            raise _fail(name, f"expected {{start, end, label}}, got {_short(span)}")
        start, end, label = span["start"], span["end"], span["label"]
        if any(isinstance(x, bool) or not isinstance(x, int) for x in (start, end)):
            raise _fail(name, f"start and end must be integers, got {_short(span)}")
        if label not in question.labels:
            raise _fail(name, f"{_short(label)} is not a label of this question; expected one of "
                        f"{list(question.labels)}")
        if start < 0 or end <= start:
            raise _fail(name, f"span {start}..{end} is empty or negative")
        if length is not None and end > length:
            raise _fail(name, f"span {start}..{end} is outside the text of field "
                        f"{question.field!r} ({length} characters)")
        out.append({"start": start, "end": end, "label": label})
    if not question.allow_overlap:
        ordered = sorted(out, key=lambda s: (s["start"], s["end"]))
        for a, b in zip(ordered, ordered[1:]):
            if b["start"] < a["end"]:
                raise _fail(name, f"spans {a['start']}..{a['end']} and {b['start']}..{b['end']} "
                            "overlap, and this question does not allow overlap")
    return out


def _validate_ranking(question: RankingQuestion, value: Any, fields: dict[str, Any]) -> Any:
    name = question.name
    if not isinstance(value, list):
        raise _fail(name, f"expected a list of candidate ids best first, got {_short(value)}")
    flat: list[str] = []
    for item in value:
        if isinstance(item, list):
            if not question.allow_ties:
                raise _fail(name, "ties (nested lists) are not allowed by this question")
            if not item:
                raise _fail(name, "an empty tie group")
            flat.extend(str(x) for x in item)
        else:
            flat.append(str(item))
    expected = candidate_ids(fields.get(question.field))
    if expected and sorted(flat) != sorted(expected):
        raise _fail(name, f"ranking {_short(value)} is not a permutation of the candidates "
                    f"{expected}")
    if len(set(flat)) != len(flat):
        raise _fail(name, f"candidates repeated in {_short(value)}")
    return value


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
        raise InputError(f"expected a mapping of question name to value, got {_short(values)}")
    by_name = {q.name: q for q in settings.questions}
    unknown = [k for k in values if k not in by_name]
    if unknown:
        raise _fail(unknown[0], f"unknown question; questions are {sorted(by_name)}")
    out: dict[str, Any] = {}
    for qname, value in values.items():
        if value is None:
            continue
        out[qname] = validate_value(by_name[qname], value, fields)
    if require_complete:
        for q in settings.questions:
            if q.required and q.name not in out:
                raise _fail(q.name, "required question is not answered")
    return out
