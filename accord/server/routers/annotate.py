"""The annotator loop: next record, save a draft, submit, discard."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ValidationError

from accord.errors import NotFound
from accord.server.checked_route import CheckedRoute, check_request
from accord.server.deps import (
    AnnotatorWork,
    DatasetCtx,
    ReadSession,
    WriteSession,
    dataset_annotator,
    run_annotator_work,
)
from accord.server.loop_route import LoopRoute
from accord.server.schemas import RecordPublic, ResponseIn, ResponsePublic
from accord.server.views import record_public, response_public
from accord.store.datasets import get_dataset
from accord.store.models import Record, User
from accord.store.responses import get_response
from accord.workflow import release_record, save_record_response
from accord.workflow.workforce import after_submit, hand_out

router = APIRouter(tags=["annotate"], route_class=CheckedRoute)


def _json(model: BaseModel) -> Response:
    """The body FastAPI sends for a ``response_model`` (pydantic's serializer, by alias,
    as ``application/json``), without validating again the model the route just built:
    the loop's two routes answer most requests, and that second validation and
    FastAPI's serialization step were about 3 % of a next + submit cycle's CPU. The
    routes keep ``response_model`` for the OpenAPI schema."""
    return Response(model.__pydantic_serializer__.to_json(model, by_alias=True),
                    media_type="application/json")


@router.post("/datasets/{name}/next", response_model=RecordPublic,
             responses={204: {"description": "nothing left for this annotator"}})
async def next_(name: str, request: Request) -> Response:
    """Lease the next record to the caller (204 when nothing is left for them)."""

    def work(w: AnnotatorWork) -> Response:
        user = w.ctx.user
        out = hand_out(w.session, w.ctx.dataset, w.ctx.settings, user)
        rec = out.record
        if rec is None:  # X-Accord-Reason says why (accord/workflow/workforce.py)
            return Response(status_code=204, headers=out.headers())
        return _json(record_public(w.session, rec, settings=w.ctx.settings, viewer=user,
                                   all_responses=False))

    return await run_annotator_work(request, name, work)


@router.put("/datasets/{name}/records/{record_id}/response", response_model=ResponsePublic)
async def put_response(name: str, record_id: int, body: ResponseIn,
                       request: Request) -> Response:
    """Save the caller's response: ``draft``, ``submitted`` or ``discarded``.

    Send the ``version`` you last saw; a stale one gets 409 and nothing changes.
    Invalid values get 422 naming the question and the value.
    """

    def work(w: AnnotatorWork) -> Response:
        ctx, session = w.ctx, w.session
        user = ctx.user
        # the record, read with the caller's response and lease (404 when the dataset has
        # no such record); the write policy runs inside (accord.workflow.policy)
        rec, resp = save_record_response(session, ctx.dataset, ctx.settings, record_id, user,
                                         body.values, status=body.status,
                                         version=body.version, time_spent=body.time_spent,
                                         remote=True)
        out = response_public(resp, user.name)
        counted = resp.time_spent_counted  # type: ignore[attr-defined]
        if counted < body.time_spent:
            out.time_spent_capped = counted
        out.feedback = after_submit(session, ctx.dataset, ctx.settings, rec, user, resp)
        return _json(out)

    return await run_annotator_work(request, name, work)


@router.get("/datasets/{name}/records/{record_id}/response", response_model=ResponsePublic)
def get_own_response(record_id: int, ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
                     session: ReadSession) -> ResponsePublic:
    resp = get_response(session, record_id, ctx.user.id)
    if resp is None or resp.dataset_id != ctx.dataset.id:
        raise NotFound(f"you have no response to record {record_id}")
    return response_public(resp, ctx.user.name)


@router.delete("/datasets/{name}/records/{record_id}/lease", status_code=204)
def release(record_id: int, ctx: Annotated[DatasetCtx, Depends(dataset_annotator)],
            session: WriteSession) -> None:
    """Give a held record back to the pool without answering."""
    rec = session.get(Record, record_id)
    if rec is None or rec.dataset_id != ctx.dataset.id:
        raise NotFound(f"record {record_id} does not exist in dataset {ctx.dataset.name!r}")
    ds = get_dataset(session, ctx.dataset.id)
    if not release_record(session, ds, ctx.settings, rec, session.get(User, ctx.user.id)):
        raise NotFound(f"you hold no lease on record {record_id}")


# The two routes above answer most requests. ``LoopRoute`` (accord/server/loop_route.py)
# serves them ahead of FastAPI's request binding: the same check_request, the same endpoint
# functions, so the same auth, dataset access, admission and errors. Anything the plain
# binding below does not take (a record id that is not a plain number, a body that is not
# a valid ResponseIn) goes to FastAPI's route, which answers it exactly as before.
_PLAIN_ID = re.compile(r"[1-9][0-9]{0,17}")  # int() and pydantic read these the same


async def _fast_next(request: Request) -> Response | None:
    await check_request(request)
    return await next_(request.path_params["name"], request)


async def _fast_put_response(request: Request) -> Response | None:
    await check_request(request)
    record_id = request.path_params["record_id"]
    data = getattr(request, "_json", None)  # the decoded JSON body (check_request)
    if not isinstance(data, dict) or _PLAIN_ID.fullmatch(record_id) is None:
        return None
    try:
        body = ResponseIn.model_validate(data)
    except ValidationError:
        return None  # FastAPI's route answers the 422, as for any route
    return await put_response(request.path_params["name"], int(record_id), body, request)


def loop_routes(prefix: str) -> list[LoopRoute]:
    """The loop's two routes served ahead of FastAPI's binding (see above), each falling
    back to its FastAPI route (which also gives both their OpenAPI description)."""
    by_endpoint = {r.endpoint: r for r in router.routes if hasattr(r, "endpoint")}
    return [LoopRoute(prefix, by_endpoint[next_], "POST", _fast_next),
            LoopRoute(prefix, by_endpoint[put_response], "PUT", _fast_put_response)]
