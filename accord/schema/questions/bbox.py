"""``bbox``: labelled boxes on an image field.

Value ``[{"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"}]`` in natural image
pixels, ``x, y`` the top-left corner, ``w, h > 0``; an optional ``score`` (0-1) is kept.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from accord.schema.questions._media import coordinate, items, label_of, score_of
from accord.schema.questions.base import (
    FormField,
    Labelled,
    QuestionType,
    fail,
    labelled_form,
    short,
)
from accord.schema.questions.registry import register

__all__ = ["BboxQuestion", "TYPE", "REGION_REFUSALS"]


class BboxQuestion(Labelled):
    """Labelled boxes on an image field.

    Value ``[{"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"}]`` in natural
    image pixels, ``x, y`` the top-left corner.
    """

    type: Literal["bbox"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: BboxQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``bbox`` value; return it with only the documented keys."""
    name = question.name
    out = []
    for box in items(name, value, "{x, y, w, h, label}"):
        missing = [k for k in ("x", "y", "w", "h", "label") if k not in box]
        if missing:
            raise fail(name, f"box {short(box)} is missing {missing}; expected "
                       "{x, y, w, h, label}")
        extra = set(box) - {"x", "y", "w", "h", "label", "score"}
        if extra:
            raise fail(name, f"unknown keys {sorted(extra)} in box {short(box)}; allowed: "
                       "x, y, w, h, label, score")
        coords = {k: coordinate(name, k, box[k], box) for k in ("x", "y", "w", "h")}
        if coords["w"] <= 0 or coords["h"] <= 0:
            raise fail(name, f"box {short(box)} has no area; w and h must be > 0")
        out.append({**coords, "label": label_of(name, question.labels, box), **score_of(name, box)})
    return out


_REGIONS = "regions are matched by overlap, not compared as one label per record; use region_f1"
REGION_REFUSALS = {m: _REGIONS for m in ("alpha", "fleiss", "cohen", "scott", "gwet", "percent")}

TYPE = register(QuestionType(
    name="bbox", model=BboxQuestion, validate=validate,
    title="Boxes", description="Draw labelled boxes on an image field.",
    value_example=[{"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"}],
    settings_example={"field": "image", "labels": ["car", "bus"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=("fusion",), default_consensus="fusion",
    export_roles=frozenset({"regions"}),
    widget="bbox", wide=True, shows_fields=True, field_types=("image",),
    form=(labelled_form(), FormField("field", "field", "Image field", required=True)),
    refusals=REGION_REFUSALS,
))
