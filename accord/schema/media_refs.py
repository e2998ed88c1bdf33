"""What an ``image``, ``audio`` or ``video`` field value refers to.

A media value is one of:

- an ``http://`` or ``https://`` URL;
- a ``data:image/...;base64,`` (image fields), ``data:audio/...;base64,`` (audio
  fields) or ``data:video/mp4|webm;base64,`` (video fields) URI;
- a relative path of a file under the server's media root (``accord serve
  --media-root``), served by ``GET /api/v1/media/{path}``.

Anything else (``javascript:``, ``file:``, ``data:text/html``, absolute paths,
paths with ``..``) is not a media reference: the UI shows it as text and the
server never opens it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

__all__ = ["MediaRef", "media_ref_kind", "is_safe_relative_path"]

MediaRef = Literal["url", "data", "path"]

_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_DATA = {"image": re.compile(r"^data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE),
         "audio": re.compile(r"^data:audio/[a-z0-9.+-]+;base64,", re.IGNORECASE),
         "video": re.compile(r"^data:video/(mp4|webm|ogg);base64,", re.IGNORECASE)}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def is_safe_relative_path(value: str) -> bool:
    """Whether ``value`` is a relative path that stays inside the directory it is joined to.

    Refuses empty paths, NUL and other control characters, backslashes, absolute
    paths, ``..`` components and anything that looks like a URL scheme
    (``c:``, ``file:``). Symlinks are checked by the server when it resolves the path.

    Examples
    --------
    >>> is_safe_relative_path("cats/001.jpg"), is_safe_relative_path("../etc/passwd")
    (True, False)
    """
    if not value or any(ord(c) < 32 or c == "\\" for c in value):
        return False
    if value.startswith("/") or _SCHEME.match(value):
        return False
    parts = PurePosixPath(value).parts
    return bool(parts) and all(p not in ("..", ".") for p in parts)


def media_ref_kind(value: object, field_type: str) -> MediaRef | None:
    """Classify an ``image``/``audio``/``video`` field value, or ``None`` when it is not usable.

    Examples
    --------
    >>> media_ref_kind("https://example.org/a.png", "image")
    'url'
    >>> media_ref_kind("data:audio/wav;base64,UklGR", "audio")
    'data'
    >>> media_ref_kind("clips/a.wav", "audio")
    'path'
    >>> media_ref_kind("javascript:alert(1)", "image") is None
    True
    """
    if not isinstance(value, str):
        return None
    if _URL.match(value):
        return "url"
    pattern = _DATA.get(field_type)
    if pattern is not None and pattern.match(value):
        return "data"
    if is_safe_relative_path(value):
        return "path"
    return None
