"""Dataset settings: fields, questions, guidelines and distribution.

Settings are the documented user format (see docs/settings.md). They load from
YAML or JSON with :func:`load_settings` / :func:`parse_settings`; every problem
is reported with its path, e.g. ``questions[2].labels: needs at least 2 labels``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from accord.errors import InputError, SettingsError
from accord.schema.fields import FIELD_TYPES, AnyField
from accord.schema.questions import AnyQuestion, question_type, question_type_names
from accord.schema.workforce import Assignment, Monitoring, Onboarding
from accord.schema.yaml_lines import YamlDoc, parse_yaml, read_yaml

__all__ = ["ActiveLearning", "Distribution", "Assist", "MetadataProperty", "Settings",
           "parse_settings", "load_settings", "settings_from_columns", "settings_from_text"]


class Distribution(BaseModel):
    """How records are handed out to annotators."""

    model_config = ConfigDict(extra="forbid")

    overlap: int = Field(default=1, ge=1, le=100)
    lease_seconds: int = Field(default=600, ge=1, le=7 * 24 * 3600)
    gold_rate: float = Field(default=0.0, ge=0.0, le=1.0)


class MetadataProperty(BaseModel):
    """A key of the records' metadata that the annotate and review pages show next to the
    fields (``visible: false`` keeps a declared key off the annotate page)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    title: str | None = Field(default=None, max_length=256)
    visible: bool = True


class ActiveLearning(BaseModel):
    """Retrain accord's own model and reorder the records every ``every`` new answers
    (``accord serve`` does it in the background; docs/assist.md)."""

    model_config = ConfigDict(extra="forbid")

    question: str
    every: int = Field(default=20, ge=1)
    strategy: Literal["auto", "typiclust", "random"] = "auto"
    batch: int | None = Field(default=None, ge=1)  # typical records first; default: every
    vector: str = "all-MiniLM-L6-v2"


class Assist(BaseModel):
    """Model assistance: what happens to confident model suggestions (docs/assist.md).

    ``auto_accept`` is ``off`` (suggestions are only shown), ``response``
    (a suggestion at or above its question's threshold becomes a submitted
    response of the model's agent user) or ``prefill`` (it is marked to
    prefill the annotator's form). ``thresholds`` maps question names to the
    minimum confidence (0-1) for that.
    """

    model_config = ConfigDict(extra="forbid")

    auto_accept: Literal["off", "response", "prefill"] = "off"
    thresholds: dict[str, float] = Field(default_factory=dict)
    active_learning: ActiveLearning | None = None

    @field_validator("thresholds")
    @classmethod
    def _unit_interval(cls, value: dict[str, float]) -> dict[str, float]:
        for name, threshold in value.items():
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"threshold of {name!r} must be between 0 and 1, got {threshold}")
        return value


class Settings(BaseModel):
    """Everything that defines a dataset's annotation task."""

    model_config = ConfigDict(extra="forbid")

    guidelines: str = ""
    fields: list[AnyField] = Field(min_length=1)
    questions: list[AnyQuestion] = Field(default_factory=list)
    distribution: Distribution = Field(default_factory=Distribution)
    assist: Assist | None = None
    onboarding: Onboarding | None = None  # guidelines, training, qualification (workforce)
    monitoring: Monitoring | None = None  # attention checks, pause thresholds
    assignment: Assignment | None = None  # quota and attribute-matching rules
    # metadata keys shown to annotators (none by default: metadata stays off the page)
    metadata: list[MetadataProperty] | None = None

    @model_validator(mode="after")
    def _cross_check(self) -> Settings:
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, f in enumerate(self.fields):
            if f.name in seen:
                problems.append((f"fields[{i}].name", f"duplicate field name {f.name!r} "
                                 f"(also fields[{seen[f.name]}])"))
            seen.setdefault(f.name, i)
        by_name = {f.name: f for f in self.fields}
        qseen: dict[str, int] = {}
        for i, q in enumerate(self.questions):
            if q.name in qseen:
                problems.append((f"questions[{i}].name", f"duplicate question name {q.name!r} "
                                 f"(also questions[{qseen[q.name]}])"))
            qseen.setdefault(q.name, i)
            qtype = question_type(q.type)
            for ref in q.referenced_fields():
                if ref not in by_name:
                    problems.append((f"questions[{i}].{qtype.field_key}", f"unknown field "
                                     f"{ref!r}; fields are {sorted(by_name)}"))
                    continue
                ftype = by_name[ref].type
                if qtype.field_types and ftype not in qtype.field_types:
                    problems.append((f"questions[{i}].{qtype.field_key}",
                                     f"{q.type} needs {_field_kinds(qtype.field_types)} "
                                     f"field, {ref!r} is {ftype}"))
        mseen: dict[str, int] = {}
        for i, m in enumerate(self.metadata or ()):
            if m.name in mseen:
                problems.append((f"metadata[{i}].name", f"duplicate metadata name {m.name!r} "
                                 f"(also metadata[{mseen[m.name]}])"))
            mseen.setdefault(m.name, i)
        if self.assist is not None:
            for qname in self.assist.thresholds:
                if qname not in qseen:
                    problems.append((f"assist.thresholds.{qname}", f"unknown question {qname!r}; "
                                     f"questions are {sorted(qseen)}"))
            al = self.assist.active_learning
            if al is not None and al.question not in qseen:
                problems.append(("assist.active_learning.question", f"unknown question "
                                 f"{al.question!r}; questions are {sorted(qseen)}"))
            elif al is not None and self.questions[qseen[al.question]].type != "label":
                problems.append(("assist.active_learning.question", f"{al.question!r} is a "
                                 f"{self.questions[qseen[al.question]].type} question; active "
                                 "learning trains a classifier for label questions"))
        if problems:
            # raised as ValueError so pydantic wraps it; parse_settings unwraps it.
            raise ValueError(_ProblemList(problems))
        return self

    def field(self, name: str) -> Any:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def question(self, name: str) -> Any:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _field_kinds(types: tuple[str, ...]) -> str:
    words = " or ".join(types)
    return ("an " if words[0] in "aeiou" else "a ") + words


class _ProblemList(list):  # type: ignore[type-arg]
    def __str__(self) -> str:
        return "; ".join(f"{p}: {m}" for p, m in self)


def _loc_to_path(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic error location into ``questions[2].labels``.

    The discriminated-union tag (``label``) that pydantic inserts is dropped.
    """
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and item not in node and node.get("type") == item:
            continue  # union tag
        if isinstance(node, dict) and item in ("function-after[_cross_check()]",):
            continue
        parts.append(("." if parts else "") + str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _explain(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        loc = err["loc"]
        allowed = question_type_names() if "questions" in loc else FIELD_TYPES
        return f"unknown type {tag!r}; expected one of {', '.join(allowed)}"
    if kind == "union_tag_not_found":
        return "missing 'type'"
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return f"unknown key (value {err.get('input')!r})"
    if kind == "string_pattern_mismatch":
        return (f"{err.get('input')!r} is not a valid name (letters, digits, _ and -, "
                "starting with a letter or _)")
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg


def parse_settings(data: Any, *, source: str | None = None) -> Settings:
    """Validate a settings mapping.

    Raises
    ------
    SettingsError
        With every problem as ``(path, message)``.

    Examples
    --------
    >>> s = parse_settings({"fields": [{"name": "text", "type": "text"}],
    ...                     "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]})
    >>> s.questions[0].labels
    {'a': 'a', 'b': 'b'}
    """
    if not isinstance(data, dict):
        raise SettingsError([("", f"expected a mapping at the top level, got "
                              f"{type(data).__name__}")], source=source)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for err in exc.errors():
            ctx_error = (err.get("ctx") or {}).get("error")
            if isinstance(ctx_error, ValueError) and ctx_error.args and isinstance(
                    ctx_error.args[0], _ProblemList):
                problems.extend(ctx_error.args[0])
                continue
            path = _loc_to_path(tuple(err["loc"]), data)
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                path += ".type"
            problems.append((path, _explain(err)))
        raise SettingsError(problems, source=source) from None


def load_settings(path: str | Path) -> Settings:
    """Read settings from a YAML or JSON file (JSON is valid YAML)."""
    return _settings_from(lambda: read_yaml(path), str(Path(path)))


def settings_from_text(text: str, *, source: str | None = None) -> Settings:
    """Parse settings given as YAML or JSON text; every problem keeps the line of its
    path in ``text`` (:class:`~accord.errors.SettingsError`'s ``lines``).

    Examples
    --------
    >>> settings_from_text("fields:\\n  - {name: text, type: text}\\nquestions:\\n"
    ...                    "  - {name: y, type: label, labels: [a]}\\n")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    accord.errors.SettingsError: invalid settings: line 4: questions[0].labels: needs at ...
    """
    return _settings_from(lambda: parse_yaml(text, source=source), source)


def _settings_from(read: Callable[[], YamlDoc], source: str | None) -> Settings:
    try:
        doc = read()
    except InputError as exc:
        raise SettingsError([("", exc.message)], source=source,
                            lines={"": exc.line} if exc.line else None) from None
    try:
        return parse_settings(doc.data, source=source)
    except SettingsError as exc:
        located = {path: line for path, _ in exc.problems
                   if (line := doc.line(path)) is not None}
        raise SettingsError(exc.problems, source=source, lines=located) from None


def settings_from_columns(columns: list[str], *,
                          id_columns: tuple[str, ...] = ("id", "external_id"),
                          sample: dict[str, Any] | None = None) -> Settings:
    """Infer settings from a file's columns: one field per column, no questions.

    Lists of ``{role, content}`` dicts become ``chat`` fields, other
    non-string values (numbers, lists, objects) ``json`` fields, the rest ``text``.
    """
    fields = []
    for col in columns:
        if col in id_columns:
            continue
        ftype = "text"
        if sample is not None and col in sample:
            v = sample[col]
            if isinstance(v, list) and v and all(isinstance(m, dict) and "role" in m
                                                 and "content" in m for m in v):
                ftype = "chat"
            elif v is not None and not isinstance(v, str):
                ftype = "json"  # numbers, booleans, lists, objects keep their JSON type
        name = col if _valid_name(col) else None
        if name is None:
            continue
        fields.append({"name": name, "type": ftype, "required": False})
    if not fields:
        raise SettingsError([("fields", f"no usable columns to make fields from: {columns}")])
    return parse_settings({"fields": fields})


def _valid_name(name: str) -> bool:
    import re

    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}", name) is not None
