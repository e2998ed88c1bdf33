"""``GET /api/v1/meta``: what this server knows how to do, from the registries.

Question types (their settings schema, value example, agreement, consensus,
export roles and UI metadata) come from :mod:`accord.schema.questions`; export
formats and their options from :mod:`accord.io.exporters`; aggregation methods
from :mod:`accord.quality.aggregation.catalog`. The web UI builds its lists
(settings builder, export dialog, dashboard, the annotation page's widgets)
from this answer. ``?include=question_types`` (comma-separated section names)
returns only those sections: the annotation page needs the question types
only, and the aggregation methods import numpy and scipy on a server's first call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query

from accord.errors import InputError
from accord.server.checked_route import CheckedRoute
from accord.server.deps import CurrentUser

router = APIRouter(tags=["meta"], route_class=CheckedRoute)


def _question_types() -> Any:
    from accord.schema.questions import all_question_types

    return [t.describe() for t in all_question_types()]


def _field_types() -> Any:
    from accord.schema.fields import FIELD_TYPES

    return list(FIELD_TYPES)


def _export_formats() -> Any:
    from accord.io.exporters import FORMATS

    return [f.describe() for f in FORMATS.values()]


def _export_roles() -> Any:
    from accord.schema.questions import EXPORT_ROLES

    return dict(EXPORT_ROLES)


def _aggregation_methods() -> Any:
    from accord.quality.aggregation.catalog import aggregation_methods

    return [{"name": name, **info} for name, info in aggregation_methods().items()]


def _agreement_metrics() -> Any:
    from accord.schema.questions import AGREEMENT_METRICS

    return [{"name": name, "description": text} for name, text in AGREEMENT_METRICS.items()]


SECTIONS: dict[str, Callable[[], Any]] = {
    "question_types": _question_types, "field_types": _field_types,
    "export_formats": _export_formats, "export_roles": _export_roles,
    "aggregation_methods": _aggregation_methods, "agreement_metrics": _agreement_metrics,
}


@router.get("/meta")
def meta(user: CurrentUser,
         include: Annotated[str | None, Query(description="comma-separated sections; "
                                              "default: all")] = None) -> dict[str, Any]:
    """Question types, export formats, aggregation methods and the rest (any logged-in user)."""
    wanted = list(SECTIONS) if include is None else \
        [s.strip() for s in include.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown or not wanted:
        raise InputError(f"unknown section {unknown[0] if unknown else include!r}; sections are "
                         f"{', '.join(SECTIONS)}", field="include")
    return {name: SECTIONS[name]() for name in wanted}
