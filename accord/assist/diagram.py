"""The reliability diagram (Guo et al. 2017, fig. 1), drawn on a numpy canvas.

Bars show each confidence bin's accuracy, a red outline the gap up to the
bin's mean confidence, a dashed diagonal perfect calibration, and the grey
strip at the bottom how many answers fall in each bin. Text uses a built-in
5x7 bitmap font (upper case, digits and a few signs), so no font file or
plotting library is needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accord.assist.calibration import CalibrationReport
from accord.assist.png import write_png

__all__ = ["Canvas", "reliability_diagram"]

_GLYPHS = {
    "0": (14, 17, 19, 21, 25, 17, 14), "1": (4, 12, 4, 4, 4, 4, 14),
    "2": (14, 17, 1, 2, 4, 8, 31), "3": (31, 2, 4, 2, 1, 17, 14),
    "4": (2, 6, 10, 18, 31, 2, 2), "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14), "7": (31, 1, 2, 4, 8, 8, 8),
    "8": (14, 17, 17, 14, 17, 17, 14), "9": (14, 17, 17, 15, 1, 2, 12),
    "A": (14, 17, 17, 17, 31, 17, 17), "B": (30, 17, 17, 30, 17, 17, 30),
    "C": (14, 17, 16, 16, 16, 17, 14), "D": (28, 18, 17, 17, 17, 18, 28),
    "E": (31, 16, 16, 30, 16, 16, 31), "F": (31, 16, 16, 30, 16, 16, 16),
    "G": (14, 17, 16, 23, 17, 17, 15), "H": (17, 17, 17, 31, 17, 17, 17),
    "I": (14, 4, 4, 4, 4, 4, 14), "J": (7, 2, 2, 2, 2, 18, 12),
    "K": (17, 18, 20, 24, 20, 18, 17), "L": (16, 16, 16, 16, 16, 16, 31),
    "M": (17, 27, 21, 21, 17, 17, 17), "N": (17, 17, 25, 21, 19, 17, 17),
    "O": (14, 17, 17, 17, 17, 17, 14), "P": (30, 17, 17, 30, 16, 16, 16),
    "Q": (14, 17, 17, 17, 21, 18, 13), "R": (30, 17, 17, 30, 20, 18, 17),
    "S": (15, 16, 16, 14, 1, 1, 30), "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14), "V": (17, 17, 17, 17, 17, 10, 4),
    "W": (17, 17, 17, 21, 21, 21, 10), "X": (17, 17, 10, 4, 10, 17, 17),
    "Y": (17, 17, 17, 10, 4, 4, 4), "Z": (31, 1, 2, 4, 8, 16, 31),
    ".": (0, 0, 0, 0, 0, 12, 12), ":": (0, 12, 12, 0, 12, 12, 0),
    "=": (0, 0, 31, 0, 31, 0, 0), "-": (0, 0, 0, 31, 0, 0, 0),
    "/": (0, 1, 2, 4, 8, 16, 0), "%": (24, 25, 2, 4, 8, 19, 3),
    "(": (2, 4, 8, 8, 8, 4, 2), ")": (8, 4, 2, 2, 2, 4, 8),
    "_": (0, 0, 0, 0, 0, 0, 31), " ": (0, 0, 0, 0, 0, 0, 0),
}
WHITE, BLACK, GREY = (255, 255, 255), (30, 30, 30), (200, 200, 200)
BLUE, RED = (66, 114, 196), (214, 69, 65)


class Canvas:
    """An RGB image with rectangles, lines and bitmap text; (0, 0) is the top left."""

    def __init__(self, width: int, height: int, background: tuple[int, int, int] = WHITE):
        self.pixels = np.empty((height, width, 3), dtype=np.uint8)
        self.pixels[:] = background

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        """Fill the rectangle between the corners (inclusive, clipped to the canvas)."""
        xa, xb = sorted((x0, x1))
        ya, yb = sorted((y0, y1))
        xa, ya = max(xa, 0), max(ya, 0)
        xb, yb = min(xb, self.width - 1), min(yb, self.height - 1)
        if xa <= xb and ya <= yb:
            self.pixels[ya:yb + 1, xa:xb + 1] = color

    def outline(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int],
                width: int = 1) -> None:
        for d in range(width):
            self.rect(x0 + d, y0, x0 + d, y1, color)
            self.rect(x1 - d, y0, x1 - d, y1, color)
            self.rect(x0, y0 + d, x1, y0 + d, color)
            self.rect(x0, y1 - d, x1, y1 - d, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int], *,
             dash: int = 0, width: int = 1) -> None:
        """A straight line, sampled densely; ``dash`` > 0 draws dashes of that length."""
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            if dash and (i // dash) % 2:
                continue
            x = round(x0 + (x1 - x0) * i / steps)
            y = round(y0 + (y1 - y0) * i / steps)
            self.rect(x, y, x + width - 1, y + width - 1, color)

    def text(self, x: int, y: int, text: str, color: tuple[int, int, int] = BLACK, *,
             scale: int = 2, vertical: bool = False) -> None:
        """Draw ``text`` (upper-cased) with its top left at (x, y); unknown characters are blank."""
        for ch in text.upper():
            rows = _GLYPHS.get(ch, _GLYPHS[" "])
            for r, bits in enumerate(rows):
                for c in range(5):
                    if bits >> (4 - c) & 1:
                        self.rect(x + c * scale, y + r * scale, x + c * scale + scale - 1,
                                  y + r * scale + scale - 1, color)
            if vertical:
                y += 9 * scale
            else:
                x += 6 * scale

    @staticmethod
    def text_width(text: str, scale: int = 2) -> int:
        return len(text) * 6 * scale - scale


def reliability_diagram(report: CalibrationReport, path: str | Path, *, title: str = "",
                        size: int = 480) -> None:
    """Draw ``report`` as a reliability diagram PNG at ``path``."""
    canvas = Canvas(size, size)
    left, right, top, bottom = 84, size - 20, 56, size - 92
    span_x, span_y = right - left, bottom - top

    def px(v: float) -> int:
        return left + round(v * span_x)

    def py(v: float) -> int:
        return bottom - round(v * span_y)

    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        canvas.line(px(tick), top, px(tick), bottom, GREY)
        canvas.line(left, py(tick), right, py(tick), GREY)
        label = f"{tick:g}"
        canvas.text(px(tick) - Canvas.text_width(label) // 2, bottom + 8, label)
        canvas.text(left - 8 - Canvas.text_width(label), py(tick) - 7, label)
    for b in report.bins:
        if not b.count:
            continue
        x0, x1 = px(b.lower) + 2, px(b.upper) - 2
        canvas.rect(x0, py(b.accuracy), x1, bottom, BLUE)
        lo, hi = sorted((b.accuracy, b.confidence))
        if hi - lo > 1e-9:
            canvas.outline(x0, py(hi), x1, py(lo), RED, width=2)
    canvas.line(px(0), py(0), px(1), py(1), BLACK, dash=6, width=2)
    canvas.outline(left, top, right, bottom, BLACK)
    most = max((b.count for b in report.bins), default=0) or 1
    strip_top, strip_bottom = bottom + 28, bottom + 52
    for b in report.bins:
        if b.count:
            h = round((strip_bottom - strip_top) * b.count / most)
            canvas.rect(px(b.lower) + 2, strip_bottom - h, px(b.upper) - 2, strip_bottom,
                        (150, 150, 150))
    canvas.text(left, size - 30, "CONFIDENCE  (BARS: ACCURACY, GREY: COUNT)", scale=1)
    canvas.text(6, top + 40, "ACCURACY", scale=2, vertical=True)
    head = f"ECE {report.ece:.3f}  N {report.n}"
    canvas.text(left, 12, (title + "  " if title else "") + head, scale=2)
    canvas.text(left, 34, f"ACCURACY {report.accuracy:.3f}  MCE {report.mce:.3f}", scale=1)
    write_png(path, canvas.pixels)
