"""Atomic output files: written under a temporary name, renamed into place at the end.

A crash or Ctrl-C never leaves a half-written file under the final name. Only
a regular file is ever replaced: an output that names a directory, a device
(``/dev/full``), a FIFO, a socket or a symbolic link is refused before anything
is written, because renaming a file over it would destroy it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from accord.errors import InputError

__all__ = ["atomic_output", "atomic_directory", "check_file_target", "MARKER"]

_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")]


def check_file_target(path: str | Path) -> None:
    """Refuse an output path that exists and is not a regular file.

    Raises
    ------
    InputError
        Naming what ``path`` is (a directory, a device, a FIFO, ...).
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    hint = ("; give a file name inside it" if stat.S_ISDIR(mode) else
            "; accord writes a new file and renames it into place, which would replace it")
    raise InputError(f"the output exists and is {what}, not a regular file{hint}",
                     path=str(path))


@contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """Open a binary file that appears at ``path`` only if the block succeeds.

    Raises
    ------
    InputError
        When the parent directory is missing or ``path`` exists and is not a
        regular file (:func:`check_file_target`), before anything is written.
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory {str(parent)!r} does not exist", path=str(target))
    check_file_target(target)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        check_file_target(target)  # nothing took its place while we wrote
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
