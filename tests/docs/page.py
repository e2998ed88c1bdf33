"""One shared environment per Markdown page: a working directory, a real server, a shell, Python.

- the working directory is a fresh temporary directory; the database is the
  documented default, ``sqlite:///accord.db`` in it;
- the server is ``accord serve`` started in that directory on a free port of
  127.0.0.1; the docs' address ``http://127.0.0.1:8000`` stands for it (the
  blocks are run with the address replaced); pages that never name that
  address get no server;
- shell blocks run in bash with ``set -eo pipefail``; the variables a block sets
  (exported or not) and its ``cd`` carry over to the page's next blocks;
- Python blocks run in one Python process per page with one namespace; they see
  the shell's exported variables in ``os.environ``;
- ``$DOCS_TEST_DATA`` is the repository's tests/data folder (real data that
  hidden setup blocks copy), and ``python -m tests.docs.seed`` is importable.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

DOC_URL = "http://127.0.0.1:8000"
_WORKER = Path(__file__).with_name("pyworker.py")
_REPO = Path(__file__).resolve().parents[2]
BLOCK_TIMEOUT = 120


class BlockFailed(AssertionError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PageEnv:
    def __init__(self, page: str, root: Path) -> None:
        self.page = page
        self.root = root
        self.cwd = root / "work"
        self.cwd.mkdir(parents=True)
        self.state = root / "shell-state.sh"
        self.state.write_text("")
        self.url = f"http://127.0.0.1:{_free_port()}"
        pythonpath = os.pathsep.join(p for p in [str(_REPO), os.environ.get("PYTHONPATH")] if p)
        self.env = {**os.environ, "PYTHONPATH": pythonpath, "COLUMNS": "200",
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                    "HOME": str(root), "NO_COLOR": "1",
                    "DOCS_TEST_DATA": str(_REPO / "tests" / "data")}
        self.env.pop("ACCORD_DB", None)
        baseline = subprocess.run(["bash", "--noprofile", "--norc", "-c", "compgen -v"],
                                  capture_output=True, text=True, env=self.env, check=True)
        (root / "baseline-vars").write_text(baseline.stdout)
        self.last_stdout = ""
        self.ran: set[str] = set()  # ids of the page's blocks run (or tried) here
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[str] | None = None

    # -- the server ---------------------------------------------------------------------------
    def start_server(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        self.server_log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in close()
        self.server = subprocess.Popen(
            [sys.executable, "-m", "accord", "serve", "--host", "127.0.0.1", "--port", port],
            cwd=self.cwd, env=self.env, stdout=self.server_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"accord serve exited: {self.server_output()}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"accord serve did not answer within 60 s: {self.server_output()}")

    def server_output(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")[-3000:]

    # -- blocks -------------------------------------------------------------------------------
    def _code(self, code: str) -> str:
        return code.replace(DOC_URL, self.url)

    def run_bash(self, code: str, name: str) -> str:
        block = self.root / "block.sh"
        block.write_text(self._code(code))
        script = (
            f"source {shlex.quote(str(self.state))}\n"
            "set -eo pipefail\n"
            f"source {shlex.quote(str(block))}\n"
            "set +e\n"
            f"{{ declare -px; for __v in $(compgen -v); do "
            f"grep -qx \"$__v\" {shlex.quote(str(self.root / 'baseline-vars'))} "
            "|| [ \"$__v\" = __v ] || declare -p \"$__v\"; done; "
            "echo \"cd $(printf %q \"$PWD\")\"; }"
            f" > {shlex.quote(str(self.state))}.new 2>/dev/null\n"
            f"mv {shlex.quote(str(self.state))}.new {shlex.quote(str(self.state))}\n")
        if not self.state.read_text():
            script = f"cd {shlex.quote(str(self.cwd))}\n" + script
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], env=self.env,
                              capture_output=True, text=True, timeout=BLOCK_TIMEOUT,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise BlockFailed(f"{name}: exit code {proc.returncode}\n--- stdout\n"
                              f"{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
        self.last_stdout = proc.stdout
        return proc.stdout

    def shell_exports(self) -> dict[str, str]:
        """The variables the page's shell exported (for the Python blocks)."""
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c",
             f"source {shlex.quote(str(self.state))} >/dev/null 2>&1; env -0"],
            env=self.env, capture_output=True, text=True, check=True, cwd=self.cwd)
        pairs = (item.split("=", 1) for item in proc.stdout.split("\0") if "=" in item)
        return {k: v for k, v in pairs if self.env.get(k) != v}

    def shell_cwd(self) -> str:
        match = re.search(r"^cd (.*)$", self.state.read_text(), re.M)
        if not match:
            return str(self.cwd)
        return shlex.split(match.group(1))[0]

    def run_python(self, code: str, name: str) -> str:
        if self.worker is None:
            self.worker = subprocess.Popen(
                [sys.executable, str(_WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, env=self.env, cwd=self.cwd)
        assert self.worker.stdin is not None and self.worker.stdout is not None
        request = {"code": self._code(code), "name": name, "env": self.shell_exports(),
                   "cwd": self.shell_cwd()}
        self.worker.stdin.write(json.dumps(request) + "\n")
        self.worker.stdin.flush()
        line = self.worker.stdout.readline()
        if not line:
            raise BlockFailed(f"{name}: the Python process died (exit {self.worker.wait()})")
        answer = json.loads(line)
        if not answer["ok"]:
            raise BlockFailed(f"{name}:\n{answer['error']}\n--- stdout\n{answer['stdout']}")
        self.last_stdout = answer["stdout"]
        return answer["stdout"]

    def write_file(self, name: str, content: str) -> None:
        target = Path(self.shell_cwd()) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    def close(self) -> None:
        if self.worker is not None:
            assert self.worker.stdin is not None
            self.worker.stdin.close()
            try:
                self.worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
            if self.worker.stdout is not None:
                self.worker.stdout.close()
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server_log.close()
