"""``polygon``: labelled polygons on an image field.

Value ``[{"points": [[x, y], ...], "label"}]`` with at least 3 points per polygon.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions._media import items, label_of, point, score_of
from accord.schema.questions.base import (
    FormField,
    Labelled,
    QuestionType,
    fail,
    labelled_form,
    short,
)
from accord.schema.questions.bbox import REGION_REFUSALS
from accord.schema.questions.registry import register

__all__ = ["PolygonQuestion", "TYPE"]


class PolygonQuestion(Labelled):
    """Labelled polygons on an image field; value ``[{"points": [[x, y], ...], "label"}]``."""

    type: Literal["polygon"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: PolygonQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``polygon`` value (at least 3 points each); points become ``[x, y]`` lists."""
    name = question.name
    out = []
    for poly in items(name, value, "{points, label}"):
        if "points" not in poly or "label" not in poly:
            raise fail(name, f"expected {{points, label}}, got {short(poly)}")
        extra = set(poly) - {"points", "label", "score"}
        if extra:
            raise fail(name, f"unknown keys {sorted(extra)} in polygon {short(poly)}; "
                       "allowed: points, label, score")
        points = poly["points"]
        if not isinstance(points, list) or len(points) < 3:
            raise fail(name, f"a polygon needs a list of at least 3 points [x, y], got "
                       f"{short(points)}")
        out.append({"points": [point(name, p, poly) for p in points],
                    "label": label_of(name, question.labels, poly), **score_of(name, poly)})
    return out


TYPE = register(QuestionType(
    name="polygon", model=PolygonQuestion, validate=validate,
    title="Polygons", description="Draw labelled polygons on an image field.",
    value_example=[{"points": [[0, 0], [10, 0], [5, 8]], "label": "roof"}],
    settings_example={"field": "image", "labels": ["roof"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=(), default_consensus=None,
    export_roles=frozenset({"regions"}),
    widget="polygon", wide=True, shows_fields=True, field_types=("image",),
    form=(labelled_form(), FormField("field", "field", "Image field", required=True)),
    refusals=REGION_REFUSALS,
))
