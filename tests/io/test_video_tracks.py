"""MOT Challenge and COCO-video exports of video tracks, read back by an independent reader
and imported again."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from accord.errors import InputError
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from accord.io.importers.mot import parse_mot_lines
from accord.store import make_engine, session_scope
from accord.store.datasets import get_dataset, settings_of
from accord.store.export import iter_export_records
from tests.dbs import migrated
from tests.io.export_data import export, setup, submit

SETTINGS = {
    "fields": [{"name": "clip", "type": "video", "fps": 10}],
    "questions": [{"name": "tracks", "type": "video_track", "field": "clip",
                   "labels": ["car", "person"]}],
    "distribution": {"overlap": 3},
}


def _track(tid, label, *keyframes):
    return {"id": tid, "label": label, "keyframes": [
        {"frame": f, "x": x, "y": y, "w": w, "h": h} for f, x, y, w, h in keyframes]}


def _value(*tracks, frames=30):
    return {"frames": frames, "width": 320, "height": 240, "tracks": list(tracks)}


CAR = ((0, 10, 20, 30, 40), (29, 68, 20, 30, 40))  # x = 10 + 2 * frame


def _answer(engine):
    setup(engine, "vid", SETTINGS, [{"id": "v1", "clip": "clips/street.webm"},
                                    {"id": "v 2", "clip": "https://example.org/2.mp4"},
                                    {"id": "v3", "clip": "clips/never.webm"}])
    for user, tid in (("u1", 1), ("u2", 5), ("u3", 2)):
        extra = [_track(9, "person", (0, 200, 100, 10, 10))] if user == "u1" else []
        submit(engine, "vid", "v1", user, {"tracks": _value(_track(tid, "car", *CAR), *extra)})
    submit(engine, "vid", "v 2", "u1", {"tracks": _value(
        _track(3, "person", (2, 0, 0, 5, 5), (4, 0, 0, 5, 5)), frames=10)})
    return engine


@pytest.fixture
def tracks_db(db_url):
    eng = make_engine(migrated(db_url))
    yield _answer(eng)
    eng.dispose()


@pytest.fixture
def sqlite_tracks(sqlite_url):
    eng = make_engine(migrated(sqlite_url))
    yield _answer(eng)
    eng.dispose()


def _read_mot(path):
    """An independent reader: {sequence: {(frame, id): (x, y, w, h, conf)}} and seqinfo."""
    out, info = {}, {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            seq, rest = name.split("/", 1)
            text = z.read(name).decode()
            if rest == "gt/gt.txt":
                rows = {}
                for cells in csv.reader(io.StringIO(text)):
                    assert len(cells) == 10 and cells[7:] == ["-1", "-1", "-1"]
                    rows[(int(cells[0]), int(cells[1]))] = tuple(float(c) for c in cells[2:7])
                out[seq] = rows
            else:
                assert rest == "seqinfo.ini"
                info[seq] = dict(line.split("=", 1) for line in text.splitlines()[1:])
    return out, info


def test_mot_export_read_back_and_imported_again(tracks_db, tmp_path):
    out = tmp_path / "tracks.zip"
    summary = export(tracks_db, "vid", out, "mot")
    assert summary.rows_written == 2
    boxes, info = _read_mot(out)
    assert sorted(boxes) == ["v1", "v_2-2"]
    # v1: the car of all three annotators, every frame (interpolated between keyframes);
    # u1's person (1 of 3) is left out
    assert boxes["v1"] == {(f + 1, 1): (10 + 2 * f, 20, 30, 40, 1.0) for f in range(30)}
    assert boxes["v_2-2"] == {(f, 1): (0, 0, 5, 5, 1.0) for f in (3, 4, 5)}
    assert info["v1"]["frameRate"] == "10" and info["v1"]["seqLength"] == "30"
    assert (info["v1"]["imWidth"], info["v1"]["imHeight"]) == ("320", "240")
    assert json.loads(info["v_2-2"]["accordExternalId"]) == "v 2"

    summary = import_migration(tracks_db, "back", out, open_source("mot", out),
                               ImportOptions(create=True))
    assert (summary.inserted, summary.suggestions) == (2, 2)
    with session_scope(tracks_db) as s:
        ds = get_dataset(s, "back")
        settings = settings_of(ds)
        assert settings.fields[0].type == "video" and settings.fields[0].fps == 10
        recs = {r.external_id: r for r in iter_export_records(s, ds.id, full=True,
                                                                suggestions=True)}
        assert recs["v1"].fields == {"video": "clips/street.webm"}
        value = recs["v1"].suggestions[0].value
        assert value["tracks"] == [{"id": 1, "label": "car", "score": 1.0,
                                    "keyframes": _track(1, "car", *CAR)["keyframes"]}]
        assert recs["v 2"].suggestions[0].value["tracks"][0]["label"] == "person"


def test_coco_video_export_and_import(sqlite_tracks, tmp_path):
    out = tmp_path / "tracks.json"
    export(sqlite_tracks, "vid", out, "coco-video")
    data = json.loads(out.read_text())
    assert [c["name"] for c in data["categories"]] == ["car", "person"]
    assert [(v["name"], v["length"], v["fps"]) for v in data["videos"]] == [
        ("clips/street.webm", 30, 10.0), ("https://example.org/2.mp4", 10, 10.0)]
    assert len(data["images"]) == 40 and len(data["annotations"]) == 33
    images = {i["id"]: i for i in data["images"]}
    at10 = [a for a in data["annotations"] if images[a["image_id"]]["frame_id"] == 10
            and a["video_id"] == data["videos"][0]["id"]]
    assert [(a["bbox"], a["keyframe"], a["track_id"]) for a in at10] == [
        ([30.0, 20.0, 30.0, 40.0], False, 1)]
    assert len({a["instance_id"] for a in data["annotations"]}) == 2

    import_migration(sqlite_tracks, "back", out, open_source("coco-video", out),
                     ImportOptions(create=True))
    with session_scope(sqlite_tracks) as s:
        ds = get_dataset(s, "back")
        recs = {r.external_id: r for r in iter_export_records(s, ds.id, full=True,
                                                                suggestions=True)}
        tracks = recs["v1"].suggestions[0].value["tracks"]
        assert [k["frame"] for k in tracks[0]["keyframes"]] == [0, 29]
        assert tracks[0]["keyframes"][1]["x"] == 68


def test_mot_lines_and_refusals(sqlite_tracks, tmp_path):
    with pytest.raises(InputError) as err:
        parse_mot_lines("1,1,0,0,5,5,1,-1,-1,-1\n2,x,0,0,5,5\n", "gt.txt")
    assert (err.value.path, err.value.line) == ("gt.txt", 2)
    # MOT ground truth's ignore flag (conf 0) drops the line; boxes leaving the frame are cut
    gt = tmp_path / "seq.txt"
    gt.write_text("1,4,-10,0,20,10,1\n2,4,-10,0,20,10,0\n")
    import_migration(sqlite_tracks, "one", gt, open_source("mot", gt), ImportOptions(create=True))
    with session_scope(sqlite_tracks) as s:
        ds = get_dataset(s, "one")
        rec = next(iter(iter_export_records(s, ds.id, full=True, suggestions=True)))
        assert rec.fields == {"video": "seq.mp4"}
        assert rec.suggestions[0].value["tracks"][0]["keyframes"] == [
            {"frame": 0, "x": 0, "y": 0, "w": 10, "h": 10}]
    setup(sqlite_tracks, "txt", {"fields": [{"name": "t", "type": "text"}],
                                 "questions": [{"name": "l", "type": "label",
                                                "labels": ["a", "b"]}]}, [{"id": 1, "t": "x"}])
    with pytest.raises(InputError, match="needs a video_track question"):
        export(sqlite_tracks, "txt", tmp_path / "x.zip", "mot")
