"""Which field is the prompt, which question drives the export, where completions come from.

:func:`resolve_plan` reads the dataset settings and the options and either
settles every role or raises an :class:`~accord.errors.InputError` that
lists the candidates and the option that picks one, e.g.::

    field '--question': 2 questions can make preference pairs: ['order',
    'preference']; pick one with --question

Rules: the question is the only one of the types the format accepts (or
``--question``). Fields a question points at (the two sides of a pairwise
question, a ranking's candidates, a rewritten or span-annotated field) are
not prompts. Among the remaining text, markdown and chat fields, a single one
is the prompt; with several, one named ``prompt``, ``instruction``,
``question``, ``input``, ``query``, ``messages``, ``conversation`` or
``chat`` wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.errors import InputError
from accord.io.exporters.options import ExportOptions
from accord.schema import Settings
from accord.schema.questions import question_type, types_with_role

__all__ = ["KINDS", "ROLE_OF_KIND", "Plan", "question_types_for", "resolve_plan"]

KINDS = ("records", "sft", "preference", "kto", "spans", "images", "audio", "point_clouds",
         "video")
# per-record consensus of their own (coco, audio-segments, kitti, cuboids, mot, coco-video)
_MEDIA_KINDS = ("images", "audio", "point_clouds", "video")

ROLE_OF_KIND: dict[str, str] = {
    "preference": "preference_pair", "kto": "kto_label", "sft": "sft_target", "spans": "spans",
    "images": "regions", "audio": "audio_segments", "point_clouds": "cuboids",
    "video": "video_tracks",
    "records": "records_filter"}
"""The export role (:data:`accord.schema.questions.EXPORT_ROLES`) a question needs per kind."""


def question_types_for(kind: str) -> tuple[str, ...]:
    """Question types that can drive an export of ``kind`` (from the question-type registry)."""
    return types_with_role(ROLE_OF_KIND[kind])


_WHAT = {"preference": "make preference pairs", "kto": "make KTO labels",
         "sft": "give completions", "spans": "give spans", "records": "be aggregated",
         "images": "give image regions", "audio": "give audio segments",
         "point_clouds": "give cuboids", "video": "give video tracks"}
_PROMPT_NAMES = ("prompt", "instruction", "question", "input", "query", "messages",
                 "conversation", "chat")
_COMPLETION_NAMES = ("completion", "response", "output", "answer", "chosen")
_TEXTUAL = ("text", "markdown", "chat")


@dataclass
class Plan:
    """The resolved roles of one export.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    prompt : str or None
        Prompt field name.
    prompt_is_chat : bool
    question : object or None
        The question driving the export (a settings question model).
    completion : str or None
        Completion field (KTO from ratings or labels, SFT without a text
        question).
    chat_only : bool
        SFT where a chat field is the whole example (its last message is
        the assistant's completion).
    consensus : list
        Questions whose consensus the export needs.
    """

    kind: str
    prompt: str | None = None
    prompt_is_chat: bool = False
    question: Any = None
    completion: str | None = None
    chat_only: bool = False
    consensus: list[Any] = field(default_factory=list)

    @property
    def question_name(self) -> str | None:
        return None if self.question is None else self.question.name


def resolve_plan(settings: Settings, kind: str, options: ExportOptions) -> Plan:
    """Settle the roles for an export of ``kind`` (see the module docstring).

    Raises
    ------
    InputError
        Unknown or unsuitable ``--prompt-field``/``--question``/
        ``--completion-field``, or an ambiguous choice, listing candidates.
    """
    fields = {f.name: f for f in settings.fields}
    question = _pick_question(settings, kind, options)
    plan = Plan(kind=kind, question=question)
    used = set(question.referenced_fields()) if question is not None else set()
    if options.completion_field is not None:
        _require_field(fields, options.completion_field, "--completion-field", ("text",
                                                                                "markdown"))
    if kind in ("sft", "preference", "kto"):
        plan.prompt = _pick_prompt(
            fields, used | {options.completion_field} - {None}, options,
            required=kind != "preference" or options.prompt_field is not None)
        plan.prompt_is_chat = plan.prompt is not None and fields[plan.prompt].type == "chat"
    if kind == "sft" and question is None:
        _sft_completion(plan, fields, options)
    if kind == "kto" and question is not None and question.type != "pairwise":
        plan.completion = options.completion_field or _pick_completion(
            fields, {plan.prompt} | used, "--completion-field")
    if question is not None and question_type(question.type).default_consensus is not None \
            and kind not in _MEDIA_KINDS and (
            kind in ("preference", "kto", "spans") or options.aggregate or _filters(options)
            or options.split):
        plan.consensus = [question]
    if kind == "records" and options.aggregate:
        columns = types_with_role("consensus_column")
        plan.consensus = [q for q in settings.questions if q.type in columns]
    return plan


def _filters(options: ExportOptions) -> bool:
    return options.min_agreement is not None or options.drop_contradictory


def _pick_question(settings: Settings, kind: str, options: ExportOptions) -> Any:
    allowed = question_types_for(kind)
    by_name = {q.name: q for q in settings.questions}
    if options.question is not None:
        q = by_name.get(options.question)
        if q is None:
            raise InputError(f"unknown question {options.question!r}; questions are "
                             f"{sorted(by_name)}", field="--question")
        if q.type not in allowed:
            raise InputError(f"question {q.name!r} is a {q.type} question; this format needs "
                             f"one of type {', '.join(allowed)}", field="--question")
        return q
    candidates = [q for q in settings.questions if q.type in allowed]
    needs_one = kind in ("preference", "kto", "spans") or (
        kind == "records" and (_filters(options) and len(candidates) > 1))
    if kind in _MEDIA_KINDS or (kind == "records" and not _filters(options)):
        return None
    if len(candidates) == 1:
        return candidates[0]
    if kind == "kto" and len(candidates) > 1:
        ratings = [q for q in candidates if q.type == "rating"]
        if len(ratings) == 1:
            return ratings[0]
    if not candidates:
        if needs_one:
            raise InputError(f"this format needs a question of type {' or '.join(allowed)}; the "
                             f"dataset's questions are "
                             f"{[f'{q.name} ({q.type})' for q in settings.questions]}",
                             field="--question")
        return None
    names = sorted(q.name for q in candidates)
    raise InputError(f"{len(candidates)} questions can {_WHAT[kind]}: {names}; pick one with "
                     "--question", field="--question")


def _require_field(fields: dict[str, Any], name: str, option: str,
                   types: tuple[str, ...]) -> Any:
    f = fields.get(name)
    if f is None:
        raise InputError(f"unknown field {name!r}; fields are {sorted(fields)}", field=option)
    if f.type not in types:
        raise InputError(f"field {name!r} is a {f.type} field; expected {' or '.join(types)}",
                         field=option)
    return f


def _pick_prompt(fields: dict[str, Any], used: set[str], options: ExportOptions, *,
                 required: bool) -> str | None:
    if options.prompt_field is not None:
        _require_field(fields, options.prompt_field, "--prompt-field", _TEXTUAL)
        return options.prompt_field
    candidates = [n for n, f in fields.items() if f.type in _TEXTUAL and n not in used]
    if len(candidates) == 1:
        return candidates[0]
    named = [n for n in candidates if n.lower() in _PROMPT_NAMES]
    if len(named) == 1:
        return named[0]
    if not candidates:
        if not required:
            return None
        raise InputError(f"no field can be the prompt (text, markdown or chat fields not used by "
                         f"the question); fields are {sorted(fields)}", field="--prompt-field")
    raise InputError(f"cannot tell which field is the prompt; candidates are {candidates}; "
                     "pick one with --prompt-field", field="--prompt-field")


def _pick_completion(fields: dict[str, Any], used: set[str | None], option: str) -> str:
    candidates = [n for n, f in fields.items() if f.type in ("text", "markdown")
                  and n not in used]
    if len(candidates) == 1:
        return candidates[0]
    named = [n for n in candidates if n.lower() in _COMPLETION_NAMES]
    if len(named) == 1:
        return named[0]
    if not candidates:
        raise InputError(f"no field can be the completion (text fields other than the prompt); "
                         f"fields are {sorted(fields)}", field=option)
    raise InputError(f"cannot tell which field is the completion; candidates are {candidates}; "
                     f"pick one with {option}", field=option)


def _sft_completion(plan: Plan, fields: dict[str, Any], options: ExportOptions) -> None:
    """SFT without a text question: a completion field, else a chat prompt is the whole
    example (its last message, the assistant's, is the completion)."""
    if options.completion_field is not None:
        plan.completion = options.completion_field
        return
    if plan.prompt_is_chat:
        plan.chat_only = True
        return
    plan.completion = _pick_completion(fields, {plan.prompt}, "--completion-field")
