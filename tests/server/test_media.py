"""GET /api/v1/media/{path}: local media files under the media root, and nothing else."""

from __future__ import annotations

import os
import struct
import zlib

import httpx
import pytest

from tests.conftest import run_cli
from tests.server.conftest import start_server, stop_server


def _png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of the given size (all black)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    base = tmp_path_factory.mktemp("media")
    root = base / "root"
    (root / "cats").mkdir(parents=True)
    (root / "cats" / "001.png").write_bytes(_png(4, 3))
    (root / "clip.wav").write_bytes(b"RIFF" + bytes(range(256)) * 4)
    (root / "logo.svg").write_text("<svg onload='alert(1)'></svg>")
    (root / "notes.txt").write_text("not media")
    (root / "dir.png").mkdir()
    (base / "secret.png").write_bytes(b"outside the root")
    os.symlink(base / "secret.png", root / "escape.png")
    os.symlink(root / "cats" / "001.png", root / "inside.png")
    os.symlink(base, root / "up")
    old = os.environ.get("ACCORD_MEDIA_ROOT")
    os.environ["ACCORD_MEDIA_ROOT"] = str(root)
    try:
        server = start_server(f"sqlite:///{base / 'accord.db'}")
    finally:
        if old is None:
            del os.environ["ACCORD_MEDIA_ROOT"]
        else:
            os.environ["ACCORD_MEDIA_ROOT"] = old
    yield server, root
    stop_server(server)


def _get(server, path: str, **headers: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    # raw_path keeps %2e%2e and // exactly as sent (httpx would normalize "../")
    return httpx.get(server.url + "/api/v1/media/" + path,
                     headers={"Authorization": f"Bearer {server.admin_token}", **headers},
                     timeout=60)


def test_serves_an_image_with_its_type_and_nosniff(media):
    server, root = media
    res = _get(server, "cats/001.png")
    assert res.status_code == 200
    assert res.content == (root / "cats" / "001.png").read_bytes()
    assert res.headers["content-type"] == "image/png"
    assert res.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in res.headers["content-security-policy"]


def test_audio_supports_range_requests(media):
    server, root = media
    res = _get(server, "clip.wav", Range="bytes=4-11")
    assert res.status_code == 206
    assert res.content == (root / "clip.wav").read_bytes()[4:12]
    assert res.headers["content-type"] == "audio/wav"
    assert res.headers["content-range"] == f"bytes 4-11/{(root / 'clip.wav').stat().st_size}"


def test_needs_a_logged_in_user(media):
    server, _ = media
    assert httpx.get(server.url + "/api/v1/media/cats/001.png", timeout=60).status_code == 401
    bad = httpx.get(server.url + "/api/v1/media/cats/001.png",
                    headers={"Authorization": "Bearer nope"}, timeout=60)
    assert bad.status_code == 401
    annotator = server.make_user("media-annotator", "annotator")
    ok = httpx.get(server.url + "/api/v1/media/cats/001.png",
                   headers={"Authorization": f"Bearer {annotator}"}, timeout=60)
    assert ok.status_code == 200


def test_session_cookie_works(media):
    server, _ = media
    server.make_user("media-web", "annotator", password="media-pass-1")
    with httpx.Client(base_url=server.url) as web:
        login = web.post("/api/v1/auth/login", json={"username": "media-web",
                                                     "password": "media-pass-1"}, timeout=60)
        assert login.status_code == 200
        assert web.get("/api/v1/media/cats/001.png", timeout=60).status_code == 200


@pytest.mark.parametrize("path", ["%2e%2e/secret.png", "cats/%2e%2e/%2e%2e/secret.png",
                                  "%2Fetc%2Fpasswd.png", "/etc/passwd.png", "cats%5c..%5c001.png"])
def test_refuses_paths_that_could_leave_the_root(media, path):
    server, _ = media
    res = _get(server, path)
    assert res.status_code == 400, res.text
    assert "not a relative path under the media root" in res.json()["error"]["message"]


def test_a_nul_in_the_path_is_refused_where_values_enter(media):
    server, _ = media
    res = _get(server, "a%00.png")  # refused by the one value check before the media route
    assert res.status_code == 422, res.text
    assert "NUL" in res.json()["error"]["message"]


@pytest.mark.parametrize("path", ["escape.png", "up/secret.png"])
def test_symlinks_out_of_the_root_are_not_followed(media, path):
    server, _ = media
    res = _get(server, path)
    assert res.status_code == 404
    assert b"outside the root" not in res.content


def test_symlink_inside_the_root_is_served(media):
    server, root = media
    res = _get(server, "inside.png")
    assert res.status_code == 200 and res.content == (root / "cats" / "001.png").read_bytes()


@pytest.mark.parametrize("path,message", [
    ("logo.svg", "only image, audio and video files are served"),
    ("notes.txt", "only image, audio and video files are served"),
    ("cats/missing.png", "not found"), ("dir.png", "not found")])
def test_only_existing_allowlisted_files(media, path, message):
    server, _ = media
    res = _get(server, path)
    assert res.status_code == 404
    assert message in res.json()["error"]["message"]
    assert "svg" not in res.headers.get("content-type", "")


def test_without_a_media_root_every_path_is_404(tmp_path, monkeypatch):
    monkeypatch.delenv("ACCORD_MEDIA_ROOT", raising=False)
    server = start_server(f"sqlite:///{tmp_path / 'accord.db'}")
    try:
        res = _get(server, "cats/001.png")
        assert res.status_code == 404
        assert "--media-root" in res.json()["error"]["message"]
    finally:
        stop_server(server)


def test_serve_refuses_a_media_root_that_is_not_a_directory(tmp_path):
    done = run_cli("serve", "--db", f"sqlite:///{tmp_path / 'accord.db'}", "--port", "9",
                   "--media-root", str(tmp_path / "missing"))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "--media-root" in done.stderr and "is not a directory" in done.stderr
    assert "Traceback" not in done.stderr
