"""Point-cloud files of ``point_cloud`` fields: PCD (ASCII, binary) and KITTI velodyne ``.bin``.

One parser for every reader: the server converts a file to the compact
float32 stream the viewer loads (:func:`to_float32_bytes`), and exports and
quality count the points inside cuboids from the same array.

Formats
-------
- PCD v0.7 (Point Cloud Library, https://pointclouds.org/documentation/tutorials/pcd_file_format.html):
  a text header (``FIELDS``, ``SIZE``, ``TYPE``, ``COUNT``, ``WIDTH``, ``HEIGHT``,
  ``POINTS``, ``DATA``), then the points as ``ascii`` lines or packed ``binary``
  records (little-endian). Fields ``x y z`` are required; ``intensity`` (or ``i``,
  ``reflectance``) is read when present, else 0. ``binary_compressed`` is refused.
  Points with a non-finite coordinate (PCL writes NaN for invalid points) are dropped.
- KITTI velodyne ``.bin`` (Geiger et al. 2012): float32 records ``x, y, z,
  reflectance``, little-endian, no header.

Every array returned is ``float32`` of shape ``(n, 4)``: ``x, y, z, intensity``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accord.errors import InputError

__all__ = ["POINT_CLOUD_SUFFIXES", "parse_point_cloud", "read_point_cloud", "to_float32_bytes"]

POINT_CLOUD_SUFFIXES = (".pcd", ".bin")
"""The file suffixes a ``point_cloud`` field may name."""

_INTENSITY = ("intensity", "i", "reflectance", "remission")
_TYPES = {("F", 4): "<f4", ("F", 8): "<f8", ("I", 1): "i1", ("I", 2): "<i2", ("I", 4): "<i4",
          ("I", 8): "<i8", ("U", 1): "u1", ("U", 2): "<u2", ("U", 4): "<u4", ("U", 8): "<u8"}
_MAX_HEADER = 64 * 1024


def _fail(name: str, message: str, line: int | None = None) -> InputError:
    return InputError(message, path=name, line=line)


def _kitti_bin(data: bytes, name: str) -> np.ndarray:
    if len(data) % 16:
        raise _fail(name, f"a KITTI velodyne .bin file holds float32 x, y, z, reflectance "
                    f"records of 16 bytes; the file has {len(data)} bytes, not a multiple of 16")
    return np.frombuffer(data, dtype="<f4").reshape(-1, 4).astype(np.float32)


def _header(data: bytes, name: str) -> tuple[dict[str, list[str]], int, int]:
    """The header's entries, the byte offset of the data and the line number of DATA."""
    entries: dict[str, list[str]] = {}
    pos = 0
    line_no = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0 or end > _MAX_HEADER:
            raise _fail(name, "a PCD header ends with a DATA line (ascii or binary); none found")
        line_no += 1
        try:
            text = data[pos:end].decode("ascii").strip()
        except UnicodeDecodeError:
            raise _fail(name, "the PCD header is not ASCII text", line_no) from None
        pos = end + 1
        if not text or text.startswith("#"):
            continue
        key, *values = text.split()
        entries[key.upper()] = values
        if key.upper() == "DATA":
            return entries, pos, line_no


def _pcd(data: bytes, name: str) -> np.ndarray:
    entries, offset, data_line = _header(data, name)
    for key in ("FIELDS", "SIZE", "TYPE"):
        if key not in entries:
            raise _fail(name, f"the PCD header has no {key} line; expected FIELDS, SIZE, TYPE, "
                        "COUNT, WIDTH, HEIGHT, POINTS and DATA")
    fields = entries["FIELDS"]
    sizes, types = entries["SIZE"], entries["TYPE"]
    counts = entries.get("COUNT", ["1"] * len(fields))
    if not len(fields) == len(sizes) == len(types) == len(counts):
        raise _fail(name, f"the PCD header's FIELDS ({len(fields)}), SIZE ({len(sizes)}), "
                    f"TYPE ({len(types)}) and COUNT ({len(counts)}) lines differ in length")
    lower = [f.lower() for f in fields]
    missing = [k for k in ("x", "y", "z") if k not in lower]
    if missing:
        raise _fail(name, f"the PCD file has no field {', '.join(missing)}; expected fields x y z "
                    f"[intensity], got {' '.join(fields)}")
    try:
        n = int(entries.get("POINTS", [""])[0] or 0) or \
            int(entries["WIDTH"][0]) * int(entries.get("HEIGHT", ["1"])[0])
        shape = [(int(s), t.upper(), int(c)) for s, t, c in zip(sizes, types, counts,
                                                                strict=True)]
    except (KeyError, ValueError, IndexError):
        raise _fail(name, "the PCD header's POINTS (or WIDTH and HEIGHT), SIZE and COUNT must be "
                    "integers") from None
    kind = entries["DATA"][0].lower() if entries["DATA"] else ""
    # column of each field's first value in a flat row of all values
    starts, col = [], 0
    for _, _, c in shape:
        starts.append(col)
        col += c
    if kind == "ascii":
        rows = [r for r in data[offset:].decode("ascii", "replace").splitlines() if r.strip()]
        if len(rows) != n:
            raise _fail(name, f"the PCD header says POINTS {n} but {len(rows)} data lines follow")
        try:
            table = np.array([r.split() for r in rows], dtype=np.float64).reshape(n, col)
        except ValueError:
            raise _fail(name, f"every ascii PCD data line needs {col} numbers "
                        f"({' '.join(fields)})", data_line + 1) from None
    elif kind == "binary":
        dtypes = []
        for (size, typ, _), field in zip(shape, fields, strict=True):
            code = _TYPES.get((typ, size))
            if code is None:
                raise _fail(name, f"PCD field {field!r} has TYPE {typ} SIZE {size}; expected "
                            "F 4/8, I or U 1/2/4/8")
            dtypes.append(code)
        dtype = np.dtype([(f"f{i}", code, (c,)) for i, (code, (_, _, c))
                          in enumerate(zip(dtypes, shape, strict=True))])
        body = data[offset:]
        if len(body) < n * dtype.itemsize:
            raise _fail(name, f"the PCD header says POINTS {n} of {dtype.itemsize} bytes "
                        f"({n * dtype.itemsize} bytes) but the binary data has {len(body)}")
        records = np.frombuffer(body, dtype=dtype, count=n)
        table = np.concatenate([records[f"f{i}"].astype(np.float64).reshape(n, -1)
                                for i in range(len(fields))], axis=1) if n else np.zeros((0, col))
    else:
        raise _fail(name, f"PCD DATA {kind or '(empty)'} is not supported; expected DATA ascii "
                    "or DATA binary (save binary_compressed files as binary)", data_line)
    out = np.zeros((n, 4), dtype=np.float32)
    for k, axis in enumerate(("x", "y", "z")):
        out[:, k] = table[:, starts[lower.index(axis)]]
    intensity = next((lower.index(f) for f in _INTENSITY if f in lower), None)
    if intensity is not None:
        out[:, 3] = table[:, starts[intensity]]
    return out[np.isfinite(out[:, :3]).all(axis=1)]


def parse_point_cloud(data: bytes, name: str) -> np.ndarray:
    """The points of a PCD or KITTI ``.bin`` file's bytes, as float32 ``(n, 4)``.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file name: its suffix picks the format, and errors name it.

    Raises
    ------
    InputError
        Unknown suffix or a malformed file (``path`` is ``name``; what was expected).

    Examples
    --------
    >>> pcd = b"FIELDS x y z\\nSIZE 4 4 4\\nTYPE F F F\\nCOUNT 1 1 1\\nWIDTH 2\\nHEIGHT 1\\n" \\
    ...       b"POINTS 2\\nDATA ascii\\n1 2 3\\n4 5 6\\n"
    >>> parse_point_cloud(pcd, "a.pcd").tolist()
    [[1.0, 2.0, 3.0, 0.0], [4.0, 5.0, 6.0, 0.0]]
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".bin":
        return _kitti_bin(data, name)
    if suffix == ".pcd":
        return _pcd(data, name)
    raise _fail(name, f"not a point-cloud file; expected one of {', '.join(POINT_CLOUD_SUFFIXES)}")


def read_point_cloud(path: str | Path) -> np.ndarray:
    """:func:`parse_point_cloud` of a file on disk."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise _fail(str(p), f"cannot read the point cloud: {exc.strerror or exc}") from None
    return parse_point_cloud(data, str(p))


def to_float32_bytes(points: np.ndarray) -> bytes:
    """The viewer's format: little-endian float32 ``x, y, z, intensity`` per point."""
    return np.ascontiguousarray(points, dtype="<f4").tobytes()
