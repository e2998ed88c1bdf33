"""Versioned prompt templates: what the model is told about a record and a question.

A template is a system and a user text with ``string.Template`` placeholders:
``$guidelines`` (the dataset's), ``$record`` (the record's fields rendered as
text), ``$question`` (title and description) and ``$instructions`` (what to
answer, by question type). Its version is a 6-hex hash of the template, the
rendering code's format number and the number of few-shot examples, so any
change of prompt gives a new agent name ``<model>@p:<version>`` (e.g.
``gpt-4o-mini@p:3f9a1c``) and suggestions of different prompts never mix.
The full template of each run is written to the audit log.
"""

from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.assist.schema_output import answer_object
from accord.errors import InputError
from accord.schema import Settings, candidate_ids
from accord.schema.yaml_lines import read_yaml

__all__ = [
    "PROMPT_FORMAT",
    "TEMPLATES",
    "PromptTemplate",
    "agent_name",
    "instructions",
    "load_template",
    "render_record",
]

PROMPT_FORMAT = 1  # bump when render_record/instructions change what the model sees


@dataclass(frozen=True)
class PromptTemplate:
    """A named system + user prompt pair."""

    name: str
    system: str
    user: str

    def version(self, *, few_shot: int = 0) -> str:
        """6-hex hash of the template, the rendering format and the few-shot count.

        Examples
        --------
        >>> t = PromptTemplate("x", "sys", "user")
        >>> t.version() == PromptTemplate("x", "sys", "user").version() != t.version(few_shot=2)
        True
        """
        text = "\x00".join([str(PROMPT_FORMAT), self.name, self.system, self.user,
                            str(few_shot)])
        return hashlib.sha256(text.encode()).hexdigest()[:6]

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "system": self.system, "user": self.user}

    def messages(self, settings: Settings, question: Any, fields: dict[str, Any], *,
                 examples: list[tuple[dict[str, Any], Any]] = ()) -> list[dict[str, str]]:
        """Chat messages for one record: system, few-shot pairs, then the record."""
        system = string.Template(self.system).safe_substitute(
            guidelines=settings.guidelines.strip() or "(none)")
        out = [{"role": "system", "content": system}]
        for ex_fields, ex_value in examples:
            out.append({"role": "user", "content": self._user(settings, question, ex_fields)})
            answer = ex_value if question.type == "text" and self.name == "draft" else \
                json.dumps(answer_object(question, ex_value, ex_fields), ensure_ascii=False)
            out.append({"role": "assistant", "content": answer})
        out.append({"role": "user", "content": self._user(settings, question, fields)})
        return out

    def _user(self, settings: Settings, question: Any, fields: dict[str, Any]) -> str:
        title = question.display + (f" ({question.description})" if question.description else "")
        return string.Template(self.user).safe_substitute(
            record=render_record(settings, fields), question=title,
            instructions=instructions(question, fields))


_SYSTEM = ("You are a careful data annotator. Follow the guidelines exactly. Answer with one "
           "JSON object that matches the requested schema, and nothing else.\n\n"
           "Guidelines:\n$guidelines")
TEMPLATES: dict[str, PromptTemplate] = {
    "prelabel": PromptTemplate("prelabel", _SYSTEM,
                               "$record\n\n# Question: $question\n$instructions"),
    "judge": PromptTemplate(
        "judge",
        "You are an impartial, strict evaluator. Follow the guidelines exactly. Answer with one "
        "JSON object that matches the requested schema.\n\nGuidelines:\n$guidelines",
        "$record\n\n# Question: $question\n$instructions\nFirst explain your judgement in "
        "`rationale` (two or three sentences), then give your answer."),
    "draft": PromptTemplate(
        "draft",
        "You write high-quality responses for a training data set. Follow the guidelines "
        "exactly.\n\nGuidelines:\n$guidelines",
        "$record\n\n# Task: $question\n$instructions"),
}


def load_template(path: str | Path) -> PromptTemplate:
    """Read a template from YAML/JSON with ``system`` and ``user`` (and optional ``name``)."""
    p = Path(path)
    data = read_yaml(p).data
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str)
                                             for k in ("system", "user")):
        raise InputError("expected a mapping with 'system' and 'user' strings", path=str(p))
    return PromptTemplate(str(data.get("name") or p.stem), data["system"], data["user"])


def agent_name(model: str, version: str) -> str:
    """``gpt-4o-mini@p:3f9a1c``."""
    return f"{model}@p:{version}"


def _render_value(ftype: str, value: Any) -> str:
    if ftype == "chat" and isinstance(value, list):
        return "\n".join(f"{m.get('role', '?')}: {m.get('content', '')}" for m in value
                         if isinstance(m, dict))
    if ftype == "json":
        ids = candidate_ids(value)
        if ids and all(isinstance(c, (dict, str)) for c in value):
            texts = [c.get("text", json.dumps(c, ensure_ascii=False)) if isinstance(c, dict)
                     else c for c in value]
            return "\n".join(f"[{i}] {t}" for i, t in zip(ids, texts))
        return json.dumps(value, ensure_ascii=False, indent=1)
    if ftype in ("image", "audio"):
        text = str(value)
        return f"({ftype}: {text if not text.startswith('data:') else 'inline data'})"
    return str(value)


def render_record(settings: Settings, fields: dict[str, Any]) -> str:
    """The record's fields as markdown sections, in the settings' order."""
    parts = []
    for f in settings.fields:
        if fields.get(f.name) is None:
            continue
        parts.append(f"## {f.display}\n{_render_value(f.type, fields[f.name])}")
    return "\n\n".join(parts)


def _label_list(labels: dict[str, str]) -> str:
    return "\n".join(f"- {v}" + (f": {d}" if d != v else "") for v, d in labels.items())


def instructions(question: Any, fields: dict[str, Any]) -> str:
    """What to answer, by question type."""
    kind = question.type
    if kind == "label":
        return f"Choose exactly one label:\n{_label_list(question.labels)}"
    if kind == "multi_label":
        return f"Choose every label that applies (possibly none):\n{_label_list(question.labels)}"
    if kind == "span":
        return (f"Mark every span of the field \"{question.field}\" that has one of these labels:"
                f"\n{_label_list(question.labels)}\nFor each span give its exact text as it "
                "appears, its label, and its character offsets: start (0-based) and end "
                "(exclusive).")
    if kind == "rating":
        return f"Give an integer rating from {question.min} (lowest) to {question.max} (highest)."
    if kind == "ranking":
        return (f"Order all candidates of \"{question.field}\" from best to worst, by id, each "
                "id exactly once.")
    if kind == "pairwise":
        tie = ", or tie" if question.allow_tie else ""
        return (f"Which is better: a ({question.fields[0]}) or b ({question.fields[1]}){tie}? "
                f"Give the strength of your preference from 1 (slight) to "
                f"{question.max_strength} (strong).")
    if kind == "text":
        target = f" (a better version of \"{question.field}\")" if question.field else ""
        return f"Write the text{target}. Answer with the text only."
    if kind == "flags":
        return (f"List every flag that applies, each with a severity "
                f"({', '.join(question.severities)}):\n{_label_list(question.labels)}")
    raise InputError(f"unsupported question type {kind!r}", field=question.name)
