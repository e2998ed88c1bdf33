"""Stored record vectors (embeddings): which names a dataset has, and one name's vectors by
record id with keyset paging. For reviewers and admins of the dataset (like record listing)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from accord.errors import NotFound
from accord.server.checked_route import CheckedRoute
from accord.server.deps import DatasetCtx, ReadSession, dataset_reviewer
from accord.store.vectors import vector_names, vectors_page

router = APIRouter(tags=["vectors"], route_class=CheckedRoute)


@router.get("/datasets/{name}/vectors")
def names(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
          session: ReadSession) -> dict[str, Any]:
    """The vector names stored on the dataset's records, with how many records have each
    and its dimension (e.g. ``all-MiniLM-L6-v2`` from ``accord assist embed``)."""
    found = vector_names(session, ctx.dataset.id)
    return {"vectors": [{"name": k, "records": n, "dimension": d}
                        for k, (n, d) in sorted(found.items())]}


@router.get("/datasets/{name}/vectors/{vector:path}")
def page(vector: str, ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)],
         session: ReadSession,
         after: Annotated[int, Query(ge=0, description="cursor: last record id seen")] = 0,
         limit: Annotated[int, Query(ge=1, le=2000)] = 500) -> dict[str, Any]:
    """One vector name's vectors, in record id order: ``{"records": [{"record_id",
    "external_id", "vector"}], "next_cursor"}`` (pass ``next_cursor`` as ``after``)."""
    rows = vectors_page(session, ctx.dataset.id, vector, after=after, limit=limit)
    if not rows and after == 0:
        known = sorted(vector_names(session, ctx.dataset.id))
        raise NotFound(f"no vectors named {vector!r}; the dataset has {known}")
    return {"records": [{"record_id": rid, "external_id": ext, "vector": vec}
                        for rid, ext, vec in rows],
            "next_cursor": rows[-1][0] if len(rows) == limit else None}
