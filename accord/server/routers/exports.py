"""Exports as streamed downloads: ``GET /api/v1/datasets/{name}/export?format=...``.

The same formats, selection options and splits as ``accord export``
(docs/export.md), for reviewers and admins of the dataset. The body streams
record page by record page (constant memory); ``Content-Disposition`` names
the file. A split export downloads one split at a time (``part=train``). A
client that goes away in the middle ends the export at once: its transaction
and files are closed with the response (:class:`ClosingStream`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from accord.errors import InputError
from accord.io.exporters.download import open_download, with_query_names
from accord.io.exporters.options import options_from_mapping
from accord.server.attachment import attachment
from accord.server.checked_route import CheckedRoute
from accord.server.closing_stream import ClosingStream
from accord.server.deps import DatasetCtx, dataset_reviewer

router = APIRouter(tags=["export"], route_class=CheckedRoute)

_Q = Annotated[str | None, Query()]


@router.get("/datasets/{name}/export", response_class=StreamingResponse,
            responses={200: {"description": "The export file, streamed.",
                             "content": {"application/x-ndjson": {}, "text/csv": {},
                                         "application/json": {}, "text/plain": {},
                                         "application/vnd.apache.parquet": {}}}})
def export_dataset(
    request: Request,
    ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
    format: Annotated[str, Query(description="Export format, as in 'accord export --format'.")]
    = "jsonl",
    to: Annotated[str | None, Query(description="jsonl, csv, json, conll or parquet.")] = None,
    prompt_field: _Q = None, question: _Q = None, completion_field: _Q = None,
    aggregate: _Q = None,
    min_agreement: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_responses: Annotated[int | None, Query(ge=1)] = None,
    status: Annotated[str, Query(pattern="^(submitted|reviewed)$")] = "submitted",
    drop_contradictory: bool = False, exclude_gold: bool = False,
    pairs: Annotated[str, Query(pattern="^(best-worst|all)$")] = "best-worst",
    kto_threshold: float | None = None,
    kto_desirable: Annotated[str | None, Query(description="Comma-separated labels.")] = None,
    texts: Annotated[str, Query(pattern="^(one|all)$")] = "one",
    system_prompt: _Q = None, margin: bool = True,
    split: Annotated[str | None, Query(description="e.g. train=0.9,test=0.1")] = None,
    part: Annotated[str | None, Query(description="The split to download.")] = None,
    seed: int = 42,
    near_dup: Annotated[float | None, Query(gt=0, lt=1)] = None,
    redact_pii: Annotated[bool, Query(description="Replace confirmed PII findings with "
                                      "[ENTITY].")] = False,
    drop_pii: Annotated[bool, Query(description="Leave out records with a confirmed PII "
                                    "finding.")] = False,
    with_vectors: Annotated[bool, Query(description="Whole-record formats: add each "
                                        "record's stored vectors.")] = False,
) -> StreamingResponse:
    """Stream an export of the dataset (reviewers and admins of the dataset)."""
    values = {"format": format, "to": to, "prompt_field": prompt_field, "question": question,
              "completion_field": completion_field, "aggregate": aggregate,
              "min_agreement": min_agreement, "min_responses": min_responses, "status": status,
              "drop_contradictory": drop_contradictory, "exclude_gold": exclude_gold,
              "pairs": pairs, "kto_threshold": kto_threshold, "kto_desirable": kto_desirable,
              "texts": texts, "system_prompt": system_prompt, "margin": margin, "split": split,
              "part": part, "seed": seed, "near_dup": near_dup, "redact_pii": redact_pii,
              "drop_pii": drop_pii, "with_vectors": with_vectors}
    try:
        options = options_from_mapping({k: v for k, v in values.items() if v is not None})
        options.command = f"GET {request.url.path}?{request.url.query}"
        download = open_download(request.app.state.engine, ctx.dataset.name, options)
    except InputError as exc:
        raise with_query_names(exc) from None
    return ClosingStream(download.chunks, media_type=download.media_type,
                         headers=attachment(download.filename))
