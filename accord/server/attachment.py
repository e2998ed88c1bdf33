"""The ``Content-Disposition`` of a file answer, built in one place for every route.

A header value is Latin-1 text on one line: a name with a quote, a line break or a
character outside Latin-1 (a dataset stored before dataset names had a rule, e.g. by
``accord dataset create``) would break the header or the answer (a 500). The file name
keeps ASCII letters, digits, ``.``, ``_`` and ``-``; any other run becomes ``_``.
"""

from __future__ import annotations

import re

__all__ = ["attachment"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a browser save the answer as ``filename`` (made safe).

    >>> attachment("hh-dpo.train.jsonl")
    {'Content-Disposition': 'attachment; filename="hh-dpo.train.jsonl"'}
    >>> attachment('数据 "x"\\n-timesheet.csv')
    {'Content-Disposition': 'attachment; filename="_x_-timesheet.csv"'}
    """
    return {"Content-Disposition": f'attachment; filename="{_UNSAFE.sub("_", filename)}"'}
