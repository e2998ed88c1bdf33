"""Every router module is mounted under /api/v1, and the web UI is mounted: nothing that is in
the source tree can go missing from the app silently."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

import accord.server.routers as routers_pkg
from accord.server.app import ROUTERS, create_app
from accord.store import make_engine
from accord.ui.pages import PAGES


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mounts') / 'accord.db'}")
    yield create_app(engine)
    engine.dispose()


def test_every_router_module_is_listed():
    modules = {m.name for m in pkgutil.iter_modules(routers_pkg.__path__)}
    assert modules == set(ROUTERS), (
        f"not mounted: {sorted(modules - set(ROUTERS))}; listed but missing: "
        f"{sorted(set(ROUTERS) - modules)}")


@pytest.mark.parametrize("name", ROUTERS)
def test_every_route_of_the_router_is_served(app, name):
    router = importlib.import_module(f"accord.server.routers.{name}").router
    paths = app.openapi()["paths"]
    routes = [r for r in router.routes if isinstance(r, APIRoute)]
    assert routes, f"router {name} has no routes"
    for route in routes:
        params = {p: "x" for p in route.param_convertors}
        # the app resolves the route by name to its path under /api/v1 ...
        want = "/api/v1" + route.path_format.format(**params)
        assert app.url_path_for(route.name, **params) == want
        # ... and the OpenAPI document (what clients and the docs see) lists each method
        if route.include_in_schema:
            assert route.methods <= {m.upper() for m in paths["/api/v1" + route.path_format]}, route


def test_the_ui_is_mounted(app):
    paths = {getattr(r, "path", None) for r in app.routes}
    assert "/login" in paths
    assert {page.path for page in PAGES} <= paths
    assert any(isinstance(r, Mount) and r.path == "/static" for r in app.routes)


def test_the_annotator_loop_is_matched_before_the_nested_routers(app):
    """FastAPI walks every route of an included router and its sub-routers on each request
    it matches against them; the loop's next and submit (most of the traffic) are included
    on the app itself, ahead of the /api/v1 router that nests the others."""
    loop = importlib.import_module("accord.server.routers.annotate").router
    included = [getattr(r, "original_router", None) for r in app.router.routes]
    first_other = min(i for i, r in enumerate(included) if r is not None and r is not loop)
    assert included.index(loop) < first_other
