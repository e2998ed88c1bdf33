"""Strangers cost nothing: a request body is read only after its caller is known, and
the large upload cap is for admins only (issue 18, item 2). Real ``accord serve`` on
SQLite and PostgreSQL, raw sockets that stop sending as soon as the server answers.

Before: an anonymous 64 MiB JSON body to the bulk record route was read and parsed
(server RSS ~300 MiB -> 1.4 GB) before its 401, and an anonymous multipart upload
was spooled to disk before its 401.
"""

from __future__ import annotations

import itertools
import os
import tomllib
from pathlib import Path

import orjson
import pytest

from tests.reliability.harness import Server, raw_request, seed

MB = 1024 * 1024


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def vm_kib(pid: int, field: str) -> int:
    """``VmHWM`` (peak resident set) or ``VmRSS`` of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} missing for pid {pid}")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request, tmp_path_factory):
    """``accord serve`` (one process: its pid is the server's) with default caps
    but a 2 MiB body cap; its TMPDIR is watched."""
    tmp = tmp_path_factory.mktemp(f"body-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'accord.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"body_{os.getpid()}")
    w = seed(url, annotators=1)
    tmpdir = tmp / "server-tmp"
    tmpdir.mkdir()
    server = Server(url, tmp / "server.log", cli=True, env={"TMPDIR": str(tmpdir)},
                    args=["--max-body-mb", "2"]).start()
    yield server, w, tmpdir
    server.kill()


def _json_body(size: int) -> list[bytes]:
    """A valid JSON record import of about ``size`` bytes, in 1 MiB pieces."""
    pad = "y" * 1000
    n = size // 1024
    body = b'{"records": [' + b",".join(orjson.dumps({"id": f"x{i}", "text": pad})
                                        for i in range(n)) + b"]}"
    return [body[i:i + MB] for i in range(0, len(body), MB)]


def test_anonymous_64_mib_json_is_refused_before_it_is_read(served):
    server, _, _ = served
    pid = server.proc.pid
    before = vm_kib(pid, "VmHWM")
    chunks = _json_body(64 * MB)
    status, headers, body, sent = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records",
        {"Content-Type": "application/json", "Content-Length": str(sum(map(len, chunks)))},
        chunks)
    assert status == 401, body[:300]
    assert orjson.loads(body)["error"]["type"] == "unauthorized"
    assert headers.get("www-authenticate") == "Bearer"
    # loopback socket buffers take a few MiB before the answer is seen
    assert sent < 16 * MB, f"the server read {sent} bytes of an anonymous body"
    peak = vm_kib(pid, "VmHWM")
    print(f"\npeak RSS {before / 1024:.0f} MiB before, {peak / 1024:.0f} MiB after an "
          f"anonymous 64 MiB body ({sent / MB:.1f} MiB sent before the 401)")
    assert peak - before < 32 * 1024, f"peak RSS grew {(peak - before) / 1024:.0f} MiB"


def test_anonymous_chunked_body_is_refused_before_it_is_read(served):
    server, _, _ = served
    status, _, body, sent = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records", {"Content-Type": "application/json"},
        _json_body(48 * MB), chunked=True)
    assert status == 401, body[:300]
    assert sent < 16 * MB, f"the server read {sent} bytes of an anonymous body"


def test_anonymous_upload_is_not_spooled(served):
    server, _, tmpdir = served
    part = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n")
    line = orjson.dumps({"id": "big", "text": "y" * 1000}) + b"\n"
    chunks = [part, *itertools.repeat(line * 1024, 93)]  # about 93 MiB
    status, _, body, sent = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records/upload",
        {"Content-Type": "multipart/form-data; boundary=XyZ",
         "Content-Length": str(sum(map(len, chunks)) + 8)}, chunks)
    assert status == 401, body[:300]
    assert sent < 16 * MB, f"the server read {sent} bytes of an anonymous upload"
    assert list(tmpdir.rglob("*")) == []


def test_a_wrong_token_is_anonymous(served):
    server, _, tmpdir = served
    status, _, body, sent = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records",
        {**_h("acc_not-a-token"), "Content-Type": "application/json",
         "Content-Length": str(64 * MB)}, _json_body(64 * MB))
    assert status == 401 and sent < 16 * MB, (status, sent, body[:200])


def test_the_upload_cap_is_for_admins_only(served):
    """A non-admin's body gets the 2 MiB body cap even on the bulk routes (413 before
    the body is read); an admin's 3 MiB import passes under the upload cap."""
    server, w, tmpdir = served
    annotator = next(iter(w.annotators.values()))
    big = _json_body(32 * MB)
    for path in ("/api/v1/datasets/d/records", "/api/v1/datasets/d/records/upload"):
        status, _, body, sent = raw_request(
            server.url, "POST", path,
            {**_h(annotator), "Content-Type": "application/json",
             "Content-Length": str(sum(map(len, big)))}, big)
        assert status == 413, (path, body[:300])
        error = orjson.loads(body)["error"]
        assert error["type"] == "too_large" and "--max-body-mb" in error["message"]
        assert sent < 16 * MB, f"the server read {sent} bytes past the annotator's cap"
    assert list(tmpdir.rglob("*")) == []
    chunks = _json_body(3 * MB)
    status, _, body, _ = raw_request(
        server.url, "POST", "/api/v1/datasets/d/records",
        {**_h(w.admin_token), "Content-Type": "application/json",
         "Content-Length": str(sum(map(len, chunks)))}, chunks)
    assert status == 200, body[:300]


def test_accord_serve_runs_on_uvloop_with_httptools(served):
    """The server's event loop is uvloop and it parses HTTP with httptools, both from the
    ``uvicorn[standard]`` dependency: uvicorn falls back to asyncio's own loop and h11
    without a word when they are missing, and a next + submit cycle then costs about
    15 % more server CPU (docs/benchmarks.md, "Sequential loop CPU")."""
    server, _w, _tmp = served
    assert server.proc is not None
    maps = Path(f"/proc/{server.proc.pid}/maps").read_text()  # the loaded extension modules
    assert "/uvloop/loop.cpython" in maps, "the server's event loop is not uvloop"
    assert "/httptools/parser/parser.cpython" in maps, \
        "the server does not parse HTTP with httptools"
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml")
                            .read_text())["project"]
    uvicorn = [d for d in project["dependencies"] if d.replace(" ", "").startswith("uvicorn")]
    assert uvicorn and all(d.replace(" ", "").startswith("uvicorn[standard]") for d in uvicorn)
