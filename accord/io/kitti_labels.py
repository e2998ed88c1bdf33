"""KITTI object label lines <-> accord cuboids (one convention, both directions).

A KITTI label file (Geiger, Lenz & Urtasun 2012, the object devkit's
``readme.txt``) has one object per line, 15 space-separated values (a 16th,
``score``, in result files)::

    type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y [score]

``h w l`` are metres, ``x y z`` the **bottom center** of the box in the
rectified camera frame (x right, y down, z forward) and ``rotation_y`` the
heading about the camera's y axis (0: facing the camera's x axis).

accord's cuboids live in the point cloud's LiDAR frame (x forward, y left, z
up; center of the box; ``yaw`` counter-clockwise about z from x). The
conversion uses the nominal axis change of KITTI's sensors without the
per-drive calibration (the Velodyne-to-camera offset of a few centimetres and
the rectifying rotation of under a degree are ignored, as if camera and LiDAR
shared the origin)::

    x_cam = -y        y_cam = -(z - h / 2)        z_cam = x
    rotation_y = -yaw - pi / 2 (wrapped to [-pi, pi))
    alpha = rotation_y - atan2(x_cam, z_cam)  (wrapped)

A frame whose cameras are calibrated should apply ``Tr_velo_to_cam`` and
``R0_rect`` from its ``calib`` file to these values. The 2D box is unknown
(no image) and written as ``0 0 0 0``; ``truncated`` and ``occluded`` as 0.
"""

from __future__ import annotations

import math
from typing import Any

from accord.errors import InputError

__all__ = ["cuboid_to_kitti", "kitti_to_cuboid", "kitti_type"]


def _wrap(angle: float) -> float:
    """The angle in [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def kitti_type(label: str) -> str:
    """A label as a KITTI ``type`` (one token: spaces become underscores)."""
    return "_".join(str(label).split()) or "DontCare"


def cuboid_to_kitti(c: dict[str, Any]) -> str:
    """One KITTI label line for a cuboid (``score`` appended when the cuboid has one).

    Examples
    --------
    >>> cuboid_to_kitti({"x": 10, "y": 2, "z": -0.5, "l": 4, "w": 2, "h": 1.5, "yaw": 0,
    ...                  "label": "Car"}).split()  # doctest: +NORMALIZE_WHITESPACE
    ['Car', '0.00', '0', '-1.373401', '0.00', '0.00', '0.00', '0.00', '1.500000', '2.000000',
     '4.000000', '-2.000000', '1.250000', '10.000000', '-1.570796']
    """
    x_cam, y_cam, z_cam = -c["y"], -(c["z"] - c["h"] / 2), c["x"]
    ry = _wrap(-c["yaw"] - math.pi / 2)
    alpha = _wrap(ry - math.atan2(x_cam, z_cam))
    parts = [kitti_type(c["label"]), "0.00", "0", f"{alpha:.6f}", "0.00", "0.00", "0.00", "0.00",
             f"{c['h']:.6f}", f"{c['w']:.6f}", f"{c['l']:.6f}", f"{x_cam:.6f}", f"{y_cam:.6f}",
             f"{z_cam:.6f}", f"{ry:.6f}"]
    if c.get("score") is not None:
        parts.append(f"{c['score']:.6f}")
    return " ".join(parts)


def kitti_to_cuboid(line: str, *, path: str | None = None, line_no: int | None = None
                    ) -> dict[str, Any] | None:
    """The cuboid of one KITTI label line, or None for ``DontCare`` lines.

    Raises
    ------
    InputError
        A line without 15 (or 16) values, or with a value that is not a number
        (naming ``path`` and ``line_no``).

    Examples
    --------
    >>> c = kitti_to_cuboid("Car 0 0 0 0 0 0 0 1.5 2 4 -2 1.25 10 -1.5707963267948966")
    >>> {k: round(v, 6) if isinstance(v, float) else v for k, v in c.items()}
    {'x': 10.0, 'y': 2.0, 'z': -0.5, 'l': 4.0, 'w': 2.0, 'h': 1.5, 'yaw': 0.0, 'label': 'Car'}
    """
    parts = line.split()
    if len(parts) not in (15, 16):
        raise InputError(f"a KITTI label line has 15 values (16 with a score): type truncated "
                         f"occluded alpha x1 y1 x2 y2 h w l x y z rotation_y; got {len(parts)}",
                         path=path, line=line_no)
    if parts[0] == "DontCare":
        return None
    try:
        h, w, length, x_cam, y_cam, z_cam, ry = (float(v) for v in parts[8:15])
        score = float(parts[15]) if len(parts) == 16 else None
    except ValueError:
        raise InputError("h w l x y z rotation_y (and score) must be numbers; got "
                         f"{' '.join(parts[8:])!r}", path=path, line=line_no) from None
    if min(h, w, length) <= 0:
        raise InputError(f"h, w and l must be > 0; got {h} {w} {length}", path=path,
                         line=line_no)
    out: dict[str, Any] = {"x": z_cam, "y": -x_cam, "z": -y_cam + h / 2, "l": length, "w": w,
                           "h": h, "yaw": _wrap(-ry - math.pi / 2), "label": parts[0]}
    if score is not None:
        out["score"] = min(1.0, max(0.0, score))
    return out
