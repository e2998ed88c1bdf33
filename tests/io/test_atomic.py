"""accord.atomic: the one way accord writes a file for a user."""

from __future__ import annotations

import os
import stat

import pytest

from accord.atomic import atomic_output, atomic_path
from accord.errors import InputError


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_appears_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write(b"half")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]  # no temporary file left behind
    with atomic_output(target) as fh:
        fh.write(b"new\n")
    assert target.read_bytes() == b"new\n"


def test_text_mode_keeps_the_newline_choice(tmp_path):
    with atomic_output(tmp_path / "a.csv", encoding="utf-8", newline="") as fh:
        fh.write("é,1\r\n")
    assert (tmp_path / "a.csv").read_bytes() == "é,1\r\n".encode()


def test_permissions_are_those_of_open_or_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "export.jsonl") as fh:
            fh.write(b"x")
        with atomic_path(tmp_path / "backup.db", private=True) as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(old)
    with open(tmp_path / "plain", "wb"):
        pass
    assert _mode(tmp_path / "export.jsonl") == _mode(tmp_path / "plain") == 0o644
    assert _mode(tmp_path / "backup.db") == 0o600


def test_a_missing_directory_is_a_located_input_error(tmp_path):
    with pytest.raises(InputError) as err, atomic_output(tmp_path / "nope" / "x.jsonl"):
        pass
    assert "does not exist" in str(err.value) and "x.jsonl" in str(err.value)
