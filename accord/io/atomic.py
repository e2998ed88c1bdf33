"""Atomic output files: written under a temporary name, renamed into place at the end.

A crash or Ctrl-C never leaves a half-written file under the final name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from accord.errors import InputError

__all__ = ["atomic_output", "atomic_directory", "MARKER"]


@contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """Open a binary file that appears at ``path`` only if the block succeeds."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory {str(parent)!r} does not exist", path=str(target))
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


MARKER = ".accord-export"


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Build a directory under a temporary name; it replaces ``path`` only if the block succeeds.

    An existing ``path`` is replaced only when it is empty or was written by
    this function (it holds the ``.accord-export`` marker file), so a typo
    never deletes someone's directory.

    Raises
    ------
    InputError
        When the parent directory is missing or ``path`` is another file or
        directory.
    """
    import shutil
    import uuid

    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory {str(parent)!r} does not exist", path=str(target))
    if target.exists() and (not target.is_dir() or (any(target.iterdir())
                                                    and not (target / MARKER).exists())):
        raise InputError("exists and is not an earlier accord export; choose another output "
                         "or remove it", path=str(target))
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".part"))
    try:
        yield tmp
        (tmp / MARKER).write_text("written by accord export\n")
        if target.exists():
            old = parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
