"""The bias and dataset-health report of a dataset (JSON or markdown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from accord.server.checked_route import CheckedRoute
from accord.server.deps import DatasetCtx, ReadSession, dataset_reviewer

router = APIRouter(tags=["quality"], route_class=CheckedRoute)

_FORMATS = {"json": "application/json", "markdown": "text/markdown; charset=utf-8"}


@router.get("/datasets/{name}/report", responses={200: {"content": {
    "application/json": {"schema": {"type": "object"}},
    "text/markdown": {"schema": {"type": "string"}}}}}, response_class=Response)
def report(ctx: Annotated[DatasetCtx, Depends(dataset_reviewer)], session: ReadSession,
           slice_: Annotated[list[str] | None, Query(
               alias="slice", description="Metadata keys to slice by (repeat); default: "
               "guessed from the first 2,000 records.")] = None,
           group_by: Annotated[list[str] | None, Query(
               description="Annotator attributes to compare groups by (repeat); default: "
               "every attribute.")] = None,
           question: Annotated[list[str] | None, Query(
               description="Questions to report (repeat); default: every label, "
               "multi_label and rating question.")] = None,
           format: Annotated[str, Query(pattern="^(json|markdown)$")] = "json",
           min_records: Annotated[int, Query(ge=0, le=1_000_000_000)] = 30,
           min_annotators: Annotated[int, Query(ge=0, le=1_000_000)] = 2,
           majority_share: Annotated[float, Query(ge=0, le=1)] = 0.9,
           minority_share: Annotated[float, Query(ge=0, le=1)] = 0.01,
           significance: Annotated[float, Query(gt=0, le=1)] = 0.01) -> Response:
    """Label distribution overall and per metadata slice with chi-square tests, agreement per
    slice, annotator group differences, coverage gaps, suggestion-vs-human agreement per
    slice and warnings (reviewers and admins). ``format=markdown`` gives the readable
    document ``accord report`` writes."""
    from accord.quality.health import HealthOptions, render_json, render_markdown
    from accord.workflow.report import dataset_report

    options = HealthOptions(min_records=min_records, min_annotators=min_annotators,
                            majority_share=majority_share, minority_share=minority_share,
                            significance=significance)
    out = dataset_report(session, ctx.dataset.name, slices=slice_ or None,
                         group_by=group_by, questions=question or None, options=options)
    if format == "markdown":
        return Response(render_markdown(out).encode(), media_type=_FORMATS["markdown"])
    return Response(render_json(out), media_type=_FORMATS["json"])
