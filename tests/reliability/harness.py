"""Real processes for the reliability tests: a uvicorn server that can be SIGKILLed
and restarted on the same database, seeded users and datasets, fast big input files,
and probes that tell when a writer is inside its transaction.

Every process is started in its own session, so ``kill()`` sends SIGKILL to the
whole group (uvicorn's supervisor and its workers) and to nothing else.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from accord.schema import parse_settings
from accord.store import make_engine, upgrade, write_scope
from accord.store.datasets import add_member, create_dataset
from accord.store.users import create_token, create_user

REPO = Path(__file__).resolve().parents[2]

SETTINGS: dict[str, Any] = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "label", "labels": ["pos", "neg"], "required": True},
                  {"name": "note", "type": "text"}],
    "distribution": {"overlap": 2, "lease_seconds": 600},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class World:
    """What :func:`seed` created: the admin's token and one token per annotator."""

    db_url: str
    admin_token: str
    annotators: dict[str, str] = field(default_factory=dict)


def seed(db_url: str, *, dataset: str | None = "d", annotators: int = 0,
         settings: dict[str, Any] | None = None, admin_password: str | None = None) -> World:
    """Schema, an admin, optionally a dataset and annotators who are its members."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with write_scope(engine) as s:
            admin = create_user(s, "admin", "admin", admin_password)
            world = World(db_url, create_token(s, admin))
            ds = create_dataset(s, dataset, parse_settings(settings or SETTINGS)) \
                if dataset else None
            for i in range(annotators):
                user = create_user(s, f"ann{i:03d}", "annotator")
                if ds is not None:
                    add_member(s, ds, user)
                world.annotators[user.name] = create_token(s, user)
        return world
    finally:
        engine.dispose()


def write_jsonl(path: Path, n: int, *, start: int = 0, tag: str = "v1",
                text_chars: int = 200) -> Path:
    """``n`` records ``{"id": "rec-I", "text": ..., "tag": TAG}``; fast enough for 10^6."""
    pad = "lorem ipsum dolor sit amet " * (text_chars // 27 + 1)
    with open(path, "wb") as fh:
        fh.writelines(orjson.dumps({"id": f"rec-{i}", "text": f"{tag} {i} {pad}"[:text_chars],
                                   "tag": tag}) + b"\n" for i in range(start, start + n))
    return path


class Server:
    """``uvicorn accord.server.app:app_from_env`` (or ``accord serve``) on 127.0.0.1.

    Parameters
    ----------
    db_url : str
        The database the server uses (``$ACCORD_DB``).
    workers : int
        uvicorn worker processes.
    log_path : Path
        stdout and stderr of the server, appended across restarts.
    cli : bool
        Start through ``accord serve`` instead of uvicorn directly.
    env : dict, optional
        Extra environment (e.g. ``TMPDIR``).
    args : list of str, optional
        Extra ``accord serve`` options (with ``cli``).
    """

    def __init__(self, db_url: str, log_path: Path, *, workers: int = 1,
                 log_level: str = "warning", cli: bool = False,
                 env: dict[str, str] | None = None, args: list[str] | None = None) -> None:
        self.args = list(args or [])
        self.db_url = db_url
        self.log_path = log_path
        self.workers = workers
        self.log_level = log_level
        self.cli = cli
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 90) -> Server:
        port = free_port()
        if self.cli:
            cmd = [sys.executable, "-m", "accord", "serve", "--db", self.db_url, "--port",
                   str(port), "--workers", str(self.workers), "--log-level", self.log_level,
                   *self.args]
        else:
            cmd = [sys.executable, "-m", "uvicorn", "accord.server.app:app_from_env",
                   "--factory", "--host", "127.0.0.1", "--port", str(port), "--workers",
                   str(self.workers), "--log-level", self.log_level]
        env = {**os.environ, "ACCORD_DB": self.db_url, **self.env}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.log_path.parent)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not start in {timeout} s: "
                           f"{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the server's process group (supervisor and workers) and reap it."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the group), SIGKILL after 20 s."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def restart(self) -> Server:
        self.kill()
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_cli(*args: str, log_path: Path, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """``python -m accord ARGS`` in its own process group, output to ``log_path``."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "accord", *args],
                                env={**os.environ, "COLUMNS": "200", **(env or {})},
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=cwd)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def sqlite_path(db_url: str) -> str | None:
    return db_url[len("sqlite:///"):] if db_url.startswith("sqlite:///") else None


def writer_active(db_url: str, table: str = "records") -> bool:
    """Whether another connection is inside a write transaction right now.

    SQLite: ``BEGIN IMMEDIATE`` with no busy timeout fails while another
    connection holds the write lock. PostgreSQL: another backend holds a
    ``RowExclusiveLock`` on ``table`` (it has inserted or updated rows there).
    """
    path = sqlite_path(db_url)
    if path is not None:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        finally:
            conn.close()
    import psycopg

    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.granted "
            "AND l.pid <> pg_backend_pid()", (table,)).fetchone()
        return bool(row and row[0])


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def read_position(pid: int, name_part: str) -> int | None:
    """Offset of ``pid``'s file open for reading whose path contains ``name_part`` (Linux
    /proc); a file it has open for writing does not count (the server writes an upload's
    copy under the name its import then reads).

    Lets a test kill an importer provably in the middle of its input file.
    """
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        fds = list(fd_dir.iterdir())
    except (FileNotFoundError, PermissionError):
        return None
    for fd in fds:
        try:
            target = os.readlink(fd)
            if name_part not in target:
                continue
            info = dict(line.split(":", 1) for line in
                        Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().splitlines()
                        if ":" in line)
            if int(info["flags"].strip(), 8) & os.O_ACCMODE != os.O_RDONLY:
                continue
            return int(info["pos"])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return None


def db_activity(db_url: str) -> str:
    """PostgreSQL: what the other sessions are doing (state, wait, query), for failure
    messages; empty on SQLite."""
    if sqlite_path(db_url) is not None:
        return ""
    import psycopg

    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT state, wait_event_type, wait_event, left(query, 50), count(*) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC").fetchall()
    return "; ".join(f"{n} x {state}/{kind}/{event}: {query!r}"
                     for state, kind, event, query, n in rows[:8])


def raw_request(url: str, method: str, path: str, headers: dict[str, str],
                 chunks: Iterable[bytes] | None = None, *, chunked: bool = False,
                 ) -> tuple[int, dict[str, str], bytes, int]:
    """Send a request over a plain socket, chunk by chunk, stopping as soon as the
    server answers; return (status, headers, body, body bytes sent)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
    head = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0
    answered = False
    for chunk in chunks or []:
        if select.select([sock], [], [], 0.005)[0]:
            answered = True
            break
        try:
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
        except (BrokenPipeError, ConnectionResetError):
            answered = True
            break
        sent += len(chunk)
    if chunked and not answered:
        sock.sendall(b"0\r\n\r\n")
    data = b""
    while True:
        try:
            part = sock.recv(1 << 16)
        except ConnectionResetError:
            break
        if not part:
            break
        data += part
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            lines = data[:head_end].decode("latin-1").split("\r\n")
            hdrs = {k.strip().lower(): v.strip() for k, _, v in
                    (line.partition(":") for line in lines[1:])}
            if len(data) - head_end - 4 >= int(hdrs.get("content-length", "0")):
                break
    sock.close()
    head_end = data.find(b"\r\n\r\n")
    assert head_end >= 0, f"no HTTP response after sending {sent} bytes: {data[:200]!r}"
    lines = data[:head_end].decode("latin-1").split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), hdrs, data[head_end + 4:], sent
