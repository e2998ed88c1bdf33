"""MOT Challenge tracks (``gt.txt`` CSV) as video records with suggested tracks.

Reads the ZIP (or directory) ``accord export --format mot`` writes, any MOT
Challenge sequence folder layout (``<sequence>/gt/gt.txt`` with its
``seqinfo.ini``), or one ``gt.txt``-style file. Each sequence becomes a
record: external id ``accordExternalId`` of its ``seqinfo.ini``, else the
sequence name (a single file: its stem); the video field ``accordVideo``,
else ``<sequence>.mp4`` (under the media root). Lines are
``frame,id,bb_left,bb_top,bb_width,bb_height[,conf,...]`` with frames from 1;
a line whose ``conf`` is 0 (MOT ground truth's "ignore" flag) is skipped. The
tracks become a *suggestion* of the agent ``mot-import`` for the dataset's
``video_track`` question (:mod:`accord.io.importers.tracks`: boxes clipped to
the frame, keyframes where the motion changes); the frame size is
``imWidth``/``imHeight`` and the length ``seqLength`` (else the extent of the
boxes), labels come from ``accordLabels`` (else the question's first label).
With ``--create`` the dataset gets a ``video`` field (``fps`` the
``frameRate``) and a ``tracks`` question.
"""

from __future__ import annotations

import configparser
import math
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord
from accord.io.importers.tracks import tracks_value
from accord.schema import Settings, parse_settings

__all__ = ["AGENT", "MotSource", "parse_mot_lines"]

AGENT = "mot-import"


def parse_mot_lines(text: str, path: str) -> list[tuple[int, int, list[float], float]]:
    """``(frame from 0, track id, [x, y, w, h], conf)`` of each line of a MOT CSV.

    Raises
    ------
    InputError
        A line that is not ``frame,id,x,y,w,h[,...]`` (naming the file and line).
    """
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        try:
            frame, tid = int(float(cells[0])), int(float(cells[1]))
            box = [float(c) for c in cells[2:6]]
            conf = float(cells[6]) if len(cells) > 6 else 1.0
        except (ValueError, IndexError):
            raise InputError("expected frame,id,bb_left,bb_top,bb_width,bb_height[,conf,...], "
                             f"got {line[:80]!r}", path=path, line=n) from None
        if len(box) != 4 or not all(math.isfinite(v) for v in box) or frame < 1 or tid < 1:
            raise InputError("expected frames and ids >= 1 and four finite box numbers, got "
                             f"{line[:80]!r}", path=path, line=n)
        if conf != 0:
            out.append((frame - 1, tid, box, conf))
    return out


class _Sequence:
    def __init__(self, name: str, gt: str, gt_path: str, info: dict[str, str]) -> None:
        self.name, self.gt, self.gt_path, self.info = name, gt, gt_path, info

    def _json(self, key: str) -> Any:
        raw = self.info.get(key.lower())
        if raw is None:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InputError(f"{key} must be JSON, got {raw[:80]!r}", path=self.gt_path,
                             field=key) from None

    def labels(self) -> dict[str, str]:
        found = self._json("accordLabels")
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _number(info: dict[str, str], key: str) -> float | None:
    try:
        v = float(info[key.lower()])
    except (KeyError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


class MotSource:
    format = "mot"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._sequences: list[_Sequence] | None = None

    def _files(self) -> dict[str, bytes]:
        if self.path.is_dir():
            return {str(p.relative_to(self.path).as_posix()): p.read_bytes()
                    for p in sorted(self.path.rglob("*")) if p.is_file() and
                    p.name in ("gt.txt", "seqinfo.ini")}
        if zipfile.is_zipfile(self.path):
            with zipfile.ZipFile(self.path) as z:
                return {n: z.read(n) for n in sorted(z.namelist())
                        if PurePosixPath(n).name in ("gt.txt", "seqinfo.ini")}
        return {self.path.name: self.path.read_bytes()}

    def _load(self) -> list[_Sequence]:
        if self._sequences is not None:
            return self._sequences
        files = self._files()
        sequences = []
        for name, data in files.items():
            p = PurePosixPath(name)
            if p.name == "seqinfo.ini":
                continue
            if p.parent.name == "gt":
                seq_dir = p.parent.parent
                ini = files.get(str(seq_dir / "seqinfo.ini") if str(seq_dir) != "." else
                                "seqinfo.ini")
                info = self._ini(ini, f"{self.path}:{seq_dir / 'seqinfo.ini'}")
                seq = seq_dir.name or self.path.stem
            else:
                info, seq = {}, p.stem
            where = f"{self.path}:{name}" if name != self.path.name else str(self.path)
            sequences.append(_Sequence(seq, data.decode("utf-8"), where, info))
        if not sequences:
            raise InputError("no MOT tracks found: expected <sequence>/gt/gt.txt files (a ZIP or "
                             "a directory) or one gt.txt file", path=str(self.path))
        self._sequences = sequences
        return sequences

    def _ini(self, data: bytes | None, path: str) -> dict[str, str]:
        if data is None:
            return {}
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(data.decode("utf-8"))
        except configparser.Error as exc:
            raise InputError(f"not a seqinfo.ini: {exc}"[:200], path=path) from None
        return dict(parser["Sequence"]) if parser.has_section("Sequence") else {}

    def infer_settings(self) -> Settings:
        sequences = self._load()
        labels = list(dict.fromkeys(v for s in sequences for v in s.labels().values())) or \
            ["object"]
        fps = _number(sequences[0].info, "frameRate") or 25.0
        return parse_settings({"fields": [{"name": "video", "type": "video", "fps": fps}],
                               "questions": [{"name": "tracks", "type": "video_track",
                                              "field": "video", "labels": labels}]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        question = next((q for q in settings.questions if q.type == "video_track"), None)
        if question is None:
            raise InputError("importing MOT tracks needs a video_track question; the dataset's "
                             f"questions are {[q.name for q in settings.questions]}",
                             path=str(self.path), field="questions")
        for seq in self._load():
            try:
                yield self._record(seq, question)
            except InputError as exc:
                yield MigratedRecord(None, {}, error=exc)

    def _record(self, seq: _Sequence, question: Any) -> MigratedRecord:
        lines = parse_mot_lines(seq.gt, seq.gt_path)
        boxes: dict[int, list[dict[str, Any]]] = defaultdict(list)
        confs: dict[int, list[float]] = defaultdict(list)
        for frame, tid, (x, y, w, h), conf in lines:
            boxes[tid].append({"frame": frame, "x": _plain(x), "y": _plain(y), "w": _plain(w),
                               "h": _plain(h)})
            confs[tid].append(conf)
        named = seq.labels()
        first = next(iter(question.labels))
        labels = {tid: named.get(str(tid), first) for tid in boxes}
        unknown = sorted({v for v in labels.values() if v not in question.labels})
        if unknown:
            raise InputError(f"labels {unknown} are not labels of question {question.name!r}; "
                             f"expected {list(question.labels)}", path=seq.gt_path,
                             field="accordLabels")
        frames = int(_number(seq.info, "seqLength") or
                     max((f for f, *_ in lines), default=0) + 1)
        width = _plain(_number(seq.info, "imWidth") or max(
            (x + w for _, _, (x, _, w, _), _ in lines), default=1))
        height = _plain(_number(seq.info, "imHeight") or max(
            (y + h for _, _, (_, y, _, h), _ in lines), default=1))
        scores = {tid: sum(c) / len(c) for tid, c in confs.items()}
        value = tracks_value(boxes, labels, frames=frames, width=width, height=height,
                             scores=scores)
        video = seq._json("accordVideo") or f"{seq.name}.mp4"
        external_id = seq._json("accordExternalId") or seq.name
        suggestions = [(question.name, value, None, AGENT)] if value["tracks"] else []
        return MigratedRecord(None, {"external_id": str(external_id), question.field: video},
                              {"mot_sequence": seq.name}, suggestions=suggestions)


def _plain(v: float) -> int | float:
    """Whole numbers as ints (MOT files write ``10``, not ``10.0``)."""
    return int(v) if float(v).is_integer() else v
