"""Backup and restore of a whole accord database.

SQLite: SQLite's online backup API copies a consistent snapshot (writers keep
going under WAL) into a temporary file next to the output, which is checked
and renamed into place, so a crash never leaves a partial backup under the
final name. Restoring copies the backup into the target through the same API
in one write transaction.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot) and
``pg_restore --single-transaction``, found in ``PATH`` or
``/usr/lib/postgresql/*/bin``; the password goes through ``PGPASSWORD``,
never the command line.

Both refuse to restore over a database that holds data unless ``force`` is
given, and both check the backup's schema revision against the migrations
this accord ships.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, text

from accord.atomic import atomic_path
from accord.errors import AccordError, Conflict, InputError
from accord.store.engine import make_engine
from accord.store.migrate import current_revision, revisions
from accord.store.models import Base

__all__ = [
    "BackupInfo",
    "backup_database",
    "backup_revision",
    "find_pg_tool",
    "is_empty",
    "restore_database",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_MAGIC = b"PGDMP"


@dataclass
class BackupInfo:
    """What a backup or restore did: the file, the backend, the schema revision, the size."""

    path: Path
    backend: str
    revision: str
    bytes: int
    seconds: float

    def line(self, url: str, *, restored: bool = False) -> str:
        """The CLI's one-line summary."""
        what = f"restored {self.path} into {url}" if restored else \
            f"backed up {url} to {self.path}"
        return (f"{what}: {self.backend}, schema revision {self.revision}, "
                f"{self.bytes / 2**20:,.1f} MiB in {self.seconds:.1f} s")


def backup_database(url: str | None, out: str | Path) -> BackupInfo:
    """Back the database at ``url`` up to the file ``out`` (replaced atomically).

    Parameters
    ----------
    url : str or None
        Database URL (see :func:`accord.store.engine.resolve_url`).
    out : str or Path
        The backup file: a SQLite database file, or a ``pg_dump`` custom-format
        archive for PostgreSQL.

    Returns
    -------
    BackupInfo

    Raises
    ------
    InputError
        When the database does not exist or has no accord schema, or ``out``'s
        directory is missing.
    AccordError
        When ``pg_dump`` is missing or fails.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from accord.store import make_engine, upgrade
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> url = f"sqlite:///{tmp / 'accord.db'}"
    >>> upgrade(make_engine(url))
    >>> info = backup_database(url, tmp / "accord.backup")
    >>> info.backend, info.path.name
    ('sqlite', 'accord.backup')
    >>> restore_database(f"sqlite:///{tmp / 'copy.db'}", info.path).revision == info.revision
    True
    """
    started = time.perf_counter()
    target = Path(out)
    if target.is_dir():
        raise InputError("is a directory; give the backup file's name", path=str(target))
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"directory {str(parent)!r} does not exist", path=str(target))
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
        if revision is None:
            raise InputError("the database has no accord schema; nothing to back up",
                             field="--db")
        # owner-only: a backup holds the password hashes and tokens
        with atomic_path(target, private=True) as tmp:
            if engine.dialect.name == "sqlite":
                backend = "sqlite"
                _sqlite_backup(_sqlite_file(engine), tmp)
            else:
                backend = "postgresql"
                _pg_dump(engine, tmp)
            found = backup_revision(tmp)[1]
            if found != revision:
                raise AccordError(f"the backup holds schema revision {found}, the database "
                                  f"{revision}: the schema changed during the backup")
    finally:
        engine.dispose()
    return BackupInfo(target, backend, revision, target.stat().st_size,
                      time.perf_counter() - started)


def restore_database(url: str | None, src: str | Path, *, force: bool = False) -> BackupInfo:
    """Restore the backup ``src`` into the database at ``url``.

    Parameters
    ----------
    url : str or None
        The target database; it must be of the backup's kind (SQLite file or
        PostgreSQL database) and, unless ``force``, hold no data.
    src : str or Path
        A file written by :func:`backup_database`.
    force : bool
        Replace a target that holds data.

    Returns
    -------
    BackupInfo
        ``revision`` is the restored schema revision; when it is older than
        this accord's, run ``accord db upgrade`` next.

    Raises
    ------
    InputError
        A missing or unreadable backup, a backup of the other backend, or one
        from a newer accord (unknown schema revision).
    Conflict
        The target holds data and ``force`` is false.

    Examples
    --------
    See :func:`backup_database`.
    """
    started = time.perf_counter()
    path = Path(src)
    backend, revision = backup_revision(path)
    if revision not in revisions():
        raise InputError(f"the backup is at schema revision {revision!r}, which this accord "
                         f"does not know (it knows {', '.join(revisions())}); restore it with "
                         "the accord version that wrote it", path=str(path))
    engine = make_engine(url)
    try:
        kind = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
        if kind != backend:
            raise InputError(f"this is a {backend} backup; restore it into a {backend} "
                             f"database, not {kind}", path=str(path))
        if not force and not is_empty(engine):
            raise Conflict(f"database {engine.url.render_as_string(hide_password=True)} "
                           "already holds data; pass --force to replace it")
        if kind == "sqlite":
            _sqlite_restore(path, _sqlite_file(engine))
        else:
            _pg_restore(engine, path)
        engine.dispose()
        restored = current_revision(engine)
        if restored != revision:
            raise AccordError(f"restore finished but the database is at revision {restored}, "
                              f"expected {revision}")
    finally:
        engine.dispose()
    return BackupInfo(path, backend, revision, path.stat().st_size,
                      time.perf_counter() - started)


def backup_revision(path: str | Path) -> tuple[str, str]:
    """``(backend, schema revision)`` of a backup file.

    Raises
    ------
    InputError
        When the file is missing, of an unknown kind, or holds no accord schema.

    Examples
    --------
    >>> backup_revision("/nonexistent/accord.backup")
    Traceback (most recent call last):
    ...
    accord.errors.InputError: /nonexistent/accord.backup: backup file not found
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("backup file not found", path=str(p))
    with open(p, "rb") as fh:
        head = fh.read(16)
    if head.startswith(_SQLITE_MAGIC):
        try:
            conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not an accord backup: {exc}", path=str(p)) from None
        if row is None:
            raise InputError("not an accord backup: no schema revision", path=str(p))
        return "sqlite", str(row[0])
    if head.startswith(_PG_MAGIC):
        out = _run_pg("pg_restore", ["--data-only", "--table=alembic_version", "--file=-",
                                     str(p)], env={})
        match = re.search(r"COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n",
                          out)
        if match is None:
            raise InputError("not an accord backup: no schema revision", path=str(p))
        return "postgresql", match.group(1).strip()
    raise InputError("not an accord backup (neither a SQLite database nor a pg_dump archive)",
                     path=str(p))


def is_empty(engine: Engine) -> bool:
    """True when no accord table holds a row (a fresh schema counts as empty)."""
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name in present and \
                    conn.execute(select(func.count()).select_from(table)).scalar():
                return False
    return True


# -- SQLite ------------------------------------------------------------------------------

def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InputError("an in-memory database cannot be backed up or restored", field="--db")
    return Path(database).expanduser()


def _sqlite_backup(source: Path, tmp: Path) -> None:
    if not source.is_file():
        raise InputError("database file not found", path=str(source))
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)  # one step: a consistent snapshot while writers continue
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise AccordError(f"the backup of {source} failed its integrity check")
    finally:
        dst.close()
        src.close()


def _sqlite_restore(backup: Path, target: Path) -> None:
    if not target.parent.is_dir():
        raise InputError(f"directory {str(target.parent)!r} does not exist", field="--db")
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise InputError("the backup is damaged (integrity check failed)", path=str(backup))
        src.backup(dst)  # one write transaction on the target
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


# -- PostgreSQL --------------------------------------------------------------------------

def find_pg_tool(name: str, major: int | None = None) -> Path:
    """``pg_dump``/``pg_restore``: the server's major version under /usr/lib/postgresql if
    installed, else ``PATH``, else the newest under /usr/lib/postgresql.

    Raises
    ------
    AccordError
        When the tool is not installed.
    """
    if major is not None:
        exact = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
        if exact.is_file():
            return exact
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0))
    if versions:
        return Path(versions[-1])
    raise AccordError(f"{name} not found in PATH or /usr/lib/postgresql/*/bin; install the "
                      "PostgreSQL client tools (apt-get install postgresql-client)")


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying it."""
    url = engine.url
    env = {"PGPASSWORD": url.password} if url.password else {}
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _server_major(engine: Engine) -> int | None:
    with engine.connect() as conn:
        num = conn.execute(text("SHOW server_version_num")).scalar()
    return int(num) // 10000 if num else None


def _run_pg(tool: str, args: list[str], env: dict[str, str], major: int | None = None) -> str:
    exe = find_pg_tool(tool, major)
    done = subprocess.run([str(exe), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, check=False)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise AccordError(f"{tool} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def _pg_dump(engine: Engine, tmp: Path) -> None:
    uri, env = _libpq(engine)
    _run_pg("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                        f"--file={tmp}", f"--dbname={uri}"], env, _server_major(engine))


def _pg_restore(engine: Engine, backup: Path) -> None:
    uri, env = _libpq(engine)
    major = _server_major(engine)
    listing = _run_pg("pg_restore", ["--list", str(backup)], env, major)
    in_backup = set(re.findall(r"TABLE \S+ (\S+) ", listing))
    with engine.connect() as conn:
        extra = sorted(set(inspect(conn).get_table_names()) - in_backup)
    if extra:
        raise Conflict(f"the target has tables the backup does not ({', '.join(extra)}); "
                       "restore into an empty database")
    _run_pg("pg_restore", ["--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                           "--no-owner", "--no-privileges", f"--dbname={uri}", str(backup)],
            env, major)
