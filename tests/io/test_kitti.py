"""KITTI label and cuboids JSONL exports (read back by an independent reader), their import,
and the point counts of the one point-in-cuboid function."""

from __future__ import annotations

import math
import struct
import zipfile

import pytest

from accord.errors import InputError
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from accord.store import session_scope
from accord.store.datasets import get_dataset, settings_of
from accord.store.export import iter_export_records
from tests.io.export_data import export, read_jsonl, setup, submit

SETTINGS = {
    "fields": [{"name": "scan", "type": "point_cloud"}],
    "questions": [{"name": "objects", "type": "cuboid", "field": "scan",
                   "labels": ["Car", "Pedestrian"]}],
    "distribution": {"overlap": 3},
}


def C(x, y, z, l, w, h, yaw, label="Car"):  # noqa: E741
    return {"x": x, "y": y, "z": z, "l": l, "w": w, "h": h, "yaw": yaw, "label": label}


CAR = C(10.0, 2.0, -0.5, 4.0, 1.8, 1.5, 0.3)
WALKER = C(5.0, -3.0, 0.0, 0.6, 0.6, 1.7, -2.0, "Pedestrian")


@pytest.fixture
def scans(engine, tmp_path, monkeypatch):
    # a point cloud under the media root: 3 points in the car, 1 in the walker, 2 elsewhere
    root = tmp_path / "media"
    (root / "velodyne").mkdir(parents=True)
    inside_car = [(10 + d * math.cos(0.3), 2 + d * math.sin(0.3), -0.5) for d in (-1.5, 0, 1.5)]
    pts = inside_car + [(5.0, -3.0, 0.5), (0.0, 0.0, 0.0), (10.0, 2.0, 1.0)]
    (root / "velodyne" / "000001.bin").write_bytes(
        b"".join(struct.pack("<4f", *p, 0.5) for p in pts))
    monkeypatch.setenv("ACCORD_MEDIA_ROOT", str(root))
    setup(engine, "pc", SETTINGS, [{"id": "000001", "scan": "velodyne/000001.bin"},
                                   {"id": "drive 2/7", "scan": "https://example.org/7.pcd"},
                                   {"id": "000003", "scan": "velodyne/000003.bin"}])
    submit(engine, "pc", "000001", "u1", {"objects": [CAR, WALKER]})
    submit(engine, "pc", "000001", "u2", {"objects": [{**CAR, "x": 10.2}]})
    submit(engine, "pc", "drive 2/7", "u1", {"objects": [{**CAR, "yaw": -3.0}]})
    return engine


def _read_kitti_line(line):
    """An independent reader: KITTI camera frame back to LiDAR (x fwd, y left, z up)."""
    v = line.split()
    h, w, length, xc, yc, zc, ry = map(float, v[8:15])
    yaw = -ry - math.pi / 2
    return {"label": v[0], "x": zc, "y": -xc, "z": -yc + h / 2, "l": length, "w": w, "h": h,
            "yaw": math.atan2(math.sin(yaw), math.cos(yaw)), "score": float(v[15])}


def _close(a, b):
    for k in ("x", "y", "z", "l", "w", "h"):
        assert a[k] == pytest.approx(b[k], abs=1e-5), k
    assert math.cos(a["yaw"] - b["yaw"]) == pytest.approx(1.0, abs=1e-9)


def test_kitti_export_read_back_by_an_independent_reader(scans, tmp_path):
    out = tmp_path / "labels.zip"
    summary = export(scans, "pc", out, "kitti")
    assert summary.container == "zip" and summary.rows_written == 2
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["frames.jsonl", "label_2/000001.txt",
                                        "label_2/drive_2_7-2.txt"]
        frame1 = z.read("label_2/000001.txt").decode().splitlines()
        frame2 = z.read("label_2/drive_2_7-2.txt").decode().splitlines()
    got = sorted((_read_kitti_line(x) for x in frame1), key=lambda c: c["label"])
    # the car: both annotators, fused (x averaged); the walker: one of two (score 1/2, kept)
    _close(got[0], {**CAR, "x": 10.1})
    assert got[0]["score"] == pytest.approx(1.0)
    _close(got[1], WALKER)
    assert got[1]["score"] == pytest.approx(0.5)
    assert len(frame1[0].split()) == 16
    _close(_read_kitti_line(frame2[0]), {**CAR, "yaw": -3.0})


def test_cuboids_export_counts_points_and_round_trips(scans, tmp_path, engine):
    out = tmp_path / "cuboids.jsonl"
    export(scans, "pc", out, "cuboids")
    rows = {r["external_id"]: r for r in read_jsonl(out)}
    assert set(rows) == {"000001", "drive 2/7"}
    fused = {c["label"]: c for c in rows["000001"]["cuboids"]["objects"]}
    assert fused["Car"]["points"] == 3 and fused["Pedestrian"]["points"] == 1
    assert rows["drive 2/7"]["cuboids"]["objects"][0]["points"] is None  # a URL: not read
    assert {a["user"] for a in rows["000001"]["annotations"]} == {"u1", "u2"}
    # read back: every annotator's cuboids become their responses
    summary = import_migration(scans, "back", out, open_source("cuboids", out),
                               ImportOptions(create=True))
    assert (summary.inserted, summary.responses) == (2, 3)
    with session_scope(scans) as s:
        ds = get_dataset(s, "back")
        assert [q.type for q in settings_of(ds).questions] == ["cuboid"]
        recs = {r.external_id: r for r in iter_export_records(s, ds.id, full=True)}
        users = {r.user: r.values for r in recs["000001"].responses}
        assert users == {"u1": {"objects": [CAR, WALKER]},
                         "u2": {"objects": [{**CAR, "x": 10.2}]}}


def test_kitti_import_as_suggestions(scans, tmp_path):
    out = tmp_path / "labels.zip"
    export(scans, "pc", out, "kitti")
    summary = import_migration(scans, "k", out, open_source("kitti", out),
                               ImportOptions(create=True))
    assert (summary.inserted, summary.suggestions) == (2, 2)
    with session_scope(scans) as s:
        ds = get_dataset(s, "k")
        settings = settings_of(ds)
        assert settings.questions[0].labels == {"Car": "Car", "Pedestrian": "Pedestrian"}
        recs = {r.external_id: r for r in iter_export_records(s, ds.id, full=True,
                                                                suggestions=True)}
        assert recs["000001"].fields == {"scan": "velodyne/000001.bin"}
        value = recs["000001"].suggestions[0].value
        _close(sorted(value, key=lambda c: c["label"])[0], {**CAR, "x": 10.1})


def test_kitti_import_errors_name_file_and_line(engine, tmp_path):
    d = tmp_path / "kitti" / "label_2"
    d.mkdir(parents=True)
    (d / "000009.txt").write_text("Car 0 0 0 0 0 0 0 1.5 2 4 -2 1.25 10 -1.57\nCar 1 2 3\n")
    with pytest.raises(InputError) as exc:
        import_migration(engine, "bad", d.parent, open_source("kitti", d.parent),
                         ImportOptions(create=True))
    assert str(exc.value).startswith(f"{d / '000009.txt'}:2: a KITTI label line has 15 values")


def test_export_without_a_cuboid_question_is_refused(engine, tmp_path):
    setup(engine, "txt", {"fields": [{"name": "t", "type": "text"}],
                          "questions": [{"name": "l", "type": "label", "labels": ["a", "b"]}]},
          [{"id": "1", "t": "x"}])
    with pytest.raises(InputError, match="needs a cuboid question"):
        export(engine, "txt", tmp_path / "x.zip", "kitti")
