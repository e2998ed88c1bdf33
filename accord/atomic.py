"""Atomic output files: written under a temporary name, renamed into place at the end.

A crash or Ctrl-C never leaves a half-written file under the final name: the data is written
to ``.<name>.<random>.part`` beside the target, flushed to disk, then :func:`os.replace`-d
over the target, and the directory entry is flushed too. Every file accord writes for a user
(exports, dataset cards, prep output, backups, reject lists, aggregate CSVs, the assist
cache) goes through here. It sits beside ``accord.errors``, below every layer, so that
``store``, ``prep`` and ``io`` can all use it.

Only a regular file is ever replaced: an output that names a directory, a device
(``/dev/full``), a FIFO, a socket or a symbolic link is refused before anything is written,
because renaming a file over it would destroy it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from accord.errors import InputError
from accord.write_behind import open_write_behind

__all__ = ["atomic_path", "atomic_output", "atomic_directory", "check_file_target", "MARKER"]

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


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path, *, private: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path``; it becomes ``path`` only if the block succeeds.

    For writers that need a file name (SQLite's backup API, ``pg_dump``). The file gets the
    permissions ``open()`` would give it, or owner-only ones when ``private`` (backups hold
    password hashes).

    Raises
    ------
    InputError
        When the directory of ``path`` does not exist or ``path`` exists and is not a regular
        file (:func:`check_file_target`), before anything is written.
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory {str(parent)!r} does not exist", path=str(target))
    check_file_target(target)
    fd, name = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        if not private:
            os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        _fsync(tmp)
        check_file_target(target)  # nothing took its place while we wrote
        os.replace(tmp, target)
        _fsync(parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_output(path: str | Path, *, encoding: str | None = None, newline: str | None = None,
                  private: bool = False) -> Iterator[IO[Any]]:
    """Open a file that appears at ``path`` only if the block succeeds.

    Binary (1 MiB buffer; its pages are written back and leave the page cache as it is
    written: :mod:`accord.write_behind`) unless ``encoding`` is given, then text with
    ``newline`` as in :func:`open`.
    """
    with atomic_path(path, private=private) as tmp:
        if encoding is None:
            with open_write_behind(tmp) as fh:
                yield fh
        else:
            with open(tmp, "w", encoding=encoding, newline=newline) as fh:
                yield fh


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
