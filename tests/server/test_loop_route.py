"""The loop's next and submit bound without FastAPI's dependency solving
(accord/server/loop_route.py) answer every request exactly as their FastAPI routes do.

The same requests go, in the same order, to two apps on two copies of one database: the
app as served, and the same app without its loop routes (every request through FastAPI's
routes, as before). Status, headers and bodies must be the same (timestamps and the
database's clock aside); the served app must not have solved FastAPI dependencies for
the requests it bound itself.
"""

from __future__ import annotations

import re
import shutil

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from accord.schema import parse_settings
from accord.server.app import create_app
from accord.server.loop_route import LoopRoute
from accord.store import make_engine, write_scope
from accord.store.datasets import add_member, create_dataset
from accord.store.models import utcnow
from accord.store.records import RecordRow, upsert_records
from accord.store.users import create_token, create_user
from tests.dbs import migrated

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"],
                           "required": True}],
            "distribution": {"overlap": 1, "lease_seconds": 600}}
_STAMP = re.compile(rb'"\d{4}-\d\d-\d\dT[0-9:.+\-Z]+"')


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loop-route")
    engine = make_engine(migrated(f"sqlite:///{folder / 'a.db'}"))
    with write_scope(engine) as s:
        ds = create_dataset(s, "d", parse_settings(SETTINGS))
        upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": f"t{i}"}, {}) for i in range(4)],
                       stamp=utcnow())
        ann, out = create_user(s, "ann", "annotator"), create_user(s, "out", "annotator")
        add_member(s, ds, ann)
        tokens = {"ann": create_token(s, ann), "out": create_token(s, out),
                  "cookie": create_token(s, ann, kind="session")}
    engine.dispose()
    shutil.copy(folder / "a.db", folder / "b.db")
    engines = [make_engine(f"sqlite:///{folder / name}") for name in ("a.db", "b.db")]
    served, plain = (create_app(e) for e in engines)
    plain.router.routes[:] = [r for r in plain.router.routes if not isinstance(r, LoopRoute)]
    assert len(plain.router.routes) == len(served.router.routes) - 2
    clients = [TestClient(served), TestClient(plain)]
    yield clients, tokens
    for c in clients:
        c.close()
    for e in engines:
        e.dispose()


def _same(clients, method, path, token=None, **kw):  # type: ignore[no-untyped-def]
    answers = []
    for client in clients:
        headers = dict(kw.get("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        r = client.request(method, path, **{**kw, "headers": headers})
        shown = {k: v for k, v in r.headers.items() if k.lower() not in ("date", "x-request-id")}
        answers.append((r.status_code, shown, _STAMP.sub(b'"<time>"', r.content)))
    assert answers[0] == answers[1], answers
    return answers[0]


def test_the_loop_routes_answer_as_fastapis_routes_do(apps, monkeypatch):
    clients, tok = apps
    solved: list[str] = []
    real = fastapi.routing.solve_dependencies

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        solved.append(kwargs["request"].app is clients[0].app)
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    nxt, put = "/api/v1/datasets/d/next", "/api/v1/datasets/d/records/{}/response"
    status, _, body = _same(clients, "POST", nxt, tok["ann"])
    assert status == 200
    rid = int(re.search(rb'"id":(\d+)', body).group(1))
    ok = {"values": {"y": "a"}, "status": "draft"}
    cookie = f"accord_session={tok['cookie']}"
    assert _same(clients, "PUT", put.format(rid), tok["ann"], json=ok)[0] == 200
    assert solved == [False, False]  # only the plain app solved dependencies
    cases = [
        ("PUT", put.format(rid), tok["ann"], {"json": {"values": {"y": "a"}, "status": "submitted",
                                                       "version": 7}}, 409),
        ("PUT", put.format(rid), tok["ann"], {"json": {"values": {"y": "zz"},
                                                       "status": "submitted"}}, 422),
        ("PUT", put.format(rid), tok["ann"], {"json": {"values": {"y": "a"}, "status": "bogus"}},
         422),
        ("PUT", put.format(rid), tok["ann"], {"json": {**ok, "time_spent": -1}}, 422),
        ("PUT", put.format(rid), tok["ann"], {"json": [1, 2]}, 422),
        ("PUT", put.format(rid), tok["ann"], {"content": b"{nope",
                                              "headers": {"content-type": "application/json"}},
         422),
        ("PUT", put.format(rid), tok["ann"], {}, 422),
        ("PUT", put.format(rid), tok["ann"], {"json": {"values": {"y": "a\x00"},
                                                       "status": "draft"}}, 422),
        ("PUT", put.format("abc"), tok["ann"], {"json": ok}, 422),
        ("PUT", put.format("0"), tok["ann"], {"json": ok}, 404),
        ("PUT", put.format("007"), tok["ann"], {"json": ok}, 404),
        ("PUT", put.format("99999999999999999999999"), tok["ann"], {"json": ok}, 422),
        ("PUT", put.format(rid + 1), tok["ann"], {"json": ok}, 403),
        ("PUT", put.format(rid), tok["out"], {"json": ok}, 403),
        ("PUT", put.format(rid), "nope", {"json": ok}, 401),
        ("PUT", put.format(rid), None, {"json": ok}, 401),
        ("PUT", put.format(rid), None, {"json": ok, "headers": {"Cookie": cookie}}, 403),
        ("PUT", put.format(rid), None, {"json": ok, "headers": {
            "Cookie": f"{cookie}; accord_csrf=c", "X-CSRF-Token": "c"}}, 200),
        ("GET", put.format(rid), tok["ann"], {}, 200),
        ("GET", nxt, tok["ann"], {}, 405),
        ("POST", "/api/v1/datasets/nope/next", tok["ann"], {}, 404),
        ("POST", "/api/v1/datasets/d%00/next", tok["ann"], {}, 422),
        ("POST", nxt, tok["out"], {}, 403),
        ("POST", nxt, None, {"headers": {"Cookie": cookie}}, 403),
        ("PUT", put.format(rid), tok["ann"], {"json": {"values": {"y": "b"},
                                                       "status": "submitted"}}, 200),
    ]
    got = [_same(clients, method, path, token, **kw)[0] for method, path, token, kw, _ in cases]
    assert got == [case[-1] for case in cases]
    for _ in range(4):  # to the end of the queue: 204 with the reason header
        status, headers, body = _same(clients, "POST", nxt, tok["ann"])
        if status == 204:
            break
        rid = int(re.search(rb'"id":(\d+)', body).group(1))
        assert _same(clients, "PUT", put.format(rid), tok["ann"], json={"values": {"y": "b"}})[0] \
            == 200
    assert status == 204 and headers["x-accord-reason"] == "no_records"
