"""Soak runs (``make soak`` only): load with think time, and the upload size cap.

The load test runs bench/soak_bench.py; its size comes from the environment
(defaults: 1,000,000 records, 100 annotators, 300 s, think time 1 s):
``ACCORD_SOAK_RECORDS``, ``ACCORD_SOAK_ANNOTATORS``, ``ACCORD_SOAK_SECONDS``,
``ACCORD_SOAK_THINK``. docs/reliability.md lists the measured numbers.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.reliability.harness import REPO, Server, raw_request, seed

pytestmark = pytest.mark.soak


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("soak_bench", REPO / "bench" / "soak_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_load_with_think_time(backend):
    env = os.environ.get
    rows = _bench().main([
        "--db", backend, "--records", env("ACCORD_SOAK_RECORDS", "1000000"),
        "--annotators", env("ACCORD_SOAK_ANNOTATORS", "100"),
        "--seconds", env("ACCORD_SOAK_SECONDS", "300"),
        "--think", env("ACCORD_SOAK_THINK", "1.0")])
    (row,) = rows
    assert row["errors"] == 0, row["first_errors"]
    assert row["reconciled"], row["problems"]
    assert row["cycles"] > 0


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    line = b'{"id": "x", "text": "' + b"y" * 200 + b'"}\n'
    block = line * (size // len(line))
    sent = 0
    while sent < total:
        part = block[: min(len(block), total - sent)]
        sent += len(part)
        yield part


@pytest.mark.timeout(1800)
def test_upload_cap_512_mib(tmp_path):
    """An upload streamed past the 512 MiB cap (chunked, no Content-Length) is cut off
    with 413 near the cap, imports nothing and leaves no file behind."""
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    world = seed(url)
    tmpdir = tmp_path / "server-tmp"
    tmpdir.mkdir()
    server = Server(url, tmp_path / "server.log", env={"TMPDIR": str(tmpdir)}).start()
    try:
        boundary = "accordsoakboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"big.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode()
        status, _, body, sent = raw_request(
            server.url, "POST", "/api/v1/datasets/d/records/upload",
            {"Authorization": f"Bearer {world.admin_token}",
             "Content-Type": f"multipart/form-data; boundary={boundary}"},
            itertools.chain([head], _chunks(1024 * 2**20)), chunked=True)
        assert status == 413, body[:500]
        assert "512 MiB" in orjson.loads(body)["error"]["message"]
        # stopped near the cap (loopback socket buffers hold a few MiB), not at 1 GiB
        assert sent < 600 * 2**20, f"the server kept reading: {sent} bytes sent"
        counts = httpx.get(f"{server.url}/api/v1/datasets/d",
                           headers={"Authorization": f"Bearer {world.admin_token}"}).json()
        assert counts["counts"]["records"] == 0
        assert list(tmpdir.rglob("upload*")) == []
    finally:
        server.kill()
