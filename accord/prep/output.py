"""Write prep outputs atomically: records, rejects and the report.

Every file is written to a temporary file in the destination directory and
moved into place with :func:`os.replace`, so a reader never sees a half
written output and a failed run leaves the previous file untouched.

Default locations, next to the output ``OUT.jsonl``: ``OUT.rejects.jsonl``
and ``OUT.report.md`` / ``OUT.report.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from accord.atomic import atomic_output
from accord.prep.jsonio import dumps_record
from accord.prep.pipeline import PrepResult
from accord.prep.report import render_markdown

__all__ = ["default_paths", "write_atomic", "write_result"]


def write_atomic(path: str | Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``path`` atomically (:func:`accord.atomic.atomic_output`), creating
    its directory.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(p, [b"a", b"b"])
    >>> p.read_bytes()
    b'ab'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as f:
        for chunk in chunks:
            f.write(chunk)


def default_paths(out: str | Path) -> tuple[Path, Path]:
    """Default rejects file and report base for output ``out``.

    Examples
    --------
    >>> [str(p) for p in default_paths("data/clean.jsonl")]
    ['data/clean.rejects.jsonl', 'data/clean.report']
    """
    out = Path(out)
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    return out.with_name(f"{stem}.rejects.jsonl"), out.with_name(f"{stem}.report")


def _lines(lines: Iterable[bytes]) -> Iterable[bytes]:
    for line in lines:
        yield line
        yield b"\n"


def write_result(
    result: PrepResult,
    out: str | Path,
    *,
    rejects: str | Path | None = None,
    report: str | Path | None = None,
) -> dict[str, Path]:
    """Write records, rejects and report (markdown and JSON) atomically.

    Parameters
    ----------
    result : PrepResult
    out : str or Path
        JSONL file for the kept records.
    rejects : str or Path, optional
        JSONL file for the dropped records (default ``OUT.rejects.jsonl``).
    report : str or Path, optional
        Report base path: ``REPORT.md`` and ``REPORT.json`` are written
        (default ``OUT.report``).

    Returns
    -------
    dict
        Paths written, keyed ``out``, ``rejects``, ``report_md``, ``report_json``.
    """
    default_rejects, default_report = default_paths(out)
    rejects_path = Path(rejects) if rejects is not None else default_rejects
    base = Path(report) if report is not None else default_report
    if base.suffix in (".md", ".json"):
        base = base.with_suffix("")
    md_path, json_path = Path(f"{base}.md"), Path(f"{base}.json")
    report_doc: dict[str, Any] = dict(result.report, output=str(out), rejects=str(rejects_path))
    write_atomic(out, _lines(result.lines))
    write_atomic(rejects_path, _lines(dumps_record(r.to_dict()) for r in result.rejects))
    write_atomic(json_path, [orjson.dumps(report_doc, option=orjson.OPT_INDENT_2), b"\n"])
    write_atomic(md_path, [render_markdown(report_doc).encode("utf-8")])
    return {
        "out": Path(out),
        "rejects": rejects_path,
        "report_md": md_path,
        "report_json": json_path,
    }
