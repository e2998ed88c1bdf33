"""Application factory: ``create_app(engine)``; nothing is built at import time."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine

from accord.server.checked_route import CheckedRoute
from accord.server.errors import ERROR_RESPONSES, install_error_handlers
from accord.server.gates import PostgresGate, SQLiteWriteGate, postgres_gate_limit
from accord.server.internal_errors import InternalErrors
from accord.server.limits import BodyLimit
from accord.server.log_redaction import install_access_log_redaction

__all__ = ["create_app", "app_from_env", "ROUTERS"]

# "annotate" first: a request is matched against the routes in order, and the annotator
# loop's next and submit are most of the traffic (no other route overlaps their paths)
ROUTERS = ("annotate", "auth", "users", "datasets", "record_browser", "records", "review",
           "stats", "exports", "quality", "ui_support", "my_work", "triage", "media", "workforce",
           "report", "meta", "vectors", "pii")


def create_app(engine: Engine) -> FastAPI:
    """Build the FastAPI app on ``engine``.

    No state lives in the process: sessions, leases and rate limits are in the
    database, so several workers behave like one.
    """
    import importlib

    import accord

    # /docs is served by the UI (accord/ui/pages.py) from a vendored Swagger UI, never a
    # CDN; no /redoc (it would load its script from a CDN)
    app = FastAPI(title="accord", version=accord.__version__, openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=_lifespan,
                  description="Build LLM training data with people and models together.")
    app.state.engine = engine
    install_error_handlers(app)
    install_access_log_redaction()
    api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, route_class=CheckedRoute)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": accord.__version__}

    # the annotator loop's routes are included on the app itself, ahead of the other API
    # routes: FastAPI (0.165) walks every route of an included router and its sub-routers
    # on each request to see whether they changed, about 10 % of a next + submit cycle's
    # CPU with all the routers nested under one /api/v1 router (bench/loop_bench.py)
    loop = importlib.import_module(f"accord.server.routers.{ROUTERS[0]}")
    # next and submit first of all, bound without FastAPI's per-request dependency solving
    # (accord/server/loop_route.py); their FastAPI routes stay for everything else
    app.router.routes.extend(loop.loop_routes("/api/v1"))
    app.include_router(loop.router, prefix="/api/v1", responses=ERROR_RESPONSES)
    for name in ROUTERS[1:]:  # a missing router is an error, never a silently smaller API
        api.include_router(importlib.import_module(f"accord.server.routers.{name}").router)
    app.include_router(api)
    _mount_ui(app)
    if engine.dialect.name == "sqlite":
        app.add_middleware(SQLiteWriteGate)
    else:
        pool = engine.pool
        app.add_middleware(PostgresGate, limit=postgres_gate_limit(
            pool.size(), getattr(pool, "_max_overflow", 0)))
    app.add_middleware(BodyLimit)  # refuse oversized bodies before queueing them
    app.add_middleware(InternalErrors)  # outermost: any failure is a JSON reply
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While serving: SQLite WAL checkpoints run in a thread, not inside a request's
    commit (accord/store/checkpoint.py), and another thread fills the records' text
    index after imports (accord/store/text_index.py)."""
    from accord.store.checkpoint import WalCheckpointer
    from accord.store.text_index import TextIndexer

    checkpointer = WalCheckpointer(app.state.engine)
    app.state.checkpointer = checkpointer
    indexer = TextIndexer(app.state.engine)
    app.state.text_indexer = indexer
    checkpointer.start()
    indexer.start()
    try:
        yield
    finally:
        indexer.stop()
        checkpointer.stop()


def _mount_ui(app: FastAPI) -> None:
    """The web UI's pages and /static: part of every build, so a failing import fails."""
    from accord.ui import mount

    mount(app)


def app_from_env() -> FastAPI:
    """uvicorn factory: the database URL comes from ``$ACCORD_DB``."""
    import gc

    from accord.store.engine import make_engine

    app = create_app(make_engine(os.environ.get("ACCORD_DB")))
    # the app, its routes' pydantic schemas and the imported modules live as long as the
    # process: keep them out of the cyclic collector, whose full passes would otherwise walk
    # them all and show up as tail latency on the annotator loop
    gc.collect()
    gc.freeze()
    return app
