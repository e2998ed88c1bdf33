"""The point-cloud parser against hand-made files of each format, and its errors."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from accord.errors import InputError
from accord.io.point_clouds import parse_point_cloud, read_point_cloud, to_float32_bytes

POINTS = [(1.0, 2.0, 3.0, 0.5), (-4.25, 5.5, -6.0, 1.0), (0.0, 0.0, 0.125, 0.0)]

ASCII_PCD = b"""# .PCD v0.7 - Point Cloud Data file format
VERSION 0.7
FIELDS x y z intensity
SIZE 4 4 4 4
TYPE F F F F
COUNT 1 1 1 1
WIDTH 4
HEIGHT 1
VIEWPOINT 0 0 0 1 0 0 0
POINTS 4
DATA ascii
1 2 3 0.5
-4.25 5.5 -6 1
nan nan nan 0
0 0 0.125 0
"""


def _binary_pcd() -> bytes:
    # x y z as float32, a 1-byte ring index, intensity as float64 (PCL allows mixed types)
    header = (b"VERSION 0.7\nFIELDS x y z ring intensity\nSIZE 4 4 4 1 8\nTYPE F F F U F\n"
              b"COUNT 1 1 1 1 1\nWIDTH 3\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 3\n"
              b"DATA binary\n")
    body = b"".join(struct.pack("<fffBd", x, y, z, 7, i) for x, y, z, i in POINTS)
    return header + body


def test_ascii_pcd_drops_nan_points():
    pts = parse_point_cloud(ASCII_PCD, "scan.pcd")
    assert pts.dtype == np.float32 and pts.tolist() == [list(p) for p in POINTS]


def test_binary_pcd_with_mixed_field_types():
    pts = parse_point_cloud(_binary_pcd(), "scan.pcd")
    assert pts.tolist() == [list(p) for p in POINTS]


def test_kitti_bin_and_the_viewer_stream(tmp_path):
    path = tmp_path / "000001.bin"
    path.write_bytes(b"".join(struct.pack("<4f", *p) for p in POINTS))
    pts = read_point_cloud(path)
    assert pts.tolist() == [list(p) for p in POINTS]
    assert to_float32_bytes(pts) == path.read_bytes()


def test_pcd_without_intensity_reads_zero():
    pcd = b"FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n"
    assert parse_point_cloud(pcd, "a.pcd").tolist() == [[1, 2, 3, 0]]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.bin", b"\0" * 17, "a.bin: a KITTI velodyne .bin file holds float32 x, y, z, reflectance "
                          "records of 16 bytes; the file has 17 bytes"),
    ("a.pcd", b"FIELDS x y\nSIZE 4 4\nTYPE F F\nPOINTS 0\nDATA ascii\n",
     "a.pcd: the PCD file has no field z; expected fields x y z [intensity], got x y"),
    ("a.pcd", b"FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nPOINTS 1\nDATA binary_compressed\n\0",
     "a.pcd:5: PCD DATA binary_compressed is not supported; expected DATA ascii or DATA binary"),
    ("a.pcd", b"FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nPOINTS 2\nDATA binary\n" + b"\0" * 12,
     "a.pcd: the PCD header says POINTS 2 of 12 bytes (24 bytes) but the binary data has 12"),
    ("a.pcd", b"FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nPOINTS 1\nDATA ascii\n1 2\n",
     "a.pcd:6: every ascii PCD data line needs 3 numbers (x y z)"),
    ("a.pcd", b"no header at all", "a.pcd: a PCD header ends with a DATA line"),
    ("a.ply", b"ply\n", "a.ply: not a point-cloud file; expected one of .pcd, .bin"),
])
def test_bad_files_name_the_file_and_what_was_expected(name, data, message):
    with pytest.raises(InputError) as exc:
        parse_point_cloud(data, name)
    assert str(exc.value).startswith(message)


def test_the_demo_scans_parse_and_their_true_cuboids_hold_points():
    import json

    from accord.demo import DEMO_DATASETS, DEMO_MEDIA
    from accord.quality.cuboids import count_points
    from accord.schema import parse_settings, validate_values

    filename, settings = DEMO_DATASETS["lidar-cuboids"]
    parsed = parse_settings(settings)
    rows = [json.loads(x) for x in (DEMO_MEDIA.parent / filename).read_text().splitlines()]
    assert len(rows) == 2
    for row in rows:
        pts = read_point_cloud(DEMO_MEDIA / row["scan"])
        assert 3000 <= len(pts) <= 5000
        # the true cuboids are valid answers, and each holds the object's points
        assert validate_values(parsed, {"objects": row["truth"]}) == {"objects": row["truth"]}
        assert all(count_points(pts, c) >= 40 for c in row["truth"])
