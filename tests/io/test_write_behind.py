"""accord.write_behind: a large output leaves the page cache as it is written, and its
bytes are exactly what was written (seeks back included)."""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from accord.atomic import atomic_output
from accord.write_behind import WINDOW

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux calls")


def _filesystem(path: Path) -> str:
    """The type of the filesystem holding ``path`` (from /proc/self/mountinfo)."""
    best, kind = "", ""
    target = str(path.resolve())
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            left, right = line.split(" - ", 1)
            point = left.split()[4]
            if (target == point or target.startswith(point.rstrip("/") + "/")) and \
                    len(point) >= len(best):
                best, kind = point, right.split()[0]
    return kind


def _resident_pages(path: Path) -> tuple[int, int]:
    """(pages of ``path`` in the page cache, pages in all), by mincore(2)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    size, page = path.stat().st_size, os.sysconf("SC_PAGE_SIZE")
    count = (size + page - 1) // page
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        assert addr not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()
        try:
            vec = (ctypes.c_ubyte * count)()
            assert libc.mincore(addr, size, vec) == 0, ctypes.get_errno()
            return sum(b & 1 for b in vec), count
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)


_MEMORY_ONLY = ("tmpfs", "ramfs", "overlay", "")  # the page cache is the file's only copy
_REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def disk_dir(tmp_path):
    """A directory on a disk-backed filesystem: the test's temp directory, else a scratch
    directory in the repository's checkout (removed afterwards)."""
    if _filesystem(tmp_path) not in _MEMORY_ONLY:
        yield tmp_path
        return
    if _filesystem(_REPOSITORY) in _MEMORY_ONLY:
        pytest.skip(f"no disk-backed directory: {tmp_path} and {_REPOSITORY} are in memory")
    scratch = Path(tempfile.mkdtemp(prefix=".write-behind-", dir=_REPOSITORY))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@linux
def test_a_large_output_does_not_stay_in_the_page_cache(disk_dir):
    target = disk_dir / "big.jsonl"
    block = os.urandom(1 << 16)
    with atomic_output(target) as fh:
        for _ in range(4 * WINDOW // len(block)):
            fh.write(block)
    resident, pages = _resident_pages(target)
    # all of it stays cached with plain writes; written behind, about the last window
    assert pages == 4 * WINDOW // os.sysconf("SC_PAGE_SIZE")
    assert resident <= pages // 2, (resident, pages)
    assert target.read_bytes() == block * (4 * WINDOW // len(block))


def test_the_bytes_are_those_written_across_windows_and_seeks(tmp_path):
    rng = random.Random(7)
    noise = os.urandom(4 << 20)
    expected = bytearray()
    target = tmp_path / "out.bin"
    with atomic_output(target) as fh:
        while len(expected) < 3 * WINDOW:
            size = rng.choice([1, 4095, 70_000, 1 << 20, 3 << 20])
            at = rng.randrange(len(noise) - size)
            data = noise[at:at + size]
            fh.write(data)
            expected += data
            if rng.random() < 0.2:  # write over an earlier part, then go on at the end
                at = rng.randrange(len(expected))
                patch = os.urandom(min(5000, len(expected) - at))
                fh.seek(at)
                fh.write(patch)
                expected[at:at + len(patch)] = patch
                fh.seek(0, os.SEEK_END)
    assert target.read_bytes() == bytes(expected)


def test_a_zip_archive_written_behind_reads_back(tmp_path):
    """zipfile writes each entry's header again after its data (a seek back)."""
    target = tmp_path / "out.zip"
    noise = os.urandom(4 << 20)
    entries = {f"f{i}.bin": noise[i << 18:(i << 18) + (3 << 20)] for i in range(4)}
    with atomic_output(target) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    with zipfile.ZipFile(target) as z:
        assert {n: z.read(n) for n in z.namelist()} == entries
