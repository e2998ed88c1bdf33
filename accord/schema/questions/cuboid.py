"""``cuboid``: labelled 3D boxes on a point-cloud field.

Value ``[{"x": 12.1, "y": -3.4, "z": 0.9, "l": 4.2, "w": 1.8, "h": 1.6, "yaw": 0.31,
"label": "car"}]``: the center ``x, y, z`` in the point cloud's own frame (LiDAR
convention: x forward, y left, z up), the length ``l`` along the heading, width
``w`` and height ``h`` (all > 0), and the heading ``yaw`` in radians from -pi to
pi, counter-clockwise about z from the x axis; an optional ``score`` (0-1) is kept.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from accord.schema.questions._media import is_number, items, label_of, score_of
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

__all__ = ["CuboidQuestion", "TYPE"]

_KEYS = ("x", "y", "z", "l", "w", "h", "yaw")
_SHAPE = "{x, y, z, l, w, h, yaw, label}"


class CuboidQuestion(Labelled):
    """Labelled cuboids on a point-cloud field (see the module docstring)."""

    type: Literal["cuboid"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: CuboidQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``cuboid`` value; return it with only the documented keys."""
    name = question.name
    out = []
    for box in items(name, value, _SHAPE):
        missing = [k for k in (*_KEYS, "label") if k not in box]
        if missing:
            raise fail(name, f"cuboid {short(box)} is missing {missing}; expected {_SHAPE}")
        extra = set(box) - {*_KEYS, "label", "score"}
        if extra:
            raise fail(name, f"unknown keys {sorted(extra)} in cuboid {short(box)}; allowed: "
                       f"{', '.join(_KEYS)}, label, score")
        for k in _KEYS:
            if not is_number(box[k]):
                raise fail(name, f"{k} must be a finite number, got {short(box[k])} in "
                           f"{short(box)}")
        for k in ("l", "w", "h"):
            if box[k] <= 0:
                raise fail(name, f"cuboid {short(box)} has {k} = {box[k]}; l, w and h must be "
                           "> 0 (metres)")
        if abs(box["yaw"]) > math.pi + 1e-9:
            raise fail(name, f"yaw {box['yaw']} of cuboid {short(box)} is outside -pi..pi "
                       "(radians)")
        out.append({**{k: box[k] for k in _KEYS}, "label": label_of(name, question.labels, box),
                    **score_of(name, box)})
    return out


TYPE = register(QuestionType(
    name="cuboid", model=CuboidQuestion, validate=validate,
    title="Cuboids", description="Draw labelled 3D boxes (center, size, heading) on a point cloud.",
    value_example=[{"x": 12.1, "y": -3.4, "z": 0.9, "l": 4.2, "w": 1.8, "h": 1.6, "yaw": 0.31,
                    "label": "car"}],
    settings_example={"field": "scan", "labels": ["car", "pedestrian"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=("fusion",), default_consensus="fusion",
    export_roles=frozenset({"cuboids"}),
    widget="cuboid", wide=True, shows_fields=True, field_types=("point_cloud",),
    form=(labelled_form(), FormField("field", "field", "Point-cloud field", required=True)),
    refusals=REGION_REFUSALS,
))
