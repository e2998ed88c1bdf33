"""Import and export edges through the real CLI in a subprocess (and the REST upload).

Every bad input ends with exit code 2 and a message naming the file, the line and
the field or column; what is accepted is stored exactly (SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from decimal import Decimal
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import run_cli
from tests.reliability.harness import Server, seed

SETTINGS = "fields:\n  - {name: text, type: text}\nquestions:\n  - {name: q, type: text}\n"


@pytest.fixture
def dataset(db_url, tmp_path) -> str:
    (tmp_path / "settings.yaml").write_text(SETTINGS)
    r = run_cli("dataset", "create", "d", "--settings", str(tmp_path / "settings.yaml"),
                "--db", db_url)
    assert r.returncode == 0, r.stderr
    return db_url


def _export(db_url: str, tmp_path: Path) -> list[dict]:
    out = tmp_path / "out.jsonl"
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(out), "--db", db_url)
    assert r.returncode == 0, r.stderr
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def _refused(r, *parts: str) -> None:  # type: ignore[no-untyped-def]
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-1500:])
    assert "Traceback" not in r.stderr, r.stderr[-1500:]
    message = " ".join(r.stderr.split())
    for part in parts:
        assert part in message, (part, message)


def test_parquet_times_decimals_and_binary_import_as_text(dataset, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    when = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    pq.write_table(pa.table({
        "id": ["a", "b"], "text": ["x", "y"],
        "ts": pa.array([when, None], pa.timestamp("ms", tz="UTC")),
        "naive": pa.array([when.replace(tzinfo=None)] * 2, pa.timestamp("us")),
        "day": pa.array([dt.date(2024, 1, 2)] * 2, pa.date32()),
        "price": pa.array([Decimal("1.50"), Decimal("-12345678901234567890.25")],
                          pa.decimal128(38, 2)),
        "blob": pa.array([b"\x00\x01\xff", b""], pa.binary()),
        "tags": pa.array([[when], []], pa.list_(pa.timestamp("s", tz="UTC"))),
    }), tmp_path / "types.parquet")
    r = run_cli("import", "d", str(tmp_path / "types.parquet"), "--db", dataset)
    assert r.returncode == 0, r.stderr
    rows = {row["external_id"]: row["metadata"] for row in _export(dataset, tmp_path)}
    assert rows["a"] == {"ts": "2024-01-02T03:04:05.678000+00:00",
                         "naive": "2024-01-02T03:04:05.678000", "day": "2024-01-02",
                         "price": "1.50", "blob": "AAH/",
                         "tags": ["2024-01-02T03:04:05+00:00"]}
    assert rows["b"]["ts"] is None and rows["b"]["blob"] == ""
    assert rows["b"]["price"] == "-12345678901234567890.25"


def test_parquet_duration_column_is_refused_naming_it(dataset, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["a"], "text": ["x"],
                             "wait": pa.array([dt.timedelta(seconds=3)], pa.duration("s"))}),
                   tmp_path / "dur.parquet")
    r = run_cli("import", "d", str(tmp_path / "dur.parquet"), "--db", dataset)
    _refused(r, "dur.parquet", "'wait'", "duration")


@pytest.mark.parametrize("suffix", ["jsonl", "json"])
def test_deeply_nested_value_is_exit_2_with_file_and_line(dataset, tmp_path, suffix):
    deep = "[" * 900 + "]" * 900
    rows = ['{"id": "a", "text": "x"}', '{"id": "b", "text": "y", "tree": ' + deep + "}"]
    path = tmp_path / f"deep.{suffix}"
    path.write_text("\n".join(rows) + "\n" if suffix == "jsonl" else "[" + ",".join(rows) + "]")
    r = run_cli("import", "d", str(path), "--db", dataset)
    _refused(r, f"deep.{suffix}:2", "field 'tree", "nested more than")


def test_csv_cut_inside_a_quoted_field_is_an_error_not_a_silent_import(dataset, tmp_path):
    (tmp_path / "cut.csv").write_text('id,text\na,"complete"\nb,"the download stopped he')
    r = run_cli("import", "d", str(tmp_path / "cut.csv"), "--db", dataset)
    _refused(r, "cut.csv:3", "never closed")
    (tmp_path / "stray.csv").write_text('id,text\na,"one"\nb,"two\nc,"three"\n')
    r = run_cli("import", "d", str(tmp_path / "stray.csv"), "--db", dataset)
    _refused(r, "stray.csv:3", "malformed CSV")
    assert _export(dataset, tmp_path) == []  # all or nothing: the good line is not kept


def test_integers_within_64_bits_are_kept_exactly(dataset, tmp_path):
    values = {"above_2_53": 2**53 + 1, "max": 2**63 - 1, "min": -(2**63),
              "nested": {"ids": [2**62 + 7, 1234567890123456789]}}
    (tmp_path / "big.jsonl").write_text(json.dumps({"id": "a", "text": "x", **values}) + "\n")
    r = run_cli("import", "d", str(tmp_path / "big.jsonl"), "--db", dataset)
    assert r.returncode == 0, r.stderr
    (row,) = _export(dataset, tmp_path)
    assert row["metadata"] == values


@pytest.mark.parametrize("number", [2**63, 2**64, 10**30, -(2**63) - 1])
def test_integers_beyond_64_bits_are_refused_naming_the_field(dataset, tmp_path, number):
    (tmp_path / "big.jsonl").write_text('{"id": "a", "text": "x"}\n'
                                        f'{{"id": "b", "text": "y", "n": {number}}}\n')
    r = run_cli("import", "d", str(tmp_path / "big.jsonl"), "--db", dataset)
    _refused(r, "big.jsonl:2", "field 'n'", "out of range")


def test_nul_in_a_field_is_refused_on_both_backends(dataset, tmp_path):
    (tmp_path / "nul.jsonl").write_text('{"id": "a", "text": "x\\u0000y"}\n')
    r = run_cli("import", "d", str(tmp_path / "nul.jsonl"), "--db", dataset)
    _refused(r, "nul.jsonl:1", "field 'text'", "NUL")


# -- export -o ---------------------------------------------------------------------------

@pytest.fixture
def exportable(sqlite_url, tmp_path) -> str:
    (tmp_path / "settings.yaml").write_text(SETTINGS)
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "x"}\n')
    for args in (("dataset", "create", "d", "--settings", str(tmp_path / "settings.yaml")),
                 ("import", "d", str(tmp_path / "in.jsonl"))):
        r = run_cli(*args, "--db", sqlite_url)
        assert r.returncode == 0, r.stderr
    return sqlite_url


@pytest.fixture
def device(tmp_path) -> Path:
    """A private twin of /dev/null (same major/minor) in the test's folder.

    The test must not aim at the machine's /dev/null: on code that replaces a
    device by a file, that breaks every later initdb and shell on the machine.
    Where creating device nodes is not allowed, the real /dev/null is the only
    device at hand.
    """
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return Path("/dev/null")
    return node


def test_export_refuses_to_replace_a_device(exportable, device):
    before = os.stat(device)
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(device), "--db", exportable)
    _refused(r, device.name, "character device")
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_export_refuses_to_replace_a_fifo_a_symlink_or_a_directory(exportable, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(fifo), "--db", exportable)
    _refused(r, "pipe", "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (tmp_path / "real.jsonl").write_text("keep me\n")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "real.jsonl")
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(tmp_path / "link.jsonl"),
                "--db", exportable)
    _refused(r, "link.jsonl", "symbolic link")
    assert (tmp_path / "link.jsonl").is_symlink()
    assert (tmp_path / "real.jsonl").read_text() == "keep me\n"
    (tmp_path / "outdir").mkdir()
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(tmp_path / "outdir"),
                "--db", exportable)
    _refused(r, "outdir", "directory")
    assert (tmp_path / "outdir").is_dir() and not any((tmp_path / "outdir").iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_export_replaces_a_regular_file(exportable, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(out), "--db", exportable)
    assert r.returncode == 0, r.stderr
    assert orjson.loads(out.read_bytes().splitlines()[0])["external_id"] == "a"


def test_export_to_standard_output_with_dash(exportable, tmp_path):
    out = tmp_path / "out.jsonl"
    r = run_cli("export", "d", "--format", "jsonl", "-o", str(out), "--db", exportable)
    assert r.returncode == 0, r.stderr
    r = run_cli("export", "d", "--format", "jsonl", "-o", "-", "--db", exportable, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.encode() == out.read_bytes()  # the data alone; the summary on stderr
    assert "d -> " in r.stderr and "1 jsonl rows" in r.stderr
    assert not (tmp_path / "-").exists()


def test_export_parquet_to_standard_output_is_binary(exportable, tmp_path):
    import subprocess
    import sys

    import pyarrow.parquet as pq

    r = subprocess.run([sys.executable, "-m", "accord", "export", "d", "--format", "parquet",
                        "-o", "-", "--db", exportable, "--no-health-check"],
                       capture_output=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-1500:]
    (tmp_path / "got.parquet").write_bytes(r.stdout)
    assert pq.read_table(tmp_path / "got.parquet").column("external_id").to_pylist() == ["a"]
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(("args", "named"), [
    (("--split", "train=0.5,test=0.5"), "--split"),
    (("--to", "hub"), "--to hub"),
    (("--card",), "dataset card"),
])
def test_export_to_standard_output_refuses_what_needs_a_path(exportable, tmp_path, args, named):
    r = run_cli("export", "d", "--format", "parquet", "-o", "-", *args, "--db", exportable,
                cwd=tmp_path)
    _refused(r, "-o -", named)
    assert not (tmp_path / "-").exists()


def test_export_to_a_closed_pipe_ends_quietly(exportable, tmp_path):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "accord", "export", "d", "--format", "jsonl",
                             "-o", "-", "--db", exportable], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the first byte (as with "| head -c 0")
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-1500:]
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()[-1500:]


# -- REST upload -------------------------------------------------------------------------

def test_upload_errors_name_the_uploaded_file_not_the_server_copy(sqlite_url, tmp_path):
    world = seed(sqlite_url)
    server = Server(sqlite_url, tmp_path / "server.log").start()
    try:
        r = httpx.post(server.url + "/api/v1/datasets/d/records/upload",
                       headers={"Authorization": f"Bearer {world.admin_token}"},
                       files={"file": ("my survey.csv", b'id,text\na,"ok"\nb,"cut', "text/csv")})
    finally:
        server.kill()
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert message.startswith("my survey.csv:3: "), message
    assert "/tmp" not in message and "upload.csv" not in message


def test_import_report_refuses_a_device_before_importing(exportable, tmp_path, device):
    (tmp_path / "more.jsonl").write_text('{"id": "b", "text": "y"}\n{"id": "c"}\n')
    r = run_cli("import", "d", str(tmp_path / "more.jsonl"), "--on-error", "skip",
                "--report", str(device), "--db", exportable)
    _refused(r, device.name, "character device")
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert [row["external_id"] for row in _export(exportable, tmp_path)] == ["a"]


@pytest.mark.parametrize("name", ["a/b", "new\nline", "数据", "q\"uote", ".hidden", "x" * 129])
def test_dataset_names_follow_the_rest_rule_on_the_cli_too(db_url, tmp_path, name):
    """``accord dataset create`` and ``accord import --create`` took any name while the REST
    API and the UI allow ``[A-Za-z0-9][A-Za-z0-9_.-]*``: 'a/b' could then not be reached
    at /api/v1/datasets/{name}, and a non-Latin-1 name made the timesheet's CSV a 500
    (its Content-Disposition header). One rule now (check_dataset_name)."""
    (tmp_path / "settings.yaml").write_text(SETTINGS)
    (tmp_path / "r.jsonl").write_text('{"id": "1", "text": "t"}\n')
    created = run_cli("dataset", "create", name, "--settings", str(tmp_path / "settings.yaml"),
                      "--db", db_url)
    imported = run_cli("import", name, str(tmp_path / "r.jsonl"), "--create", "--db", db_url)
    for done in (created, imported):
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "invalid dataset name" in done.stderr and "Traceback" not in done.stderr
    from sqlalchemy import func, select

    from accord.store import make_engine
    from accord.store.models import Dataset

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Dataset.__table__)) == 0
    finally:
        engine.dispose()


def test_an_argument_that_is_not_utf8_is_an_error_not_a_traceback(db_url, tmp_path):
    """Bytes that are not UTF-8 on the command line reach Python as lone surrogates
    (PEP 383), which neither SQLite nor PostgreSQL can store: a user name or a dataset
    to export spelled so ended in a UnicodeEncodeError traceback (exit 1)."""
    (tmp_path / "settings.yaml").write_text(SETTINGS)
    assert run_cli("dataset", "create", "d", "--settings", str(tmp_path / "settings.yaml"),
                   "--db", db_url).returncode == 0
    for args in (("user", "create", "bad\udcff", "--role", "annotator", "--no-password"),
                 ("export", "\udcff\udcfe", "-o", str(tmp_path / "x.jsonl"))):
        done = run_cli(*args, "--db", db_url)
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "is not valid UTF-8" in done.stderr and "Traceback" not in done.stderr
