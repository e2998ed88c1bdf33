"""Records: upload/import, keyset-paginated listing with filters, one record, suggestions, gold."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from sqlalchemy.orm import Session

from accord.errors import InputError, NotFound
from accord.io.importer import ImportOptions, import_file, import_rows
from accord.schema import validate_value
from accord.schema.distribution import check_distribution
from accord.schema.suggestion_score import check_score
from accord.server.checked_route import CheckedRoute
from accord.server.deps import (
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_admin,
    dataset_reader,
    dataset_reviewer,
)
from accord.server.limits import limits_from_env
from accord.server.schemas import (
    GoldIn,
    ImportResult,
    RecordPage,
    RecordPublic,
    RecordsUpload,
    SuggestionsPut,
)
from accord.server.views import record_public
from accord.store.assist_queries import SuggestionItem
from accord.store.assist_queries import put_suggestions as write_suggestions
from accord.store.audit import record_event
from accord.store.models import Record, utcnow
from accord.store.record_queries import RangeFilter, list_records
from accord.store.records import get_record_by_external_id
from accord.store.users import get_user
from accord.workflow.gold import mark_gold
from accord.workflow.policy import require_record_access

router = APIRouter(tags=["records"], route_class=CheckedRoute)


def _result(summary) -> ImportResult:  # type: ignore[no-untyped-def]
    return ImportResult(inserted=summary.inserted, updated=summary.updated,
                        rejected=summary.rejected,
                        rejects=[{"line": line, "reason": reason}
                                 for line, reason in summary.rejects[:1000]],
                        seconds=summary.seconds)


@router.post("/datasets/{name}/records", response_model=ImportResult)
def upload_records(body: RecordsUpload, request: Request,
                   ctx: Annotated[DatasetCtx, Depends(dataset_admin)]) -> ImportResult:
    """Upsert records given as JSON objects (same mapping rules as ``accord import``)."""
    options = ImportOptions(mapping=body.mapping, on_error=body.on_error)
    summary = import_rows(request.app.state.engine, ctx.dataset.name,
                          enumerate(body.records, 1), options, source="request body")
    return _result(summary)


@router.post("/datasets/{name}/records/upload", response_model=ImportResult)
def upload_file(request: Request, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                file: Annotated[UploadFile, File(description="JSONL, JSON, CSV or Parquet")],
                on_error: Annotated[str, Query(pattern="^(fail|skip)$")] = "fail",
                prep: Annotated[bool, Query(description="run the prep pipeline first")] = False,
                prep_options: Annotated[str | None, Form(
                    description="JSON object of prep options (docs/prep.md)")] = None
                ) -> ImportResult:
    """Import an uploaded file (at most 512 MiB, ``accord serve --max-upload-mb``); the file
    name's suffix gives the format.

    With ``prep`` (or ``prep_options``) the file goes through the prep pipeline
    first (text repair and exact dedupe by default; PII, filters, near-dedupe
    as configured); dropped records come back in ``rejects`` with their step."""
    prep_config = None
    if prep or prep_options:
        import orjson

        from accord.io.prep_import import load_prep_config

        try:
            raw = orjson.loads(prep_options) if prep_options else None
        except orjson.JSONDecodeError as exc:
            raise InputError(f"prep_options is not valid JSON: {exc}", field="prep_options") \
                from None
        prep_config = load_prep_config(raw)
    suffix = Path(file.filename or "upload.jsonl").suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet"):
        raise InputError(f"unsupported file type {suffix!r}; upload .jsonl, .json, .csv or "
                         ".parquet", field="file")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"upload{suffix}"
        size, max_bytes = 0, limits_from_env().upload_bytes
        with open(target, "wb") as fh:
            while chunk := file.file.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"upload larger than {max_bytes / 2**20:g} MiB; use "
                                     "the CLI for big files", field="file")
                fh.write(chunk)
        summary = import_file(request.app.state.engine, ctx.dataset.name, target,
                              ImportOptions(on_error=on_error, prep=prep_config),
                              name=Path(file.filename or f"upload{suffix}").name)
    return _result(summary)


@router.get("/datasets/{name}/records", response_model=RecordPage)
def records(request: Request, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
            session: ReadSession,
            status: Annotated[str | None, Query(pattern="^(pending|completed)$")] = None,
            q: Annotated[str | None, Query(max_length=500, description=(
                "text search: every word of q in the record's text fields (whole words, "
                "case-insensitive)"))] = None,
            gold: bool | None = None,
            after: Annotated[int, Query(ge=0, description="cursor: last id seen")] = 0,
            limit: Annotated[int, Query(ge=1, le=500)] = 50,
            annotator: Annotated[str | None, Query(
                max_length=128, description="records with a submitted response of this user")
            ] = None,
            min_agreement: Annotated[float | None, Query(ge=-1, le=1)] = None,
            max_agreement: Annotated[float | None, Query(ge=-1, le=1)] = None,
            agreement_question: str | None = None,
            min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
            max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
            score_question: str | None = None,
            sort: Annotated[Literal["id", "-id"], Query(
                description="id: oldest first (cursor after=); -id: newest first (cursor "
                "before=)")] = "id",
            before: Annotated[int | None, Query(ge=1, description="cursor for sort=-id")] = None,
            ) -> RecordPage:
    """List records by id (keyset pagination). Filters: ``status``, ``q`` (text),
    ``metadata.KEY=VALUE`` and ``response.QUESTION=VALUE`` query parameters,
    ``annotator``, the stored per-record agreement of the consensus
    (``min_agreement``/``max_agreement``, of ``agreement_question`` or any) and
    suggestion scores (``min_score``/``max_score``, of ``score_question`` or any)."""
    meta = {k[len("metadata."):]: v for k, v in request.query_params.items()
            if k.startswith("metadata.")}
    resp = {k[len("response."):]: v for k, v in request.query_params.items()
            if k.startswith("response.")}
    names = {qq.name for qq in ctx.settings.questions}
    unknown = [k for k in resp if k not in names]
    if unknown:
        raise InputError(f"unknown question {unknown[0]!r} in response filter", field="response")
    for field, question in (("agreement_question", agreement_question),
                            ("score_question", score_question)):
        if question is not None and question not in names:
            raise InputError(f"unknown question {question!r}; questions are {sorted(names)}",
                             field=field)
    annotator_id = get_user(session, annotator).id if annotator else None
    rows = list_records(session, ctx.dataset.id, status=status, metadata=meta,
                        response_values=resp, text=q, gold=gold, after_id=after, limit=limit,
                        annotator_id=annotator_id,
                        agreement=RangeFilter(min_agreement, max_agreement, agreement_question),
                        score=RangeFilter(min_score, max_score, score_question),
                        descending=sort == "-id", before_id=before)
    out = [record_public(session, r, settings=ctx.settings, viewer=ctx.user,
                         all_responses=True) for r in rows]
    return RecordPage(records=out, next_cursor=rows[-1].id if len(rows) == limit else None)


def _record(session: Session, ctx: DatasetCtx, record_id: int) -> Record:
    rec = session.get(Record, record_id)
    if rec is None or rec.dataset_id != ctx.dataset.id:
        raise NotFound(f"record {record_id} does not exist in dataset {ctx.dataset.name!r}")
    return rec


@router.get("/datasets/{name}/records/{record_id}", response_model=RecordPublic)
def record(record_id: int, ctx: Annotated[DatasetCtx, Depends(dataset_reader)],
           session: ReadSession) -> RecordPublic:
    """One record. Annotators may open only records they hold or answered, and see only
    their own response."""
    rec = _record(session, ctx, record_id)
    require_record_access(session, ctx.dataset, ctx.settings, ctx.user, rec, "read")
    return record_public(session, rec, settings=ctx.settings, viewer=ctx.user,
                         all_responses=ctx.can_review)


@router.put("/datasets/{name}/suggestions")
def put_suggestions(body: SuggestionsPut, ctx: Annotated[DatasetCtx, Depends(dataset_admin)],
                    session: WriteSession) -> dict[str, int]:
    """Add or replace one agent's suggestions (by record id or external_id)."""
    questions = {q.name: q for q in ctx.settings.questions}
    items = []
    for i, s in enumerate(body.suggestions):
        if s.question not in questions:
            raise InputError(f"suggestions[{i}]: unknown question {s.question!r}; questions are "
                             f"{sorted(questions)}", field="question")
        if s.record_id is not None:
            rec = session.get(Record, s.record_id)
        elif s.external_id is not None:
            rec = get_record_by_external_id(session, ctx.dataset.id, s.external_id)
        else:
            raise InputError(f"suggestions[{i}]: give record_id or external_id", field="record")
        if rec is None or rec.dataset_id != ctx.dataset.id:
            raise NotFound(f"suggestions[{i}]: record {s.record_id or s.external_id!r} not found")
        try:
            value = validate_value(questions[s.question], s.value, rec.fields)
        except InputError as exc:
            raise InputError(f"suggestions[{i}]: {exc.message}", field=s.question) from None
        meta = s.metadata
        if meta is not None and "distribution" in meta:
            meta = {**meta, "distribution": check_distribution(
                questions[s.question], meta["distribution"],
                f"suggestions[{i}].metadata.distribution")}
        score = check_score(s.score, f"suggestions[{i}].score", field=s.question)
        items.append(SuggestionItem(rec.id, s.question, value, score, meta))
    n = write_suggestions(session, body.agent, items, utcnow())
    record_event(session, "suggestions.put", "dataset", ctx.dataset.id, user_id=ctx.user.id,
                 dataset_id=ctx.dataset.id, details={"agent": body.agent, "count": n})
    return {"suggestions": n}


@router.put("/datasets/{name}/records/{record_id}/gold", status_code=204)
def put_gold(record_id: int, body: GoldIn, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
             session: WriteSession) -> None:
    """Make a record gold with known answers (scored silently when annotators answer it)."""
    rec = _record(session, ctx, record_id)
    mark_gold(session, ctx.settings, rec, body.values, explanation=body.explanation,
              attention=body.attention)
    record_event(session, "gold.set", "record", rec.id, user_id=ctx.user.id,
                 dataset_id=ctx.dataset.id)


@router.delete("/datasets/{name}/records/{record_id}/gold", status_code=204)
def delete_gold(record_id: int, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
                session: WriteSession) -> None:
    rec = _record(session, ctx, record_id)
    mark_gold(session, ctx.settings, rec, None)
    record_event(session, "gold.unset", "record", rec.id, user_id=ctx.user.id,
                 dataset_id=ctx.dataset.id)
