"""Schemathesis against ``/openapi.json`` of a real server: every operation,
authenticated as admin, valid and invalid inputs; no 5xx and no response that
contradicts the documented schema.

The CI run is bounded (``FUZZ_EXAMPLES`` examples per operation and mode); the
soak run uses many more. Failures are collected without shrinking and
reported together, one example per operation and check.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from accord.io.importer import import_rows
from accord.store import make_engine
from tests.reliability.harness import Server, seed

FUZZ_EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "4"))
# operations that would destroy the fixture world when aimed at it get random names
_RANDOM_NAMES = {("DELETE", "/api/v1/datasets/{name}"), ("PATCH", "/api/v1/users/{name}")}


def _world(db_url: str) -> tuple[Any, int]:
    world = seed(db_url, annotators=2)
    engine = make_engine(db_url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"record {i}", "src": "web"})
                              for i in range(20)))
    engine.dispose()
    return world, 1


def fuzz(server_url: str, token: str, record_id: int, examples: int
         ) -> tuple[Counter[str], dict[str, str]]:
    """Run every operation; returns (calls per status class, failures by operation)."""
    schema = schemathesis.openapi.from_url(server_url + "/openapi.json")
    auth = {"Authorization": f"Bearer {token}"}
    calls: Counter[str] = Counter()
    failures: dict[str, str] = {}
    unsatisfiable: set[str] = set()
    # revoking tokens may revoke the fuzzer's own (ids are small integers): do it last
    operations = sorted((r.ok() for r in schema.get_all_operations()),
                        key=lambda op: "/tokens/{" in op.path)
    for op in operations:
        label = f"{op.method.upper()} {op.path}"
        modes = [GenerationMode.POSITIVE]
        if _has_invalid_inputs(op.definition.raw):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            for aimed in (False, True):
                if aimed and ((op.method.upper(), op.path) in _RANDOM_NAMES
                              or f"{label} ({mode.value})" in unsatisfiable):
                    continue
                params = {}
                if aimed:
                    names = {p.name for p in op.path_parameters}
                    params = {k: v for k, v in {"name": "d", "record_id": record_id,
                                                "response_id": 1, "user": "ann001"}.items()
                              if k in names}
                    if not params:
                        continue
                if not _run(op, mode, params, server_url, auth, label, examples, calls,
                            failures):
                    unsatisfiable.add(f"{label} ({mode.value})")
    return calls, failures


def _has_invalid_inputs(raw: dict[str, Any]) -> bool:
    """Whether an invalid request exists at all: a body, a query parameter or a typed path
    parameter (an operation with only string path parameters accepts every input, and
    hypothesis would spend seconds proving that)."""
    if raw.get("requestBody"):
        return True
    for param in raw.get("parameters", []):
        if param.get("in") in ("query", "header", "cookie"):
            return True
        if param.get("schema", {}).get("type") not in (None, "string"):
            return True
    return False


def _run(op, mode, params, server_url, auth, label, examples, calls, failures) -> bool:
    """Fuzz one operation in one mode; False when no such input exists."""
    try:
        strategy = op.as_strategy(generation_mode=mode, path_parameters=params or None)
    except Exception as exc:  # noqa: BLE001 - an operation schemathesis cannot generate for
        failures[f"{label} ({mode.value})"] = f"cannot generate: {exc}"
        return True

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def one(case) -> None:  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), **auth}
        response = case.call(base_url=server_url, timeout=60)
        calls[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error,
                                                     response_schema_conformance])
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, not shrunk
            key = f"{label} ({mode.value}) -> {response.status_code}"
            failures.setdefault(key, f"{type(exc).__name__}: {str(exc)[:600]}")

    try:
        one()
    except Unsatisfiable:
        calls["unsatisfiable"] += 1  # e.g. no invalid input exists for GET /health
        return False
    return True


def _check(calls: Counter[str], failures: dict[str, str], minimum: int) -> None:
    total = sum(v for k, v in calls.items() if k.endswith("xx"))
    print(f"\nfuzzing: {total} calls, {dict(sorted(calls.items()))}")
    assert total >= minimum, f"only {total} calls were made"
    assert not failures, "\n\n".join(f"{k}\n  {v}" for k, v in sorted(failures.items()))


def test_fuzz_every_endpoint(db_url, tmp_path):
    world, record_id = _world(db_url)
    server = Server(db_url, tmp_path / "server.log").start()
    try:
        calls, failures = fuzz(server.url, world.admin_token, record_id, FUZZ_EXAMPLES)
    finally:
        server.kill()
    _check(calls, failures, minimum=100)
    assert "5xx" not in calls
    # a fuzzer that lost its own token (e.g. revoked it) would only see 401s
    assert calls["2xx"] >= 40, f"too few accepted calls: {dict(calls)}"


@pytest.mark.soak
def test_fuzz_every_endpoint_long(db_url, tmp_path):
    world, record_id = _world(db_url)
    server = Server(db_url, tmp_path / "server.log").start()
    try:
        calls, failures = fuzz(server.url, world.admin_token, record_id, 150)
    finally:
        server.kill()
    _check(calls, failures, minimum=2000)


def test_openapi_documents_the_real_error_shape(sqlite_url, tmp_path):
    """Every operation documents its 4xx/503 bodies as ``{"error": {...}}`` (the shape
    the server sends), never FastAPI's default ``{"detail": [...]}``; and a real 422
    validates against the documented schema."""
    import httpx
    import jsonschema

    world = seed(sqlite_url)
    server = Server(sqlite_url, tmp_path / "server.log").start()
    try:
        spec = httpx.get(server.url + "/openapi.json").json()
        bad = httpx.post(server.url + "/api/v1/users", json={"name": 5},
                         headers={"Authorization": f"Bearer {world.admin_token}"})
    finally:
        server.kill()
    schemas = spec["components"]["schemas"]
    assert "ErrorResponse" in schemas
    checked = 0
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in ops.items():
            for code in ("401", "403", "404", "409", "413", "422", "429", "503"):
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorResponse", (method, path, code, ref)
                checked += 1
    assert checked >= 8 * 40
    assert "HTTPValidationError" not in str(spec["paths"])
    assert bad.status_code == 422
    resolver = {"components": spec["components"]}
    jsonschema.validate(bad.json(), {"$ref": "#/components/schemas/ErrorResponse",
                                     **resolver})
    assert bad.json()["error"]["field"] == "name"
