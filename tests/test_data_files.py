"""tests/data is complete and as described: every file is in MANIFEST.sha256 with its hash, every
folder has a SOURCE.md and a row in INDEX.md."""

from __future__ import annotations

import hashlib
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def test_manifest_lists_every_file_with_its_hash():
    listed = {}
    for line in (DATA / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()}
    assert set(listed) == present - {"MANIFEST.sha256"}
    changed = [n for n, d in listed.items()
               if hashlib.sha256((DATA / n).read_bytes()).hexdigest() != d]
    assert not changed, f"changed since MANIFEST.sha256 was written: {changed}"


def test_every_data_folder_has_a_source_and_an_index_row():
    index = (DATA / "INDEX.md").read_text(encoding="utf-8")
    folders = {p.parent for p in DATA.rglob("*") if p.is_file()} - {DATA}
    for folder in folders:
        rel = folder.relative_to(DATA).as_posix()
        assert (folder / "SOURCE.md").is_file(), f"{rel} has no SOURCE.md"
        assert f"| `{rel}/` |" in index, f"{rel} has no row in INDEX.md"
