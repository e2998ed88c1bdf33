"""Application factory."""

from __future__ import annotations

import os

from fastapi import FastAPI
from sqlalchemy import Engine

__all__ = ["create_app", "app_from_env"]


def create_app(engine: Engine) -> FastAPI:
    """Build the FastAPI app on ``engine`` (no global state: everything lives in the database)."""
    import accord

    app = FastAPI(title="accord", version=accord.__version__, openapi_url="/openapi.json",
                  docs_url="/docs")
    app.state.engine = engine

    @app.get("/api/v1/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": accord.__version__}

    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: the database URL comes from ``$ACCORD_DB``."""
    from accord.store.engine import make_engine

    return create_app(make_engine(os.environ.get("ACCORD_DB")))
