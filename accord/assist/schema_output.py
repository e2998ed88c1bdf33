"""Structured output: a JSON schema per question, and the model's answer back to a value.

Each question type gets a small object schema (strict-mode compatible: every
property required, no additional properties) whose one key holds the value:

==============  ==================================================================
label           ``{"label": enum of labels}``
multi_label     ``{"labels": [enum of labels]}``
span            ``{"spans": [{"text", "label": enum, "start", "end"}]}`` (the text
                is asked for so wrong offsets can be repaired, see
                :mod:`accord.assist.spans`)
rating          ``{"rating": enum of min..max}`` (an integer enum, which every
                server's grammar engine supports, unlike minimum/maximum)
ranking         ``{"ranking": [enum of candidate ids]}`` with min/maxItems = n;
                a non-permutation is repaired (repeats dropped, missing appended)
pairwise        ``{"choice": enum a|b|tie, "strength": enum 1..max}``
text            ``{"text": string}``
flags           ``{"flags": [{"label": enum, "severity": enum}]}``
==============  ==================================================================

With ``rationale=True`` (LLM-as-judge) a ``rationale`` string comes first, so
the model explains before it answers. Every parsed value is finally checked
by :func:`accord.schema.validate_value`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from accord.assist.spans import repair_spans
from accord.errors import InputError
from accord.schema import candidate_ids, validate_value

__all__ = [
    "VALUE_KEYS",
    "ParsedOutput",
    "answer_object",
    "enum_choices",
    "output_schema",
    "parse_output",
    "response_format",
]

VALUE_KEYS = {"label": "label", "multi_label": "labels", "span": "spans", "rating": "rating",
              "ranking": "ranking", "pairwise": "choice", "text": "text", "flags": "flags"}


@dataclass
class ParsedOutput:
    """A model answer turned into a valid response value."""

    value: Any
    rationale: str | None = None
    repairs: list[str] = field(default_factory=list)


def _enum(values: list[Any], kind: str = "string") -> dict[str, Any]:
    return {"type": kind, "enum": values}


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def _pairwise_choices(question: Any) -> list[str]:
    return ["a", "b", "tie"] if question.allow_tie else ["a", "b"]


def output_schema(question: Any, fields: dict[str, Any] | None = None, *,
                  rationale: bool = False) -> dict[str, Any]:
    """The JSON schema of the model's answer to ``question`` about a record.

    Examples
    --------
    >>> from accord.schema.questions import LabelQuestion
    >>> q = LabelQuestion(name="y", type="label", labels=["pos", "neg"])
    >>> output_schema(q)["properties"]
    {'label': {'type': 'string', 'enum': ['pos', 'neg']}}
    """
    fields = fields or {}
    kind = question.type
    if kind == "label":
        value = _enum(list(question.labels))
    elif kind == "multi_label":
        value = {"type": "array", "items": _enum(list(question.labels))}
    elif kind == "span":
        value = {"type": "array", "items": _obj({
            "text": {"type": "string"}, "label": _enum(list(question.labels)),
            "start": {"type": "integer"}, "end": {"type": "integer"}})}
    elif kind == "rating":
        value = _enum(list(range(question.min, question.max + 1)), "integer")
    elif kind == "ranking":
        ids = candidate_ids(fields.get(question.field))
        value = {"type": "array", "items": _enum(ids), "minItems": len(ids),
                 "maxItems": len(ids)}
    elif kind == "pairwise":
        props = {"choice": _enum(_pairwise_choices(question)),
                 "strength": _enum(list(range(1, question.max_strength + 1)), "integer")}
        return _obj({"rationale": {"type": "string"}, **props} if rationale else props)
    elif kind == "text":
        value = {"type": "string"}
    elif kind == "flags":
        value = {"type": "array", "items": _obj({"label": _enum(list(question.labels)),
                                                  "severity": _enum(question.severities)})}
    else:  # pragma: no cover - every question type is handled above
        raise InputError(f"no structured output for question type {kind!r}", field=question.name)
    props = {"rationale": {"type": "string"}} if rationale else {}
    props[VALUE_KEYS[kind]] = value
    return _obj(props)


def response_format(question: Any, fields: dict[str, Any] | None = None, *,
                    rationale: bool = False) -> dict[str, Any]:
    """The ``response_format`` request parameter (``json_schema``, strict)."""
    return {"type": "json_schema",
            "json_schema": {"name": f"answer_{question.type}", "strict": True,
                            "schema": output_schema(question, fields, rationale=rationale)}}


def enum_choices(question: Any) -> list[str] | None:
    """The answer's alternatives as JSON text, for confidence renormalization (or None)."""
    if question.type == "label":
        return list(question.labels)
    if question.type == "rating":
        return [str(v) for v in range(question.min, question.max + 1)]
    if question.type == "pairwise":
        return _pairwise_choices(question)
    return None


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def _load(content: str, name: str) -> dict[str, Any]:
    match = _FENCE.match(content)
    text = match.group(1) if match else content.strip()
    try:
        data = json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        try:
            data = json.loads(text[start:end + 1]) if 0 <= start < end else None
        except ValueError:
            data = None
    if not isinstance(data, dict):
        raise InputError(f"the model's answer is not a JSON object: {content[:120]!r}",
                         field=name)
    return data


def _label_of(question: Any, raw: Any, repairs: list[str]) -> Any:
    if not isinstance(raw, str) or raw in question.labels:
        return raw
    for value, display in question.labels.items():
        if raw.strip().lower() in (value.lower(), display.lower()):
            repairs.append(f"label {raw!r} read as {value!r}")
            return value
    return raw


def parse_output(question: Any, content: str, fields: dict[str, Any] | None = None) -> ParsedOutput:
    """Turn the model's answer text into a response value for ``question``.

    Raises
    ------
    InputError
        The answer is not JSON, lacks the value, or is invalid even after repair
        (``field`` is the question name).

    Examples
    --------
    >>> from accord.schema.questions import RatingQuestion
    >>> q = RatingQuestion(name="r", type="rating", min=1, max=5)
    >>> parse_output(q, '{"rationale": "fine", "rating": 4}').value
    4
    """
    fields = fields or {}
    if question.type == "text" and not content.lstrip().startswith("{"):
        return ParsedOutput(validate_value(question, content.strip(), fields))
    data = _load(content, question.name)
    key = VALUE_KEYS[question.type]
    if key not in data:
        raise InputError(f"the model's answer has no {key!r}: {content[:120]!r}",
                         field=question.name)
    raw, repairs = data[key], []
    rationale = data.get("rationale") if isinstance(data.get("rationale"), str) else None
    kind = question.type
    if kind == "label":
        value = _label_of(question, raw, repairs)
    elif kind == "multi_label":
        value = []
        for item in raw if isinstance(raw, list) else [raw]:
            item = _label_of(question, item, repairs)
            if item in value:
                repairs.append(f"dropped repeated label {item!r}")
            else:
                value.append(item)
    elif kind == "span":
        value, repairs = repair_spans(str(fields.get(question.field) or ""),
                                      [s for s in raw if isinstance(s, dict)]
                                      if isinstance(raw, list) else [],
                                      allow_overlap=question.allow_overlap)
    elif kind == "rating":
        value = int(raw) if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() else raw
    elif kind == "ranking":
        value = _repair_ranking(raw, candidate_ids(fields.get(question.field)), repairs)
    elif kind == "pairwise":
        value = {"choice": str(raw).lower()}
        if data.get("strength") is not None:
            value["strength"] = data["strength"]
    elif kind == "flags":
        value = [{"label": _label_of(question, f.get("label"), repairs),
                  "severity": f.get("severity", question.severities[0])}
                 for f in raw if isinstance(f, dict)] if isinstance(raw, list) else raw
    else:
        value = raw
    return ParsedOutput(validate_value(question, value, fields), rationale, repairs)


def _repair_ranking(raw: Any, ids: list[str], repairs: list[str]) -> Any:
    if not isinstance(raw, list) or not ids:
        return raw
    order: list[str] = []
    for item in raw:
        item = str(item)
        if item in ids and item not in order:
            order.append(item)
    missing = [i for i in ids if i not in order]
    if missing or len(order) != len(raw):
        repairs.append(f"ranking {raw!r} made a permutation (missing appended: {missing})")
    return order + missing


def answer_object(
    question: Any, value: Any, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The answer object a model should give for ``value`` (few-shot examples).

    Examples
    --------
    >>> from accord.schema.questions import SpanQuestion
    >>> q = SpanQuestion(name="e", type="span", field="t", labels=["LOC"])
    >>> answer_object(q, [{"start": 0, "end": 5, "label": "LOC"}], {"t": "Paris is big"})
    {'spans': [{'text': 'Paris', 'label': 'LOC', 'start': 0, 'end': 5}]}
    """
    fields = fields or {}
    kind = question.type
    if kind == "span":
        text = str(fields.get(question.field) or "")
        return {"spans": [{"text": text[s["start"]:s["end"]], "label": s["label"],
                           "start": s["start"], "end": s["end"]} for s in value]}
    if kind == "pairwise":
        return {"choice": value["choice"], "strength": value.get("strength", 1)}
    if kind == "ranking":
        flat: list[str] = []
        for item in value:
            flat.extend(item if isinstance(item, list) else [item])
        return {"ranking": flat}
    return {VALUE_KEYS[kind]: value}
