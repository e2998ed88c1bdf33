"""``GET /api/v1/meta``: what this server knows how to do, from the registries.

Question types (their settings schema, value example, agreement, consensus,
export roles and UI metadata) come from :mod:`accord.schema.questions`; export
formats and their options from :mod:`accord.io.exporters`; aggregation methods
from :mod:`accord.quality.aggregation.catalog`. The web UI builds its lists
(settings builder, export dialog, dashboard) from this one answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accord.server.checked_route import CheckedRoute
from accord.server.deps import CurrentUser

router = APIRouter(tags=["meta"], route_class=CheckedRoute)


@router.get("/meta")
def meta(user: CurrentUser) -> dict[str, Any]:
    """Question types, export formats and aggregation methods (any logged-in user)."""
    from accord.io.exporters import FORMATS
    from accord.quality.aggregation.catalog import aggregation_methods
    from accord.schema.fields import FIELD_TYPES
    from accord.schema.questions import AGREEMENT_METRICS, EXPORT_ROLES, all_question_types

    return {
        "question_types": [t.describe() for t in all_question_types()],
        "field_types": list(FIELD_TYPES),
        "export_formats": [f.describe() for f in FORMATS.values()],
        "export_roles": dict(EXPORT_ROLES),
        "aggregation_methods": [{"name": name, **info}
                                for name, info in aggregation_methods().items()],
        "agreement_metrics": [{"name": name, "description": text}
                              for name, text in AGREEMENT_METRICS.items()],
    }
