"""Local media files: ``GET /media/{path}`` (image, audio, video) and ``GET /point-cloud/{path}``.

A record's media field may hold a path relative to the server's media root
(``accord serve --media-root DIR`` or ``$ACCORD_MEDIA_ROOT``). Only files that
resolve inside the root are served, only with an image or audio type from a
fixed allowlist (no SVG: it can carry script), and always with
``X-Content-Type-Options: nosniff`` and a sandboxing CSP. Range requests are
answered (206) so audio players can seek. Any logged-in user may read media,
as the UI shows it to every annotator.

Point clouds (PCD, KITTI ``.bin``) are parsed on the server by the one parser
(:mod:`accord.io.point_clouds`) and sent as little-endian float32 ``x, y, z,
intensity`` per point, the format the viewer loads; ``X-Point-Count`` says
how many points. A file that does not parse is a 422 naming the file and what
was expected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from accord.schema.media_refs import is_safe_relative_path
from accord.server.checked_route import CheckedRoute
from accord.server.deps import CurrentUser
from accord.server.errors import ERROR_RESPONSES

__all__ = ["router", "MEDIA_TYPES", "media_root"]

router = APIRouter(tags=["media"], route_class=CheckedRoute)

MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".flac": "audio/flac", ".m4a": "audio/mp4", ".mp4": "video/mp4", ".webm": "video/webm",
}
"""The served extensions and their content types (lower-case extension); a ``.webm`` file is
served as ``video/webm``, which audio elements play as well."""

_HEADERS = {"X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600"}


def media_root(request: Request) -> Path | None:
    """The configured media root: ``app.state.media_root``, else ``$ACCORD_MEDIA_ROOT``."""
    root = getattr(request.app.state, "media_root", None) or os.environ.get("ACCORD_MEDIA_ROOT")
    return Path(root) if root else None


_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES, 400: {"description": "bad_request"},
    200: {"content": {t: {} for t in sorted(set(MEDIA_TYPES.values()))}},
    206: {"description": "a byte range (Range header)"}}


@router.get("/media/{path:path}", response_class=FileResponse, responses=_RESPONSES)
def get_media(path: str, request: Request, _: CurrentUser) -> FileResponse:
    """A file under the media root, e.g. ``/api/v1/media/cats/001.jpg``.

    400 for a path that is absolute, contains ``..``, NUL or a backslash; 404 when
    no media root is configured, the file does not exist, resolves outside the
    root (symlinks included) or its type is not an allowed image/audio/video type.
    """
    target = _resolve(request, path, MEDIA_TYPES, "image, audio and video")
    return FileResponse(target, media_type=MEDIA_TYPES[target.suffix.lower()],
                        headers=_HEADERS, content_disposition_type="inline")


def _resolve(request: Request, path: str, suffixes: Any, what: str) -> Path:
    """The file ``path`` names under the media root (one check for every media route)."""
    root = media_root(request)
    if root is None:
        raise HTTPException(404, "no media root is configured: start the server with "
                            "'accord serve --media-root DIR' (or $ACCORD_MEDIA_ROOT) to serve "
                            f"local {what} files")
    if not is_safe_relative_path(path):
        raise HTTPException(400, f"{path[:200]!r} is not a relative path under the media root "
                            "(no leading '/', '..', '\\' or control characters)")
    if Path(path).suffix.lower() not in suffixes:
        raise HTTPException(404, f"only {what} files are served; allowed extensions: "
                            f"{', '.join(sorted(suffixes))}")
    try:
        base = root.resolve(strict=True)
        target = (base / path).resolve(strict=True)
    except OSError:  # missing, not a directory, a symlink loop, a name too long
        raise HTTPException(404, f"media file {path[:200]!r} not found") from None
    if not target.is_relative_to(base) or not target.is_file() or \
            target.suffix.lower() not in suffixes:
        raise HTTPException(404, f"media file {path[:200]!r} not found")
    return target


_CLOUD_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES, 400: {"description": "bad_request"},
    200: {"content": {"application/octet-stream": {}},
          "description": "float32 x, y, z, intensity per point (little-endian)"}}


@router.get("/point-cloud/{path:path}", response_class=Response, responses=_CLOUD_RESPONSES)
def get_point_cloud(path: str, request: Request, _: CurrentUser) -> Response:
    """A point cloud under the media root as float32 ``x, y, z, intensity`` per point,
    e.g. ``/api/v1/point-cloud/velodyne/000001.bin``; ``X-Point-Count`` holds the count.

    400/404 as for ``/media``; 422 when the file is not a PCD (ascii, binary) or KITTI
    ``.bin`` point cloud, naming the file and what was expected.
    """
    from accord.errors import InputError
    from accord.io.point_clouds import POINT_CLOUD_SUFFIXES, parse_point_cloud, to_float32_bytes

    target = _resolve(request, path, POINT_CLOUD_SUFFIXES, "point-cloud")
    try:
        points = parse_point_cloud(target.read_bytes(), path)
    except OSError:
        raise HTTPException(404, f"media file {path[:200]!r} not found") from None
    except InputError as exc:
        where = f"{path}:{exc.line}" if exc.line is not None else path
        raise InputError(f"{where}: {exc.message}", field="path") from None
    return Response(to_float32_bytes(points), media_type="application/octet-stream",
                    headers={**_HEADERS, "X-Point-Count": str(len(points))})
