"""The deployment recipes in deploy/ (docs/deploy.md) stay valid.

The systemd unit is checked by ``systemd-analyze verify`` (when the machine
has it; the binary path is swapped for one that exists here) and by its keys;
the Dockerfile by its structure (a pinned base, a non-root user, a health
check on the health endpoint, no secret in ENV or ARG) and by hadolint when it
is installed. No container is built: the machine has no Docker daemon.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"


def _unit(text: str) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections and keys (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"accord.service:{number}: not a key=value: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_unit_keys():
    unit = _unit((DEPLOY / "accord.service").read_text())
    assert set(unit) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    start = service["ExecStart"][0].split()
    assert start[0].startswith("/") and start[1:3] == ["serve", "--host"]
    assert start[start.index("--host") + 1] == "127.0.0.1"  # behind the proxy
    assert service["User"] == ["accord"] and service["Restart"] == ["on-failure"]
    assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
    # the database URL (a secret) comes from a root-only file, never the unit
    assert service["EnvironmentFile"] == ["/etc/accord/accord.env"]
    assert "Environment" not in service
    lines = [line for line in (DEPLOY / "accord.service").read_text().splitlines()
             if not line.lstrip().startswith("#")]
    assert not any(re.search(r"postgresql(\+\w+)?://", line) for line in lines)
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verifies_the_unit(tmp_path):
    # verify checks that ExecStart's program exists: use one that does, same arguments
    text = (DEPLOY / "accord.service").read_text().replace("/opt/accord/.venv/bin/accord",
                                                            shutil.which("true"))
    unit = tmp_path / "accord.service"
    unit.write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines()
                if "accord.service" in line and "EnvironmentFile" not in line]
    assert done.returncode == 0, done.stderr
    assert problems == [], problems
    bad = tmp_path / "bad.service"
    bad.write_text(text.replace("[Service]", "[Service]\nRestart=sometimes"))
    done = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True,
                          text=True, timeout=60)
    assert "restart specifier" in done.stderr  # the check can fail


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_structure():
    steps = _instructions((DEPLOY / "Dockerfile").read_text())
    bases = [rest.split()[0] for word, rest in steps if word == "FROM"]
    assert bases and all(re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:\w+)?", b)
                         for b in bases), bases  # pinned, never :latest
    final = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM"):]
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    checks = [rest for word, rest in final if word == "HEALTHCHECK"]
    assert len(checks) == 1 and "/api/v1/health" in checks[0]
    for word, rest in steps:
        if word in ("ENV", "ARG"):
            assert not re.search(r"(?i)password|secret|token|key|postgresql://", rest), rest
    cmd = [rest for word, rest in final if word == "CMD"][-1]
    assert '"serve"' in cmd and '"--workers"' in cmd


def test_health_endpoint_the_recipes_use_exists():
    """The path the Dockerfile and Caddyfile probe is the app's health route (read from
    the app's source: building the app's OpenAPI costs seconds)."""
    app = (REPO / "accord" / "server" / "app.py").read_text()
    assert 'APIRouter(prefix="/api/v1"' in app and '@api.get("/health"' in app
    for name in ("Dockerfile", "Caddyfile"):
        assert "/api/v1/health" in (DEPLOY / name).read_text()


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint not installed")
def test_hadolint():
    done = subprocess.run(["hadolint", "--failure-threshold", "warning",
                           str(DEPLOY / "Dockerfile")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
