"""``keypoints``: named points (with a skeleton) on an image field, one set per instance.

Value ``[{"points": {"head": [x, y], "neck": [x, y]}, "label": "dog"}]``; a point
name missing from an instance is not visible. Agreement matches instances by
object keypoint similarity in place of IoU.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from accord.schema.questions._media import items, label_of, point, score_of
from accord.schema.questions.base import (
    FormField,
    QuestionBase,
    QuestionType,
    fail,
    normalize_labels,
    short,
)
from accord.schema.questions.bbox import REGION_REFUSALS
from accord.schema.questions.registry import register

__all__ = ["KeypointsQuestion", "TYPE"]


class KeypointsQuestion(QuestionBase):
    """Named points (with a skeleton) on an image field, one set per instance.

    Value ``[{"points": {"head": [x, y], "neck": [x, y]}, "label": "dog"}]``; a
    point name that is missing from an instance is not visible.
    """

    type: Literal["keypoints"]
    field: str
    points: list[str] = Field(min_length=1)
    skeleton: list[list[str]] = Field(default_factory=list)
    labels: dict[str, str] | None = None

    @field_validator("points")
    @classmethod
    def _points(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.strip():
                raise ValueError("point names must not be empty strings")
        repeated = sorted({n for n in value if value.count(n) > 1})
        if repeated:
            raise ValueError(f"duplicate point name {repeated[0]!r}")
        return value

    @field_validator("skeleton")
    @classmethod
    def _skeleton(cls, value: list[list[str]], info: ValidationInfo) -> list[list[str]]:
        points = info.data.get("points")
        for i, edge in enumerate(value):
            if len(edge) != 2:
                raise ValueError(f"edge {i} must join exactly 2 points, got {edge!r}")
            if edge[0] == edge[1]:
                raise ValueError(f"edge {i} joins {edge[0]!r} to itself")
            if points is not None:
                unknown = [n for n in edge if n not in points]
                if unknown:
                    raise ValueError(f"edge {i} names unknown point {unknown[0]!r}; "
                                     f"points are {points}")
        return value

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: object) -> dict[str, str] | None:
        return None if value is None else normalize_labels(value, 1)

    def referenced_fields(self) -> list[str]:
        return [self.field]


def validate(value: Any, question: KeypointsQuestion, record_fields: dict[str, Any]) -> Any:
    """Check a ``keypoints`` value (a list of instances)."""
    name = question.name
    out = []
    for inst in items(name, value, "{points: {name: [x, y]}, label}"):
        extra = set(inst) - {"points", "label", "score"}
        if extra:
            raise fail(name, f"unknown keys {sorted(extra)} in instance {short(inst)}; "
                       "allowed: points, label, score")
        points = inst.get("points")
        if not isinstance(points, dict) or not points:
            raise fail(name, f"an instance needs \"points\": {{name: [x, y]}} with at least one "
                       f"visible point, got {short(inst)}")
        unknown = [k for k in points if k not in question.points]
        if unknown:
            raise fail(name, f"{short(unknown[0])} is not a point of this question; expected "
                       f"any of {question.points}")
        # in the order of the settings, so equal instances compare equal
        checked = {k: point(name, points[k], inst) for k in question.points if k in points}
        item: dict[str, Any] = {"points": checked}
        label = inst.get("label")
        if label is not None:
            if question.labels is None:
                raise fail(name, f"label {short(label)} given, but this question has no "
                           "instance labels")
            item["label"] = label_of(name, question.labels, inst)
        item.update(score_of(name, inst))
        out.append(item)
    return out


TYPE = register(QuestionType(
    name="keypoints", model=KeypointsQuestion, validate=validate,
    title="Keypoints", description="Place named points (joined by a skeleton) on each "
    "instance in an image field.",
    value_example=[{"points": {"head": [12, 30], "tail": [80, 35]}, "label": "dog"}],
    settings_example={"field": "image", "points": ["head", "tail"], "skeleton": [["head", "tail"]],
                      "labels": ["dog"]},
    agreement_metric="region_f1", agreement_level=None, applicable_metrics=("region_f1",),
    consensus_methods=(), default_consensus=None,
    export_roles=frozenset({"regions"}),
    widget="keypoints", wide=True, shows_fields=True, field_types=("image",),
    form=(FormField("field", "field", "Image field", required=True),
          FormField("points", "list", "Point names (comma-separated)", required=True),
          FormField("skeleton", "pairs", "Skeleton (a-b, b-c)"),
          FormField("labels", "list", "Instance labels (optional)")),
    refusals=REGION_REFUSALS,
))
