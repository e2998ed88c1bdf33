"""Question definitions: what is asked about a record.

One model per question type, joined in a discriminated union on ``type``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "QuestionBase", "LabelQuestion", "MultiLabelQuestion", "SpanQuestion", "RatingQuestion",
    "RankingQuestion", "PairwiseQuestion", "TextQuestion", "FlagsQuestion", "BboxQuestion",
    "PolygonQuestion", "KeypointsQuestion", "SegmentQuestion", "TranscriptQuestion",
    "AnyQuestion", "QUESTION_TYPES", "IMAGE_QUESTION_TYPES", "AUDIO_QUESTION_TYPES",
]

_NAME = r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$"


def _normalize_labels(value: object, minimum: int) -> dict[str, str]:
    """Accept a list of labels or a ``{value: display text}`` mapping."""
    if isinstance(value, dict):
        labels = {str(k): str(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        labels = {}
        for item in value:
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise ValueError(f"labels must be strings, got {type(item).__name__}")
            key = str(item)
            if key in labels:
                raise ValueError(f"duplicate label {key!r}")
            labels[key] = key
    else:
        raise ValueError(f"expected a list of labels or a mapping, got {type(value).__name__}")
    if any(not k.strip() for k in labels):
        raise ValueError("labels must not be empty strings")
    if len(labels) < minimum:
        raise ValueError(f"needs at least {minimum} label{'s' if minimum > 1 else ''}")
    return labels


class QuestionBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME)
    title: str | None = None
    description: str | None = None
    required: bool = False

    @property
    def display(self) -> str:
        return self.title or self.name

    def referenced_fields(self) -> list[str]:
        return []


class _Labelled(QuestionBase):
    labels: dict[str, str]
    min_labels: ClassVar[int] = 2

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: object) -> dict[str, str]:
        return _normalize_labels(value, cls.min_labels)


class LabelQuestion(_Labelled):
    """Single choice among ``labels``; value ``"billing"``."""

    type: Literal["label"]


class MultiLabelQuestion(_Labelled):
    """Any subset of ``labels``; value ``["refund", "login"]``."""

    type: Literal["multi_label"]
    min_labels: ClassVar[int] = 1


class SpanQuestion(_Labelled):
    """Labelled character spans over a text field; value ``[{start, end, label}]``."""

    type: Literal["span"]
    field: str
    allow_overlap: bool = False
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


class RatingQuestion(QuestionBase):
    """An integer on the scale ``min..max``; value ``4``."""

    type: Literal["rating"]
    min: int = 1
    max: int = 5

    @model_validator(mode="after")
    def _scale(self) -> RatingQuestion:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        if self.max - self.min > 100:
            raise ValueError("a rating scale has at most 101 points")
        return self


class RankingQuestion(QuestionBase):
    """Order the candidates of a json field, best first; ties as nested lists."""

    type: Literal["ranking"]
    field: str
    allow_ties: bool = False

    def referenced_fields(self) -> list[str]:
        return [self.field]


class PairwiseQuestion(QuestionBase):
    """A vs B; value ``{"choice": "a"|"b"|"tie", "strength": 1-3}``."""

    type: Literal["pairwise"]
    fields: list[str]
    allow_tie: bool = True
    max_strength: int = Field(default=3, ge=1, le=10)

    @field_validator("fields")
    @classmethod
    def _two(cls, value: list[str]) -> list[str]:
        if len(value) != 2:
            raise ValueError(f"needs exactly 2 fields (A and B), got {len(value)}")
        if value[0] == value[1]:
            raise ValueError("A and B must be different fields")
        return value

    def referenced_fields(self) -> list[str]:
        return list(self.fields)


class TextQuestion(QuestionBase):
    """Free text, e.g. write or rewrite a response (``field`` is the one rewritten)."""

    type: Literal["text"]
    field: str | None = None
    use_markdown: bool = False
    min_length: int = Field(default=0, ge=0)

    def referenced_fields(self) -> list[str]:
        return [self.field] if self.field else []


class FlagsQuestion(_Labelled):
    """Safety taxonomy; value ``[{"label": "pii", "severity": "high"}]``."""

    type: Literal["flags"]
    severities: list[str] = Field(default_factory=lambda: ["low", "high"])
    min_labels: ClassVar[int] = 1

    @field_validator("severities")
    @classmethod
    def _severities(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least 1 severity")
        if len(set(value)) != len(value):
            raise ValueError("severities must be unique")
        return value


class BboxQuestion(_Labelled):
    """Labelled boxes on an image field.

    Value ``[{"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"}]`` in natural
    image pixels, ``x, y`` the top-left corner.
    """

    type: Literal["bbox"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


class PolygonQuestion(_Labelled):
    """Labelled polygons on an image field; value ``[{"points": [[x, y], ...], "label"}]``."""

    type: Literal["polygon"]
    field: str
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


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
        return None if value is None else _normalize_labels(value, 1)

    def referenced_fields(self) -> list[str]:
        return [self.field]


class SegmentQuestion(_Labelled):
    """Labelled time ranges of an audio field, in seconds; value ``[{start, end, label}]``."""

    type: Literal["segment"]
    field: str
    allow_overlap: bool = True
    min_labels: ClassVar[int] = 1

    def referenced_fields(self) -> list[str]:
        return [self.field]


class TranscriptQuestion(QuestionBase):
    """The text of an audio field, optionally aligned in time.

    Value ``{"text": "...", "segments": [{"start": 0.0, "end": 2.1, "text": "hello"}]}``.
    """

    type: Literal["transcript"]
    field: str

    def referenced_fields(self) -> list[str]:
        return [self.field]


AnyQuestion = Annotated[
    LabelQuestion
    | MultiLabelQuestion
    | SpanQuestion
    | RatingQuestion
    | RankingQuestion
    | PairwiseQuestion
    | TextQuestion
    | FlagsQuestion
    | BboxQuestion
    | PolygonQuestion
    | KeypointsQuestion
    | SegmentQuestion
    | TranscriptQuestion,
    Field(discriminator="type"),
]

QUESTION_TYPES = ("label", "multi_label", "span", "rating", "ranking", "pairwise", "text", "flags",
                  "bbox", "polygon", "keypoints", "segment", "transcript")
IMAGE_QUESTION_TYPES = ("bbox", "polygon", "keypoints")
"""Question types drawn on an ``image`` field."""
AUDIO_QUESTION_TYPES = ("segment", "transcript")
"""Question types that annotate an ``audio`` field."""
