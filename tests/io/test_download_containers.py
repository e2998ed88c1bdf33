"""Every format downloads in the containers it allows: files written first are streamed as
they are, directories (``hub``, ``disk``) arrive as one ZIP of the directory."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from accord.errors import InputError
from accord.io.exporters import FORMATS, ExportOptions
from accord.io.exporters.download import DOWNLOAD_CONTAINERS, open_download
from accord.store import make_engine
from tests.dbs import migrated
from tests.io.export_data import export, setup, submit
from tests.io.test_video_tracks import _answer

LABELS = {"fields": [{"name": "text", "type": "text"}],
          "questions": [{"name": "sentiment", "type": "label", "labels": ["pos", "neg"]}]}


@pytest.fixture
def engine(sqlite_url):
    eng = make_engine(migrated(sqlite_url))
    _answer(eng)  # dataset "vid": video tracks
    setup(eng, "txt", LABELS, [{"id": f"r{i}", "text": f"text {i}"} for i in range(5)])
    for i in range(5):
        submit(eng, "txt", f"r{i}", "u1", {"sentiment": "pos" if i % 2 else "neg"})
    yield eng
    eng.dispose()


def _download(engine, dataset, fmt, **options):
    dl = open_download(engine, dataset, ExportOptions(fmt=fmt, **options))
    return dl, b"".join(dl.chunks)


def test_every_container_of_every_format_can_be_downloaded():
    assert {c for f in FORMATS.values() for c in f.containers} <= set(DOWNLOAD_CONTAINERS)


@pytest.mark.parametrize("fmt, suffix, media", [("mot", ".zip", "application/zip"),
                                                ("coco-video", ".json", "application/json")])
def test_a_file_export_downloads_byte_for_byte(engine, tmp_path, fmt, suffix, media):
    dl, body = _download(engine, "vid", fmt)
    assert dl.filename == f"vid-{fmt}{suffix}" and dl.media_type == media
    out = tmp_path / f"file{suffix}"
    export(engine, "vid", out, fmt)
    if suffix == ".zip":  # the archive's entries (their times differ between two runs)
        with zipfile.ZipFile(io.BytesIO(body)) as got, zipfile.ZipFile(out) as want:
            assert got.namelist() == want.namelist()
            assert all(got.read(n) == want.read(n) for n in want.namelist())
    else:
        # the header's creation time is the second each export ran in
        stamp = re.compile(rb'"date_created":"[^"]*"')
        assert stamp.search(body)
        assert stamp.sub(b'', body) == stamp.sub(b'', out.read_bytes())


def test_a_directory_export_downloads_as_one_zip(engine, tmp_path):
    import datasets

    dl, body = _download(engine, "txt", "hf")
    assert dl.filename == "txt-hf.zip" and dl.media_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = zf.namelist()
        assert "README.md" in names and "dataset_info.json" in names
        assert ".accord-export" not in names
        assert all(not n.startswith("/") and ".." not in n for n in names)
        zf.extractall(tmp_path / "unzipped")
    rows = datasets.load_from_disk(str(tmp_path / "unzipped"))
    assert len(rows) == 5 and sorted(rows["external_id"]) == [f"r{i}" for i in range(5)]


def test_a_container_the_format_does_not_allow_is_refused_before_any_byte(engine):
    with pytest.raises(InputError, match="kitti|zip|container"):
        open_download(engine, "vid", ExportOptions(fmt="mot", to="jsonl"))
