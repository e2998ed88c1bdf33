"""Data preparation: text repair, dedupe (exact and MinHash), PII, filters, language.

Works on plain records (iterables of JSON objects) and never imports the
store, the server or the workflow. Entry points:

- :func:`accord.prep.pipeline.run_prep` with a
  :class:`accord.prep.config.PrepConfig` (library);
- :class:`accord.prep.reader.RecordReader` and
  :func:`accord.prep.output.write_result` for files;
- ``accord prep IN -o OUT`` (CLI, :mod:`accord.cli.prep`).

See ``docs/prep.md``.
"""

from __future__ import annotations

from accord.prep.config import PrepConfig
from accord.prep.output import write_result
from accord.prep.pipeline import PrepResult, Reject, run_prep
from accord.prep.reader import RecordReader

__all__ = ["PrepConfig", "PrepResult", "RecordReader", "Reject", "run_prep", "write_result"]
