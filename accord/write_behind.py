"""A file written front to back whose pages go to the disk, and leave the page cache, as it
is written.

Writing a large file through the page cache costs more than the copy: every page of it
is a new page of memory, and on a virtual machine that returns free memory to its host
(free page reporting, a balloon) a new page may first have to be faulted in from the host.
On the 2-core test VM, writing 1.8 GB took 10 to 20 s of system time that way, or 0.6 s
when the page cache happened to hand back pages still mapped (docs/benchmarks.md,
"PostgreSQL export toward 10 s"). Handing each window of 8 MiB to the disk
(``sync_file_range``) once the next one is written, waiting for it, and dropping its pages
(``posix_fadvise(DONTNEED)``) keeps the file's footprint at two windows, so the same few
pages are used again and again: 0.5 s of system time for 1.8 GB, every time. The final
``fsync`` of :func:`accord.atomic.atomic_path` then has almost nothing left to write.

Nothing here decides what the file holds: the calls only say when its pages are written
back and that they may be dropped once clean. An error of the disk is reported by the
final ``fsync``, as without them. Where ``sync_file_range`` is missing (not Linux) the file
is written as a plain :class:`io.FileIO`.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["WINDOW", "WriteBehindFile", "open_write_behind"]

WINDOW = 8 << 20  #: bytes handed to the disk at a time
_BUFFER = 1 << 20

# sync_file_range flags (linux/fs.h)
_WAIT_BEFORE, _WRITE, _WAIT_AFTER = 1, 2, 4


def _sync_file_range() -> Any:
    """libc's ``sync_file_range``, or None where there is none."""
    if not sys.platform.startswith("linux") or not hasattr(os, "posix_fadvise"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


_SYNC_FILE_RANGE: Any = False  # looked up on first use (ctypes is not imported before)


def _sync_call() -> Any:
    global _SYNC_FILE_RANGE
    if _SYNC_FILE_RANGE is False:
        _SYNC_FILE_RANGE = _sync_file_range()
    return _SYNC_FILE_RANGE


class WriteBehindFile(io.FileIO):
    """A new file opened for writing (``"wb"``), written back a window at a time.

    Every :data:`WINDOW` bytes written, the new window's pages are handed to the disk, and
    the window before it is waited for and dropped from the page cache. A seek (ZIP
    archives write their headers back) only moves where the next window starts.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "wb")
        self._sync = _sync_call()
        self._start = 0  # where the window being filled starts
        self._filled = 0  # bytes written since the last window was handed over
        self._previous: tuple[int, int] | None = None  # the window being written back

    def write(self, data: Any, /) -> int:
        n = super().write(data)
        if n and self._sync is not None:
            self._filled += n
            if self._filled >= WINDOW:
                self._hand_over()
        return n

    def _hand_over(self) -> None:
        end = self.tell()
        self._filled = 0
        if end <= self._start:  # written behind a seek back: start again from here
            self._start = end
            return
        fd, start = self.fileno(), self._start
        if self._sync(fd, start, end - start, _WRITE) != 0:
            self._sync = None  # not for this file (the final fsync writes it)
            return
        if self._previous is not None:
            offset, length = self._previous
            if self._sync(fd, offset, length, _WAIT_BEFORE | _WRITE | _WAIT_AFTER) == 0:
                os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
        self._previous, self._start = (start, end - start), end


def open_write_behind(path: str | Path) -> io.BufferedWriter:
    """``open(path, "wb")`` with a 1 MiB buffer over a :class:`WriteBehindFile`."""
    return io.BufferedWriter(WriteBehindFile(path), _BUFFER)
