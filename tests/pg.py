"""A throw-away PostgreSQL server for tests: Debian's binaries, a temp dir, a free port.

Started once per test session; each test gets its own database.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["PostgresServer", "find_pg_bin"]


def find_pg_bin() -> Path | None:
    exe = shutil.which("initdb")
    if exe:
        return Path(exe).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    running: dict[int, PostgresServer] = {}  # by port, while started (tests/dbs.py)
    TEMPLATE = "accord_template"

    def __init__(self, keep: Path | None = None) -> None:
        """``keep``: a directory whose cluster outlives :meth:`stop` and is started again
        by the next :meth:`start` (the benches' kept databases); else a temp dir."""
        bindir = find_pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries (initdb) not found; apt-get install postgresql")
        self.bindir = bindir
        self.port = _free_port()
        self.keep = keep is not None
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        self.tmp = keep.resolve() if keep is not None else \
            Path(tempfile.mkdtemp(prefix="accord-pg-"))
        self.datadir = self.tmp / "data"
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # postgres refuses to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root but there is no 'postgres' user") from None
            shutil.chown(self.tmp, "postgres", "postgres")
            os.chmod(self.tmp, 0o700)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.proc: subprocess.Popen[bytes] | None = None
        self._template_ready = False

    def _run(self, *args: str) -> None:
        subprocess.run(self.prefix + list(args), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def start(self) -> PostgresServer:
        if not (self.keep and (self.datadir / "PG_VERSION").exists()):
            self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                      "-A", "trust", "-E", "UTF8", "--no-sync")
        return self._launch()

    def pause(self) -> None:
        """Stop the server (fast shutdown: sessions are cut), keeping its data and port."""
        if self.proc is not None:
            # pg_ctl waits until the postmaster is gone (its lock file and port free)
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
                      "-m", "fast", "-w", "-t", "60")
            self.proc.wait(timeout=30)
            self.proc = None

    def resume(self) -> PostgresServer:
        """Start the paused server again on the same data directory and port."""
        return self._launch()

    def _launch(self) -> PostgresServer:
        self.proc = subprocess.Popen(
            self.prefix + [str(self.bindir / "postgres"), "-D", str(self.datadir), "-p",
                           str(self.port), "-k", str(self.tmp), "-h", "127.0.0.1",
                           "-c", "fsync=off", "-c", "synchronous_commit=off",
                           "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("postgres exited during start-up") from None
                time.sleep(0.1)
        import psycopg

        while time.time() < deadline:
            try:
                psycopg.connect(self.url("postgres", driver=False), autocommit=True).close()
                PostgresServer.running[self.port] = self
                return self
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError("postgres did not accept connections within 30 s")

    def url(self, dbname: str, *, driver: bool = True, unix: bool = False) -> str:
        """``unix``: through the cluster's Unix-domain socket in its directory (``-k``)
        instead of TCP on 127.0.0.1 (libpq's ``host`` parameter naming a directory)."""
        scheme = "postgresql+psycopg" if driver else "postgresql"
        if unix:
            return f"{scheme}://postgres@/{dbname}?host={self.tmp}&port={self.port}"
        return f"{scheme}://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def recreate_from_template(self, name: str) -> None:
        """Replace the (empty) database ``name`` by a copy of the migrated template."""
        import psycopg

        if not self._template_ready:
            from accord.store import make_engine, upgrade

            self.create_database(self.TEMPLATE)
            engine = make_engine(self.url(self.TEMPLATE))
            upgrade(engine)
            engine.dispose()
            self._template_ready = True
        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.TEMPLATE}"')

    def stop(self) -> None:
        PostgresServer.running.pop(self.port, None)
        if self.keep:
            self.pause()  # a clean shutdown: the kept cluster starts again without recovery
            return
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)
