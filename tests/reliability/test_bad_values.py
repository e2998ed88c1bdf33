"""The bad-value corpus against a real uvicorn, on SQLite and PostgreSQL.

Every operation of ``/openapi.json`` gets, one value at a time: NUL and a lone
surrogate in each string (path, query and JSON body fields, incl. the anonymous
login), 2**64 in each integer, the wrong JSON type for each body field, and a
body nested 10,000 levels deep. Every reply must be a 4xx in the one JSON error
shape (never a 5xx), and all of them travel over ONE keep-alive connection: a
server that closes it after a failure (uvicorn does after an unhandled
exception) fails the test at the next request.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from accord.io.importer import import_rows
from accord.store import make_engine
from tests.reliability.harness import Server, seed, sqlite_path

NUL = "a\x00b"
SURROGATE = "a\ud800b"
BIG = 2**64
DEEP = 10_000
_KNOWN = {"name": "d", "record_id": 1, "response_id": 1, "user": "ann000", "token_id": 1}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _resolve(spec, options[0]) if options else {}
    if "allOf" in schema:
        return _resolve(spec, schema["allOf"][0])
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value of ``schema`` (the base that one bad value is put into)."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        return {k: _sample(spec, v, depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}), depth + 1)] if depth <= 3 else []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return "x"


def _wrong(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool | int | float):
        return {"n": value}
    return "not a " + type(value).__name__


def _bad_values(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [NUL, SURROGATE, _wrong(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [BIG, -BIG, _wrong(value)]
    return [_wrong(value), {NUL: 1}]


def _body_variants(spec: dict[str, Any], schema: dict[str, Any]) -> list[tuple[str, bytes]]:
    base = _sample(spec, schema)
    out: list[tuple[str, bytes]] = []

    def enc(v: Any) -> bytes:
        return json.dumps(v, ensure_ascii=True).encode()  # "\ud800" as an escape

    if isinstance(base, dict):
        for key, value in base.items():
            for bad in _bad_values(value):
                out.append((f"body.{key}={bad!r:.20}", enc({**base, key: bad})))
            if isinstance(value, dict):
                for sub, sv in value.items():
                    for bad in _bad_values(sv)[:2]:
                        out.append((f"body.{key}.{sub}={bad!r:.20}",
                                    enc({**base, key: {**value, sub: bad}})))
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for sub, sv in value[0].items():
                    for bad in _bad_values(sv)[:2]:
                        out.append((f"body.{key}[0].{sub}={bad!r:.20}",
                                    enc({**base, key: [{**value[0], sub: bad}]})))
        out.append(("body extra NUL key", enc({**base, NUL: NUL})))
        key = next(iter(base), "values")
        out.append((f"body.{key} {DEEP} deep",
                    enc({**base, key: None})[:-1].replace(b"null", b"[" * DEEP + b"]" * DEEP)
                    + b"}"))
    out.append(("body is a list", enc([base])))
    out.append((f"body {DEEP} deep", b"[" * DEEP + b"]" * DEEP))
    return out


def corpus(spec: dict[str, Any]) -> list[tuple[str, str, str, bytes | None]]:
    """``(label, method, url path, JSON body or None)`` for every bad-value request."""
    cases = []
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in ops.items():
            params = op.get("parameters", [])
            good = {p["name"]: _KNOWN.get(p["name"], _sample(spec, p.get("schema", {})))
                    for p in params if p["in"] == "path"}
            query = {p["name"]: _sample(spec, p.get("schema", {})) for p in params
                     if p["in"] == "query" and p.get("required")}

            def url(path_values: dict[str, Any], q: dict[str, Any],
                    _path: str = path) -> str:
                out = _path
                for k, v in path_values.items():
                    out = out.replace("{" + k + "}", quote(str(v), safe=""))
                if q:
                    out += "?" + "&".join(f"{quote(k)}={quote(str(v), safe='')}"
                                          for k, v in q.items())
                return out

            label = f"{method.upper()} {path}"
            for p in params:
                if p["in"] not in ("path", "query"):
                    continue
                base = good if p["in"] == "path" else query
                value = base.get(p["name"], _sample(spec, p.get("schema", {})))
                for bad in _bad_values(value)[:2]:
                    if isinstance(bad, str) and "\ud800" in bad:
                        continue  # not expressible in a URL (percent-decoding gives U+FFFD)
                    if not isinstance(bad, str | int):
                        continue
                    pv, qv = dict(good), dict(query)
                    (pv if p["in"] == "path" else qv)[p["name"]] = bad
                    cases.append((f"{label} {p['in']} {p['name']}={bad!r:.20}", method.upper(),
                                  url(pv, qv), None))
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for what, body in _body_variants(spec, content["application/json"]["schema"]):
                    cases.append((f"{label} {what}", method.upper(), url(good, query), body))
    return cases


def _send_all(server_url: str, token: str, cases: list[tuple[str, str, str, bytes | None]]
              ) -> tuple[int, list[str]]:
    """Send every case over one keep-alive connection; returns (count, problems)."""
    parts = urlsplit(server_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.connect()
    conn.auto_open = 0  # a closed connection raises instead of silently reconnecting
    problems: list[str] = []
    sent = 0
    for label, method, url, body in cases:
        headers = {"Authorization": f"Bearer {token}"}
        if "/auth/login" in url:
            headers = {}  # anonymous, as an attacker would send it
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, url, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, OSError) as exc:
            problems.append(f"{label}: connection lost ({type(exc).__name__}: {exc})")
            break
        sent += 1
        if resp.status >= 500:
            problems.append(f"{label}: {resp.status} {data[:200]!r}")
        elif resp.status >= 400:
            try:
                error = json.loads(data)["error"]
                assert isinstance(error["type"], str) and isinstance(error["message"], str)
            except Exception:  # noqa: BLE001 - reported below
                problems.append(f"{label}: {resp.status} not the JSON error shape: "
                                f"{data[:200]!r}")
        if resp.getheader("connection", "").lower() == "close" and resp.status != 413:
            problems.append(f"{label}: the server closed the connection ({resp.status})")
            break
    conn.close()
    return sent, problems


def _world(db_url: str):  # type: ignore[no-untyped-def]
    world = seed(db_url, annotators=2)
    engine = make_engine(db_url)
    import_rows(engine, "d", ((i + 1, {"id": f"r{i}", "text": f"record {i}"}) for i in range(5)))
    engine.dispose()
    return world


def test_bad_value_corpus_is_4xx_json_on_one_connection(db_url, tmp_path):
    world = _world(db_url)
    server = Server(db_url, tmp_path / "server.log").start()
    try:
        spec = httpx.get(server.url + "/openapi.json").json()
        cases = corpus(spec)
        sent, problems = _send_all(server.url, world.admin_token, cases)
        health = httpx.get(server.url + "/api/v1/health")
    finally:
        server.kill()
    backend = db_url.split(":", 1)[0]
    print(f"\nbad-value corpus ({backend}): {sent} requests, {len(problems)} problems")
    assert len(cases) >= 250, len(cases)
    assert not problems, "\n".join(problems[:40]) + f"\n... {len(problems)} problems"
    assert sent == len(cases)
    assert health.status_code == 200
    assert "Traceback" not in server.log()


@pytest.mark.parametrize("body", [
    '{"username": "admin\\u0000", "password": "x"}',
    '{"username": "admin", "password": "x\\u0000"}',
    '{"username": "admin\\ud800", "password": "x"}',
])
def test_anonymous_login_with_bad_text_is_422(db_url, tmp_path, body):
    seed(db_url, dataset=None)
    server = Server(db_url, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url) as client:
            r = client.post("/api/v1/auth/login", content=body,
                            headers={"Content-Type": "application/json"})
            again = client.get("/api/v1/health")
    finally:
        server.kill()
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["type"] == "input_error" and error["field"] in ("username", "password")
    assert again.status_code == 200


def test_values_within_64_bits_round_trip_exactly(db_url, tmp_path):
    """2**53 + 1 and the 64-bit extremes in record metadata come back exactly."""
    world = seed(db_url)
    server = Server(db_url, tmp_path / "server.log").start()
    admin = {"Authorization": f"Bearer {world.admin_token}"}
    meta = {"a": 2**53 + 1, "b": 2**63 - 1, "c": -(2**63), "nested": [{"d": 2**62 + 3}]}
    try:
        r = httpx.post(server.url + "/api/v1/datasets/d/records", headers=admin,
                       json={"records": [{"id": "big", "text": "t", **meta}]})
        assert r.status_code == 200, r.text
        listed = httpx.get(server.url + "/api/v1/datasets/d/records", headers=admin).json()
    finally:
        server.kill()
    assert listed["records"][0]["metadata"] == meta


def test_an_unhandled_failure_is_a_json_500_and_keeps_the_connection(sqlite_url, tmp_path):
    """A broken database (a table dropped behind the server's back) is a bug-class failure:
    JSON 500 with a request id that the log carries, no traceback in the reply, and the
    same keep-alive connection serves the next request."""
    seed(sqlite_url, dataset=None)
    with sqlite3.connect(sqlite_path(sqlite_url)) as db:
        db.execute("DROP TABLE audit_log")
    server = Server(sqlite_url, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url) as client:
            r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
            again = client.get("/api/v1/health")
            pool = client._transport._pool.connections  # type: ignore[attr-defined]
            connections = len(pool)
    finally:
        server.kill()
    assert r.status_code == 500, r.text
    assert r.headers["content-type"] == "application/json"
    error = r.json()["error"]
    assert error["type"] == "internal" and error["request_id"] in error["message"]
    assert "Traceback" not in r.text and "audit_log" not in r.text
    assert r.headers["x-request-id"] == error["request_id"]
    assert again.status_code == 200 and connections == 1
    assert error["request_id"] in server.log()


def test_every_api_route_checks_its_values(sqlite_url):
    """A router built without ``route_class=CheckedRoute`` would skip the one check."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from accord.server.app import create_app
    from accord.server.checked_route import CheckedRoute

    engine = make_engine(sqlite_url)
    try:
        app = create_app(engine)
        contexts = [c for c in iter_route_contexts(app.routes)
                    if isinstance(c.original_route, APIRoute)]
        spec_paths = {p for p in app.openapi()["paths"] if p.startswith("/api/v1/")}
    finally:
        engine.dispose()
    api = [c for c in contexts if (c.path or "").startswith("/api/v1/")]
    import re

    assert len(api) >= 40
    assert {re.sub(r":\w+}", "}", c.path or "") for c in api} >= spec_paths
    unchecked = [f"{sorted(c.methods or [])} {c.path}" for c in api
                 if not isinstance(c.original_route, CheckedRoute)]
    assert not unchecked, unchecked
