"""PII review: a reviewer confirms or dismisses a PII finding on a record.

Findings are the prep PII step's ``metadata._pii`` (shown with the record);
the state change is :func:`accord.workflow.pii_review.review_pii`, whose role
rule refuses annotators (403 ``role``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from accord.server.checked_route import CheckedRoute
from accord.server.deps import DatasetCtx, WriteSession, dataset_reader
from accord.workflow.pii_review import review_pii

router = APIRouter(tags=["pii"], route_class=CheckedRoute)


class PiiVerdictIn(BaseModel):
    slot: str = Field(min_length=1, max_length=512,
                      description='where the finding is: a field ("text") or a chat '
                      'message\'s content ("chat[2].content")')
    start: int = Field(ge=0)
    end: int = Field(gt=0)
    state: Literal["confirmed", "dismissed"]


@router.put("/datasets/{name}/records/{record_id}/pii")
def put_pii_verdict(record_id: int, body: PiiVerdictIn,
                    ctx: Annotated[DatasetCtx, Depends(dataset_reader)],
                    session: WriteSession) -> dict[str, Any]:
    """Confirm or dismiss the finding of ``slot`` spanning ``[start, end)`` (reviewers and
    admins; audited); returns the record's findings, ``{"pii": {slot: [...]}}``."""
    findings = review_pii(session, ctx.dataset, record_id, ctx.user, slot=body.slot,
                          start=body.start, end=body.end, state=body.state, remote=True)
    return {"pii": findings}
