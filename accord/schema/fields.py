"""Field definitions: what a record shows to an annotator."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FieldBase", "TextField", "ChatField", "MarkdownField", "ImageField", "AudioField",
           "PointCloudField", "VideoField", "JsonField", "AnyField", "FIELD_TYPES"]

_NAME = r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$"


class FieldBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME)
    title: str | None = None
    required: bool = True
    description: str | None = None

    @property
    def display(self) -> str:
        return self.title or self.name


class TextField(FieldBase):
    type: Literal["text"]


class ChatField(FieldBase):
    """A conversation: a list of ``{role, content}`` messages."""

    type: Literal["chat"]


class MarkdownField(FieldBase):
    type: Literal["markdown"]


class ImageField(FieldBase):
    """An image given by URL or ``data:`` URI."""

    type: Literal["image"]


class AudioField(FieldBase):
    type: Literal["audio"]


class PointCloudField(FieldBase):
    """A LiDAR point cloud: a PCD (ASCII or binary) or KITTI velodyne ``.bin`` file under
    the media root, or an http(s) URL (see :mod:`accord.io.point_clouds`)."""

    type: Literal["point_cloud"]


class VideoField(FieldBase):
    """A video (MP4 or WebM, as the browser plays them) given by URL or media path.

    ``fps`` is the frame rate the video questions count frames with (frame ``n``
    starts at ``n / fps`` seconds).
    """

    type: Literal["video"]
    fps: float = Field(default=25.0, gt=0, le=1000)


class JsonField(FieldBase):
    type: Literal["json"]


AnyField = Annotated[
    TextField | ChatField | MarkdownField | ImageField | AudioField | PointCloudField
    | VideoField
    | JsonField,
    Field(discriminator="type"),
]

FIELD_TYPES = ("text", "chat", "markdown", "image", "audio", "point_cloud", "video", "json")
