"""``accord import --prep``: run the prep pipeline on a file before importing it.

The prep pipeline (:mod:`accord.prep`) works on the whole file in memory, so
this path suits files that fit in memory; records it drops are reported with
the import's rejected lines (line number, step and reason) and are never
imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.io.readers import read_rows

__all__ = ["load_prep_config", "prepared_rows"]


def load_prep_config(data: dict[str, Any] | str | Path | None) -> Any:
    """A :class:`accord.prep.PrepConfig` from a mapping or a YAML/JSON file (None: defaults)."""
    from accord.prep import PrepConfig

    if data is None:
        return PrepConfig()
    source = None
    if isinstance(data, (str, Path)):
        from accord.schema.yaml_lines import read_yaml

        source = str(data)
        data = read_yaml(data).data or {}
    if not isinstance(data, dict):
        raise InputError("prep options must be a mapping of option to value", path=source)
    known = set(PrepConfig.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"unknown prep option {unknown[0]!r}; options are {sorted(known)}",
                         path=source, field=unknown[0])
    options = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
               if isinstance(v, list) else v for k, v in data.items()}
    return PrepConfig(**options)


def prepared_rows(path: Path, fmt: str, config: Any, *, executor: str = "local"
                  ) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int | None, str]],
                             dict[str, Any]]:
    """Read ``path``, run prep, and return ``(kept (line, row) pairs, rejects, report)``."""
    from accord.prep import run_prep

    numbered = list(read_rows(path, fmt))
    result = run_prep([row for _, row in numbered], config, executor=executor, source=str(path))
    dropped = {rj.index for rj in result.rejects}
    kept_lines = [line for i, (line, _) in enumerate(numbered) if i not in dropped]
    rows = list(zip(kept_lines, result.records))
    rejects = [(rj.line if rj.line is not None else numbered[rj.index][0],
                f"prep {rj.step}: {rj.reason}") for rj in result.rejects]
    return rows, rejects, result.report
