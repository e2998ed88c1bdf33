"""Calibration: ECE on constructed cases with known answers, thresholds, the PNG."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from accord.assist import (
    calibration_report,
    expected_calibration_error,
    reliability_bins,
    reliability_diagram,
    threshold_for_precision,
)
from accord.assist.png import encode_png
from accord.errors import InputError


def test_ece_known_answer():
    # bin [0.9, 1.0]: 10 answers at 0.95, 8 correct -> gap 0.15
    # bin [0.5, 0.6): 10 answers at 0.55, 5 correct -> gap 0.05
    conf = [0.95] * 10 + [0.55] * 10
    correct = [1] * 8 + [0] * 2 + [1] * 5 + [0] * 5
    assert expected_calibration_error(conf, correct) == pytest.approx(0.5 * 0.15 + 0.5 * 0.05)
    report = calibration_report(conf, correct)
    assert report.mce == pytest.approx(0.15) and report.accuracy == pytest.approx(0.65)
    assert report.brier == pytest.approx((8 * 0.05**2 + 2 * 0.95**2 + 5 * 0.45**2
                                          + 5 * 0.55**2) / 20)
    counts = [b.count for b in report.bins]
    assert counts == [0, 0, 0, 0, 0, 10, 0, 0, 0, 10]


def test_ece_of_calibrated_and_overconfident_models():
    rng = np.random.default_rng(7)
    conf = rng.uniform(0, 1, 20000)
    calibrated = rng.uniform(0, 1, conf.size) < conf
    assert expected_calibration_error(conf, calibrated) < 0.02
    overconfident = rng.uniform(0, 1, conf.size) < conf ** 2  # accuracy c^2 at confidence c
    # expected gap E[c - c^2] over c ~ U(0, 1) = 1/2 - 1/3 = 1/6 (binning blurs it slightly)
    assert expected_calibration_error(conf, overconfident) == pytest.approx(1 / 6, abs=0.02)


def test_fractional_correctness_and_edges():
    assert expected_calibration_error([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0)
    assert [b.count for b in reliability_bins([0.0, 1.0], [0, 1], n_bins=4)] == [1, 0, 0, 1]
    with pytest.raises(InputError, match="no scored suggestions"):
        expected_calibration_error([], [])
    with pytest.raises(InputError, match="within"):
        expected_calibration_error([1.2], [1])


def test_threshold_for_target_precision():
    conf = [0.99, 0.95, 0.9, 0.9, 0.8, 0.7, 0.6]
    correct = [1, 1, 1, 0, 1, 0, 0]
    t = threshold_for_precision(conf, correct, 0.8)
    # accepting >= 0.8 gives 4/5 correct; >= 0.7 gives 4/6 < 0.8
    assert (t.threshold, t.precision, t.accepted) == (0.8, 0.8, 5)
    assert t.coverage == pytest.approx(5 / 7)
    t = threshold_for_precision(conf, correct, 1.0)
    assert t.threshold == 0.95  # ties at 0.9 are accepted together, and one of them is wrong
    assert threshold_for_precision(conf, correct, 1.0, min_accepted=3) is None
    with pytest.raises(InputError, match="target precision"):
        threshold_for_precision(conf, correct, 0.0)


def _read_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * 3)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(height, width, 3)


def test_png_round_trip():
    img = np.zeros((3, 4, 3), dtype=np.uint8)
    img[1, 2] = (10, 20, 30)
    assert (_read_png(encode_png(img)) == img).all()
    with pytest.raises(ValueError):
        encode_png(np.zeros((2, 2, 4), dtype=np.uint8))


def test_reliability_diagram_draws_the_bins(tmp_path):
    conf = [0.95] * 10 + [0.55] * 10
    correct = [1] * 8 + [0] * 2 + [1] * 5 + [0] * 5
    path = tmp_path / "r.png"
    reliability_diagram(calibration_report(conf, correct), path, title="y", size=400)
    img = _read_png(path.read_bytes())
    assert img.shape == (400, 400, 3)
    blue = np.all(img == (66, 114, 196), axis=2)
    red = np.all(img == (214, 69, 65), axis=2)
    assert blue.sum() > 1000 and red.sum() > 50
    columns = np.flatnonzero(blue.any(axis=0))
    left, right = 84, 400 - 20
    # bars only over the 0.5-0.6 and 0.9-1.0 bins
    assert all(left + 0.5 * (right - left) <= c <= left + 0.6 * (right - left) or
               c >= left + 0.9 * (right - left) for c in columns)
