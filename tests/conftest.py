"""Shared fixtures: real SQLite files and a real PostgreSQL server.

``db_url`` is parametrized over both backends, so every store/workflow/server
test that uses it runs on SQLite and on PostgreSQL. Without PostgreSQL
binaries the PostgreSQL half is skipped with a loud warning locally; with
``ACCORD_REQUIRE_POSTGRES=1`` (CI) it fails instead.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.pg import PostgresServer, find_pg_bin

# the CLI's rich consoles read the width when accord.cli.console is imported; run_cli
# runs the CLI in this process, so set it before anything imports them
os.environ["COLUMNS"] = "200"

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"  # real public data, each folder with its SOURCE.md

_counter = itertools.count()

# The suite runs on a small shared machine (and on two xdist workers): a property test's
# examples may take longer than Hypothesis's 200 ms deadline, and drawing them longer than
# its "too slow" health check allows, for reasons that are not the code's. Both are timing
# checks, not properties; a test that wants them sets them itself.
settings.register_profile("accord", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("accord")


@pytest.fixture(autouse=True)
def _close_clients(monkeypatch):
    """Close, at a test's teardown, every HTTP client (``accord.Client``, ``httpx.Client``)
    that the test code opened during the test: an unclosed client's pooled sockets are a
    ResourceWarning, an error here. Only clients made by code under ``tests/`` count, so a
    client that accord itself leaves open still fails; wider-scoped fixtures close theirs."""
    import httpx

    from accord.client import Client

    opened: list[Client | httpx.Client] = []
    tests_dir = str(REPO / "tests")

    def track(cls):  # type: ignore[no-untyped-def]
        original = cls.__init__

        def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            original(self, *args, **kwargs)
            if sys._getframe(1).f_code.co_filename.startswith(tests_dir):
                opened.append(self)

        monkeypatch.setattr(cls, "__init__", init)

    track(Client)
    track(httpx.Client)
    yield
    for client in opened:
        client.close()


@pytest.fixture(scope="session")
def ray_executor():
    """One local Ray instance (2 CPUs) for the whole session: prep and assist share it (its
    start and its workers' first imports cost tens of seconds on a loaded 2-core machine)."""
    pytest.importorskip("ray")
    from accord.prep.executors.ray import RayExecutor

    executor = RayExecutor(num_cpus=2)
    yield executor
    executor.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The test data shared by all tests: ``tests/data`` (see its INDEX.md)."""
    if not (TEST_DATA / "INDEX.md").is_file():
        pytest.fail(f"test data not found at {TEST_DATA}")
    return TEST_DATA


@pytest.fixture(scope="session")
def pg_server():
    if find_pg_bin() is None:
        if os.environ.get("ACCORD_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (ACCORD_REQUIRE_POSTGRES=1) but initdb is missing")
        sys.stderr.write("\n*** PostgreSQL binaries not found: PostgreSQL tests are SKIPPED "
                         "(apt-get install postgresql) ***\n")
        pytest.skip("PostgreSQL not installed (apt-get install postgresql)")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accord.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'accord.db'}"


@pytest.fixture
def engine(db_url):
    """An engine on a database at the head schema (a copy of a migrated template)."""
    from accord.store import make_engine
    from tests.dbs import migrated

    eng = make_engine(migrated(db_url))
    yield eng
    eng.dispose()


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: str | Path | None = None, fresh_process: bool = False,
            ) -> subprocess.CompletedProcess[str]:
    """Run the real ``accord`` CLI (its entry point, :func:`accord.cli.main`) and return
    what a subprocess would: exit code, stdout and stderr as text.

    It runs in this process: a new interpreter spends about a second importing
    accord per call, and the suite makes hundreds of calls. stdin, stdout,
    stderr, argv, the environment and the working directory are swapped for the
    call and restored after it. ``fresh_process=True`` (and any ``env`` key that
    is read at import time) runs ``python -m accord`` in a subprocess instead.
    """
    full_env = {"COLUMNS": "200", **(env or {})}
    if fresh_process or _IMPORT_TIME_ENV.intersection(full_env):
        return subprocess.run([sys.executable, "-m", "accord", *args], input=input,
                              capture_output=True, text=True,
                              env={**os.environ, **full_env}, cwd=cwd, timeout=300)
    return _run_cli_here(list(args), input, full_env, cwd)


# environment variables read when accord is imported: those calls need a new process
_IMPORT_TIME_ENV = {"ACCORD_PLUGINS"}


def _run_cli_here(args: list[str], input: str | None, env: dict[str, str],
                  cwd: str | Path | None) -> subprocess.CompletedProcess[str]:
    import io
    import traceback

    from accord.cli import main

    saved_env = dict(os.environ)
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr)
    saved_cwd = os.getcwd()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    code: int = 0
    try:
        os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = ["accord", *args]
        sys.stdin, sys.stdout, sys.stderr = stdin, out, err
        try:
            main()
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                err.write(f"{exc.code}\n")
                code = 1
        except BaseException:  # what the interpreter would print for an uncaught error
            err.write(traceback.format_exc())
            code = 1
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    out.flush()
    err.flush()
    result = subprocess.CompletedProcess(
        ["accord", *args], code, out.buffer.getvalue().decode("utf-8", "replace"),  # type: ignore[attr-defined]
        err.buffer.getvalue().decode("utf-8", "replace"))  # type: ignore[attr-defined]
    for stream in (out, err, stdin):
        stream.close()
    return result


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """Say how many tests ran on PostgreSQL, so a CI log shows they were not skipped."""
    stats = terminalreporter.stats
    counts = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        counts[outcome] = sum(1 for rep in stats.get(outcome, [])
                              if "[postgres" in getattr(rep, "nodeid", ""))
    terminalreporter.write_line(
        "PostgreSQL-backed tests: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
