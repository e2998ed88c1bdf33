"""A minimal PNG writer: 8-bit RGB, no filtering, zlib-compressed (numpy + zlib + struct).

Enough for the reliability diagram without matplotlib or Pillow. Layout per
the PNG specification (ISO/IEC 15948): the 8-byte signature, then IHDR,
IDAT and IEND chunks, each ``length, type, data, CRC-32(type + data)``; each
scanline is prefixed with filter type 0 (None).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from accord.atomic import atomic_output

__all__ = ["encode_png", "write_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(pixels: np.ndarray) -> bytes:
    """Encode an ``(height, width, 3)`` uint8 RGB array (or ``(height, width)`` grey).

    Examples
    --------
    >>> data = encode_png(np.zeros((2, 3, 3), dtype=np.uint8))
    >>> data[:8] == _SIGNATURE, struct.unpack(">II", data[16:24])
    (True, (3, 2))
    """
    img = np.asarray(pixels)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"expected an (height, width, 3) array, got shape {img.shape}")
    img = np.ascontiguousarray(img, dtype=np.uint8)
    height, width = img.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), dtype=np.uint8),
                           img.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header) +
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + _chunk(b"IEND", b""))


def write_png(path: str | Path, pixels: np.ndarray) -> None:
    """Write ``pixels`` as a PNG file, atomically."""
    data = encode_png(pixels)
    with atomic_output(path) as fh:
        fh.write(data)
