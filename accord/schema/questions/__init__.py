"""Question types: one module per type, each registered in one registry.

Every type (the built-ins below and any third-party one) is a
:class:`~accord.schema.questions.base.QuestionType` registered with
:func:`~accord.schema.questions.registry.register`: its settings model, value
validation, agreement metric and level, consensus methods, export roles and UI
metadata. :func:`question_type` and :func:`all_question_types` read the
registry; :data:`AnyQuestion` parses a question of any registered type.

Adding a type: docs/development.md, "Adding a question type".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from accord.schema.questions.registry import load_builtins, load_plugins

BUILTINS = ("label", "multi_label", "span", "rating", "ranking", "pairwise", "text", "flags",
            "bbox", "polygon", "keypoints", "segment", "transcript", "cuboid",
            "video_segment", "video_frame_label", "video_track")
"""The built-in types, registered in this order by importing their modules."""

load_builtins(__name__, BUILTINS)

# the modules are loaded; re-export their public names
from accord.schema.questions.base import (  # noqa: E402
    AGREEMENT_METRICS,
    EXPORT_ROLES,
    FormField,
    QuestionBase,
    QuestionType,
)
from accord.schema.questions.bbox import BboxQuestion  # noqa: E402
from accord.schema.questions.cuboid import CuboidQuestion  # noqa: E402
from accord.schema.questions.flags import FlagsQuestion  # noqa: E402
from accord.schema.questions.keypoints import KeypointsQuestion  # noqa: E402
from accord.schema.questions.label import LabelQuestion  # noqa: E402
from accord.schema.questions.multi_label import MultiLabelQuestion  # noqa: E402
from accord.schema.questions.pairwise import PairwiseQuestion  # noqa: E402
from accord.schema.questions.polygon import PolygonQuestion  # noqa: E402
from accord.schema.questions.ranking import RankingQuestion, candidate_ids  # noqa: E402
from accord.schema.questions.rating import RatingQuestion  # noqa: E402
from accord.schema.questions.registry import (  # noqa: E402
    all_question_types,
    question_type,
    question_type_names,
    register,
    type_of,
    unregister,
)
from accord.schema.questions.segment import SegmentQuestion  # noqa: E402
from accord.schema.questions.span import SpanQuestion  # noqa: E402
from accord.schema.questions.text import TextQuestion  # noqa: E402
from accord.schema.questions.transcript import TranscriptQuestion  # noqa: E402
from accord.schema.questions.video_frame_label import VideoFrameLabelQuestion  # noqa: E402
from accord.schema.questions.video_segment import VideoSegmentQuestion  # noqa: E402
from accord.schema.questions.video_track import VideoTrackQuestion  # noqa: E402

__all__ = [
    "AGREEMENT_METRICS", "EXPORT_ROLES", "FormField", "QuestionType",
    "QuestionBase", "LabelQuestion", "MultiLabelQuestion", "SpanQuestion", "RatingQuestion",
    "RankingQuestion", "PairwiseQuestion", "TextQuestion", "FlagsQuestion", "BboxQuestion",
    "PolygonQuestion", "KeypointsQuestion", "SegmentQuestion", "TranscriptQuestion",
    "CuboidQuestion", "VideoSegmentQuestion", "VideoFrameLabelQuestion", "VideoTrackQuestion",
    "AnyQuestion", "QUESTION_TYPES", "IMAGE_QUESTION_TYPES", "AUDIO_QUESTION_TYPES",
    "VIDEO_QUESTION_TYPES",
    "BUILTINS", "all_question_types", "candidate_ids", "parse_question", "question_type",
    "question_type_names", "register", "type_of", "types_with_role", "unregister",
]


def parse_question(data: Any) -> QuestionBase:
    """Validate one question mapping with the settings model of its registered ``type``."""
    if isinstance(data, QuestionBase):
        return data
    if not isinstance(data, dict):
        raise PydanticCustomError("model_type", "expected a mapping, got {got}",
                                  {"got": type(data).__name__})
    if "type" not in data:
        raise PydanticCustomError("union_tag_not_found", "missing 'type'",
                                  {"discriminator": "'type'"})
    name = data["type"]
    names = question_type_names()
    if not isinstance(name, str) or name not in names:
        raise PydanticCustomError(
            "union_tag_invalid", "unknown type {tag}; expected one of {expected_tags}",
            {"discriminator": "'type'", "tag": str(name), "expected_tags": ", ".join(names)})
    return question_type(name).model.model_validate(data)


AnyQuestion = Annotated[Any, PlainValidator(parse_question)]
"""A question of any registered type (dispatch on ``type`` through the registry)."""


def types_with_role(role: str) -> tuple[str, ...]:
    """Names of the registered types that play an export ``role`` (see EXPORT_ROLES)."""
    if role not in EXPORT_ROLES:
        raise ValueError(f"unknown export role {role!r}; roles are {list(EXPORT_ROLES)}")
    return tuple(t.name for t in all_question_types() if role in t.export_roles)


def __getattr__(name: str) -> Any:
    # computed on each access, so types registered later are included
    if name == "QUESTION_TYPES":
        return question_type_names()
    if name == "IMAGE_QUESTION_TYPES":
        return tuple(t.name for t in all_question_types() if "image" in t.field_types)
    if name == "AUDIO_QUESTION_TYPES":
        return tuple(t.name for t in all_question_types() if "audio" in t.field_types)
    if name == "VIDEO_QUESTION_TYPES":
        return tuple(t.name for t in all_question_types() if "video" in t.field_types)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


load_plugins()  # third-party types named in $ACCORD_PLUGINS, registered like the built-ins
