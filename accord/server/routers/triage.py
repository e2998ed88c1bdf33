"""Feedback triage: turn a filtered selection of records (e.g. chat logs a user gave a 👎)
into a rewrite or review dataset.

``POST /datasets/{name}/triage`` copies every record matching the filters
(``metadata`` values, text search) into the ``target`` dataset, creating it
with settings for the task when it does not exist. For a chat field the
conversation is split at its last assistant turn: the turns before it become
the ``conversation`` field, the assistant's reply the ``reply`` field that the
task asks about. Copies are keyed ``<source dataset>:<external_id>``, so
running the same triage again updates instead of duplicating.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from accord.errors import InputError, NotFound
from accord.io.mapping import RowMapper
from accord.schema import Settings, parse_settings
from accord.server.checked_route import CheckedRoute
from accord.server.deps import DatasetCtx, WriteSession, dataset_admin
from accord.store.audit import record_event
from accord.store.datasets import (
    DATASET_NAME_PATTERN,
    add_member,
    create_dataset,
    get_dataset,
    members,
    settings_of,
)
from accord.store.models import Dataset, Record, utcnow
from accord.store.record_queries import list_records
from accord.store.records import upsert_records

router = APIRouter(tags=["triage"], route_class=CheckedRoute)

_PROBLEMS = {"incorrect": "Factually wrong", "unhelpful": "Unhelpful or off-topic",
             "unsafe": "Unsafe or harmful", "style": "Tone, length or format"}


class TriageIn(BaseModel):
    target: str = Field(min_length=1, max_length=128, pattern=DATASET_NAME_PATTERN)
    task: Literal["rewrite", "review"]
    metadata: dict[str, str] = Field(default_factory=dict,
                                     description="e.g. {\"feedback\": \"down\"}")
    q: str | None = Field(default=None, max_length=500, description="text search")
    field: str | None = Field(default=None, description="the chat or text field holding the "
                              "reply; default: the first chat field, else the first text field")
    copy_members: bool = True
    limit: int = Field(default=10_000, ge=1, le=100_000)


class TriageResult(BaseModel):
    dataset: str
    created: bool
    matched: int
    inserted: int
    updated: int
    skipped: int


def _source_field(settings: Settings, name: str | None) -> Any:
    if name is not None:
        try:
            field = settings.field(name)
        except KeyError:
            raise InputError(f"unknown field {name!r}; fields are "
                             f"{[f.name for f in settings.fields]}", field="field") from None
        if field.type not in ("chat", "text", "markdown"):
            raise InputError(f"field {name!r} is {field.type}; triage needs a chat, text or "
                             "markdown field", field="field")
        return field
    for ftype in ("chat", "text", "markdown"):
        for field in settings.fields:
            if field.type == ftype:
                return field
    raise InputError("the dataset has no chat or text field to triage", field="field")


def _questions(task: str, reply: str) -> list[dict[str, Any]]:
    problems = {"name": "problems", "type": "multi_label", "title": "What is wrong with it?",
                "labels": _PROBLEMS}
    if task == "rewrite":
        return [{"name": "rewrite", "type": "text", "field": reply, "required": True,
                 "title": "Rewrite the reply",
                 "description": "Write the reply the assistant should have given."},
                problems]
    return [{"name": "verdict", "type": "label", "required": True, "title": "Verdict",
             "labels": {"keep": "Acceptable", "rewrite": "Needs a rewrite",
                        "drop": "Drop from training data"}},
            problems,
            {"name": "safety", "type": "flags", "title": "Safety",
             "labels": ["violence", "self_harm", "hate", "sexual", "pii"],
             "severities": ["low", "high"]},
            {"name": "note", "type": "text", "title": "Note for the team"}]


def triage_settings(source: Dataset, settings: Settings, field: Any, body: TriageIn
                    ) -> dict[str, Any]:
    """Settings for the target dataset of a triage."""
    if field.type == "chat":
        fields = [{"name": "conversation", "type": "chat", "required": False,
                   "title": "Conversation before the reply"},
                  {"name": "reply", "type": "text", "title": "Assistant reply"}]
        reply = "reply"
    else:
        fields = [f.model_dump(mode="json", exclude_none=True) for f in settings.fields]
        reply = field.name
    where = ", ".join(f"{k} = {v}" for k, v in body.metadata.items()) or "no metadata filter"
    guidelines = (f"Records from dataset `{source.name}` selected by {where}"
                  f"{f' and text search {body.q!r}' if body.q else ''}.\n\n"
                  + ("Rewrite the assistant's reply so that it is correct, helpful and safe, "
                     "and tick what was wrong with the original."
                     if body.task == "rewrite" else
                     "Decide whether the assistant's reply can stay in the training data, "
                     "and mark what is wrong with it."))
    return {"guidelines": guidelines, "fields": fields,
            "questions": _questions(body.task, reply), "distribution": {"overlap": 1}}


def _split_chat(messages: Any) -> tuple[list[Any], str] | None:
    """The turns before the last assistant turn, and that turn's text (None: no reply)."""
    if not isinstance(messages, list):
        return None
    for i in range(len(messages) - 1, -1, -1):
        msg = messages[i]
        if isinstance(msg, dict) and msg.get("role") == "assistant":
            content = msg.get("content")
            text = content if isinstance(content, str) else json.dumps(content)
            return messages[:i], text
    return None


def _copy(record: Record, source: str, field: Any) -> dict[str, Any] | None:
    if field.type == "chat":
        split = _split_chat(record.fields.get(field.name))
        if split is None:
            return None
        row: dict[str, Any] = {"conversation": split[0], "reply": split[1]}
    else:
        if not isinstance(record.fields.get(field.name), str):
            return None
        row = dict(record.fields)
    row["external_id"] = f"{source}:{record.external_id}"
    return row


@router.post("/datasets/{name}/triage", response_model=TriageResult)
def triage(body: TriageIn, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
           session: WriteSession) -> TriageResult:
    """Copy the records matching ``metadata``/``q`` into a rewrite or review dataset
    (created with task settings when ``target`` does not exist)."""
    if body.target == ctx.dataset.name:
        raise InputError("the target must be another dataset than the source", field="target")
    source = get_dataset(session, ctx.dataset.id)
    field = _source_field(ctx.settings, body.field)
    created = False
    try:
        target = get_dataset(session, body.target)
    except NotFound:
        settings = parse_settings(triage_settings(source, ctx.settings, field, body))
        target = create_dataset(session, body.target, settings, user_id=ctx.user.id)
        created = True
        if body.copy_members:
            for user in members(session, source):
                add_member(session, target, user)
    mapper = RowMapper(settings_of(target), source=f"dataset {source.name!r}")
    rows, matched, skipped, after = [], 0, 0, 0
    while matched < body.limit:
        page = list_records(session, source.id, metadata=body.metadata, text=body.q,
                            after_id=after, limit=min(500, body.limit - matched))
        if not page:
            break
        for rec in page:
            matched += 1
            row = _copy(rec, source.name, field)
            if row is None:
                skipped += 1
                continue
            mapped = mapper.map(matched, row)
            meta = {**(rec.meta or {}), "source_dataset": source.name,
                    "source_external_id": rec.external_id}
            rows.append(mapped._replace(meta=meta))
        after = page[-1].id
    result = upsert_records(session, target.id, rows, stamp=utcnow(),
                            source=f"dataset {source.name!r}") if rows else None
    record_event(session, "dataset.triage", "dataset", target.id, user_id=ctx.user.id,
                 dataset_id=target.id, details={"source": source.name, "task": body.task,
                                                "metadata": body.metadata, "q": body.q,
                                                "records": len(rows)})
    return TriageResult(dataset=target.name, created=created, matched=matched,
                        inserted=result.inserted if result else 0,
                        updated=result.updated if result else 0, skipped=skipped)
