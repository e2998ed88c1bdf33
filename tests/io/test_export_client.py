"""``Client.export``: the streamed API download saved atomically, against a real uvicorn;
and ``accord export`` interrupted by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import orjson
import pytest

from accord import Client
from accord.errors import Forbidden, InputError, NotFound
from accord.store import make_engine
from tests.io.export_data import big_text_dataset, export, pairwise_dataset, read_jsonl
from tests.server.conftest import start_server, stop_server


@pytest.fixture
def server(db_url):
    srv = start_server(db_url)
    yield srv
    stop_server(srv)


def _no_parts(directory) -> bool:
    return not [p.name for p in directory.iterdir() if p.name.endswith(".part")]


def test_client_export_matches_the_file_export(server, tmp_path):
    engine = make_engine(server.db_url)
    pairwise_dataset(engine, n=6)
    export(engine, "pw", tmp_path / "file.jsonl", "jsonl", aggregate="mv")
    engine.dispose()
    with Client(server.url, server.admin_token) as client:
        got = client.export("pw", "jsonl", tmp_path / "api.jsonl", aggregate="mv")
        assert got == tmp_path / "api.jsonl"
        assert read_jsonl(got) == read_jsonl(tmp_path / "file.jsonl")
        client.export("pw", "dpo", tmp_path / "dpo.parquet", to="parquet",
                      split={"train": 0.5, "test": 0.5}, part="test", seed=7)
        import pyarrow.parquet as pq

        table = pq.read_table(tmp_path / "dpo.parquet")
        assert {"prompt", "chosen", "rejected"} <= set(table.column_names)
        assert 0 < table.num_rows < 6
        # bad options and unknown datasets: the exception, and an earlier file untouched
        (tmp_path / "keep.jsonl").write_text("earlier\n")
        with pytest.raises(InputError) as err:
            client.export("pw", "dpo", tmp_path / "keep.jsonl", pairs="some")
        assert err.value.field == "pairs"
        with pytest.raises(InputError) as err:
            client.export("pw", "dpo", tmp_path / "keep.jsonl", split="train=0.5,test=0.5")
        assert err.value.field == "part"
        # the API names its query parameters, not accord export's flags
        with pytest.raises(InputError) as err:
            client.export("pw", "dpo", tmp_path / "keep.jsonl", aggregate="bt")
        assert err.value.field == "aggregate"
        assert "--" not in str(err.value)
        with pytest.raises(InputError) as err:
            client.export("pw", "dpo", tmp_path / "keep.jsonl", prompt_field="nope")
        assert err.value.field == "prompt_field"
        assert "--" not in str(err.value)
        with pytest.raises(NotFound):
            client.export("nope", "jsonl", tmp_path / "keep.jsonl")
        with pytest.raises(InputError, match="does not exist"):
            client.export("pw", "jsonl", tmp_path / "missing" / "x.jsonl")
        assert (tmp_path / "keep.jsonl").read_text() == "earlier\n"
    annotator = server.make_user("ann9")
    with Client(server.url, annotator) as client, pytest.raises(Forbidden):
        client.export("pw", "jsonl", tmp_path / "keep.jsonl")
    assert (tmp_path / "keep.jsonl").read_text() == "earlier\n"
    assert _no_parts(tmp_path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_interrupted_download_leaves_nothing_under_the_name(server, tmp_path):
    """Ctrl-C (SIGINT) in the middle of a download: no file under the final name, and the
    temporary file is removed."""
    big_text_dataset(server.db_url, 60_000)  # ~240 MB of JSONL: seconds of streaming
    target = tmp_path / "big.jsonl"
    script = textwrap.dedent(f"""
        from accord import Client
        with Client({server.url!r}, {server.admin_token!r}) as client:
            client.export("big", "jsonl", {str(target)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE,
                            preexec_fn=_interruptible)
    stderr = _interrupt_when_writing(proc, tmp_path)
    assert proc.returncode != 0 and b"KeyboardInterrupt" in stderr
    assert not target.exists()
    assert _no_parts(tmp_path)
    # and a complete download afterwards is the whole file
    with Client(server.url, server.admin_token) as client:
        client.export("big", "jsonl", target)
    lines = target.read_bytes().splitlines()
    assert len(lines) == 60_000 and orjson.loads(lines[-1])["external_id"] == "r59999"


def _interruptible() -> None:
    """The export runs with SIGINT's default action and at nice 19. An xdist worker ignores
    SIGINT, and an ignored signal stays ignored across exec: the child then never saw the
    Ctrl-C and finished its export. nice 19: on a loaded machine the export cannot finish
    between two looks of the test's polling loop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.nice(19)


def _interrupt_when_writing(proc, directory) -> bytes:
    """SIGINT ``proc`` once a temporary output in ``directory`` has bytes; its stderr."""
    deadline = time.time() + 120
    while time.time() < deadline:
        parts = [p for p in directory.iterdir() if p.name.endswith(".part")]
        if parts and (parts[0].is_dir() or parts[0].stat().st_size > 0):
            break
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.01)
    else:
        pytest.fail("the export never started writing")
    os.kill(proc.pid, signal.SIGINT)
    return proc.communicate(timeout=60)[1]


@pytest.mark.parametrize("fmt, name", [("jsonl", "big.jsonl"), ("parquet", "big.parquet")])
def test_cli_export_interrupted_leaves_nothing_under_the_name(sqlite_url, tmp_path, fmt, name):
    big_text_dataset(sqlite_url, 60_000)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("earlier export")
    proc = subprocess.Popen([sys.executable, "-m", "accord", "export", "big", "--format", fmt,
                             "-o", str(out / name), "--db", sqlite_url, "--no-health-check"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "200"}, preexec_fn=_interruptible)
    _interrupt_when_writing(proc, out)
    assert proc.returncode != 0
    assert (out / name).read_text() == "earlier export"
    assert _no_parts(out)
