"""The authorization matrix: every endpoint x every role x member / non-member.

Access rules (docs/api.md): admins may do everything; other users act only on
datasets they are members of, with at least the endpoint's role; user
management and the audit log are admin-only; unauthenticated calls get 401.
"""

from __future__ import annotations

import httpx
import pytest

from accord import Client
from tests.server.conftest import start_server, stop_server

SETTINGS = {"fields": [{"name": "text", "type": "text"}],
            "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}],
            "distribution": {"overlap": 2}}

# (method, path, minimum role, dataset-scoped)
MATRIX = [
    ("GET", "/api/v1/health", None, False),
    ("GET", "/api/v1/meta", "annotator", False),
    ("POST", "/api/v1/auth/login", None, False),
    ("GET", "/api/v1/auth/me", "annotator", False),
    ("POST", "/api/v1/auth/password", "annotator", False),
    ("POST", "/api/v1/auth/logout", "annotator", False),
    ("GET", "/api/v1/users", "admin", False),
    ("POST", "/api/v1/users", "admin", False),
    ("PATCH", "/api/v1/users/{name}", "admin", False),
    ("POST", "/api/v1/users/{name}/tokens", "admin", False),  # or the user themself
    ("GET", "/api/v1/users/{name}/tokens", "admin", False),  # or the user themself
    ("DELETE", "/api/v1/tokens/{token_id}", "admin", False),  # or the token's owner
    ("GET", "/api/v1/audit", "admin", False),
    ("GET", "/api/v1/datasets", "annotator", False),
    ("POST", "/api/v1/datasets", "admin", False),
    ("GET", "/api/v1/datasets/{name}", "annotator", True),
    ("DELETE", "/api/v1/datasets/{name}", "admin", True),
    ("PUT", "/api/v1/datasets/{name}/settings", "admin", True),
    ("GET", "/api/v1/datasets/{name}/settings/versions", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/members", "admin", True),
    ("POST", "/api/v1/datasets/{name}/members", "admin", True),
    ("DELETE", "/api/v1/datasets/{name}/members/{user}", "admin", True),
    ("POST", "/api/v1/datasets/{name}/records", "admin", True),
    ("POST", "/api/v1/datasets/{name}/records/upload", "admin", True),
    ("GET", "/api/v1/datasets/{name}/records", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/records/similar", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/dashboard", "reviewer", True),
    ("POST", "/api/v1/datasets/{name}/settings/rename-labels", "admin", True),
    ("GET", "/api/v1/datasets/{name}/vectors", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/vectors/{vector}", "reviewer", True),
    ("POST", "/api/v1/datasets/{name}/records/bulk", "admin", True),
    ("GET", "/api/v1/datasets/{name}/records/{record_id}", "reviewer", True),
    ("PUT", "/api/v1/datasets/{name}/suggestions", "admin", True),
    ("PUT", "/api/v1/datasets/{name}/records/{record_id}/gold", "reviewer", True),
    ("DELETE", "/api/v1/datasets/{name}/records/{record_id}/gold", "reviewer", True),
    ("PUT", "/api/v1/datasets/{name}/records/{record_id}/pii", "reviewer", True),
    ("POST", "/api/v1/datasets/{name}/next", "annotator", True),
    ("PUT", "/api/v1/datasets/{name}/records/{record_id}/response", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/records/{record_id}/response", "annotator", True),
    ("DELETE", "/api/v1/datasets/{name}/records/{record_id}/lease", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/review/next", "reviewer", True),
    ("POST", "/api/v1/datasets/{name}/responses/{response_id}/review", "reviewer", True),
    # annotators read their own responses' reviews only (tests/server/test_review_workflow.py)
    ("GET", "/api/v1/datasets/{name}/responses/{response_id}/reviews", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/responses/{response_id}/history", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/stats", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/export", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/quality", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/quality/disagreements", "reviewer", True),
    ("GET", "/api/v1/datasets/{name}/report", "reviewer", True),
    ("POST", "/api/v1/datasets/{name}/quality/aggregate", "admin", True),
    ("GET", "/api/v1/datasets/{name}/my/responses", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/my/progress", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/my/rejected", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/guidelines/seen", "annotator", True),
    ("PUT", "/api/v1/datasets/{name}/guidelines/seen", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/review/gold-failures", "reviewer", True),
    ("POST", "/api/v1/settings/validate", "admin", False),
    ("POST", "/api/v1/datasets/{name}/triage", "admin", True),
    ("GET", "/api/v1/datasets/{name}/onboarding", "annotator", True),
    ("POST", "/api/v1/datasets/{name}/onboarding/acknowledge", "annotator", True),
    ("GET", "/api/v1/datasets/{name}/workforce", "admin", True),
    ("PATCH", "/api/v1/datasets/{name}/workforce/{user}", "admin", True),
    ("POST", "/api/v1/datasets/{name}/workforce/{user}/unpause", "admin", True),
    ("POST", "/api/v1/datasets/{name}/workforce/check", "admin", True),
    ("GET", "/api/v1/datasets/{name}/timesheet", "reviewer", True),
    ("GET", "/api/v1/media/{path}", "annotator", False),
    ("GET", "/api/v1/point-cloud/{path}", "annotator", False),
]
RANK = {"annotator": 0, "reviewer": 1, "admin": 2}
ACTORS = [("admin", "admin", False), ("reviewer", "reviewer", True),
          ("reviewer_out", "reviewer", False), ("annotator", "annotator", True),
          ("annotator_out", "annotator", False)]


def _body(method: str, path: str):  # type: ignore[no-untyped-def]
    if path.endswith("/users") and method == "POST":
        return {"json": {"name": "newbie", "role": "annotator", "password": "pw-123456"}}
    if path.endswith("/auth/login"):
        return {"json": {"username": "nobody", "password": "wrong-password"}}
    if path.endswith("/auth/password"):
        return {"json": {"current_password": "not-the-password", "new_password": "new-pass-123"}}
    if path.endswith("/users/{name}"):
        return {"json": {"active": True}}
    if path.endswith("/datasets") and method == "POST":
        return {"json": {"name": "created", "settings": SETTINGS}}
    if path.endswith("/settings"):
        return {"json": SETTINGS}
    if path.endswith("/members") and method == "POST":
        return {"json": {"user": "annotator"}}
    if path.endswith("/records") and method == "POST":
        return {"json": {"records": [{"id": "x1", "text": "new"}]}}
    if path.endswith("/rename-labels"):
        return {"json": {"question": "y", "mapping": {"nope": "x"}}}
    if path.endswith("/records/bulk"):
        return {"json": {"action": "priority", "ids": [10**9], "priority": 1}}
    if path.endswith("/upload"):
        return {"files": {"file": ("a.jsonl", b'{"id": "x2", "text": "up"}\n')}}
    if path.endswith("/suggestions"):
        return {"json": {"agent": "m", "suggestions": []}}
    if path.endswith("/pii"):  # no such finding: 404 for those allowed, the role rule first
        return {"json": {"slot": "text", "start": 0, "end": 1, "state": "confirmed"}}
    if path.endswith("/gold") and method == "PUT":
        return {"json": {"values": {"y": "a"}}}
    if path.endswith("/response") and method == "PUT":
        return {"json": {"values": {"y": "a"}, "status": "draft"}}
    if path.endswith("/review"):
        return {"json": {"verdict": "accept", "version": 1}}
    if path.endswith("/aggregate"):
        return {"json": {"method": "mv"}}
    return {}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("authz") / "accord.db"
    server = start_server(f"sqlite:///{db}")
    admin = Client(server.url, server.admin_token)
    tokens = {"admin": server.admin_token}
    for name, role, _ in ACTORS[1:]:
        tokens[name] = server.make_user(name, role)
    yield server, admin, tokens
    admin.close()
    stop_server(server)


def test_matrix_covers_every_endpoint(world):
    server, _, _ = world
    spec = httpx.get(server.url + "/openapi.json", timeout=60).json()
    served = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    listed = {(m, p) for m, p, _, _ in MATRIX}
    assert served - listed == set(), "endpoints missing from the authorization matrix"
    assert not (listed - served - {("GET", "/api/v1/datasets/{name}/export"),
                                   ("GET", "/api/v1/datasets/{name}/quality"),
                                   ("GET", "/api/v1/datasets/{name}/quality/disagreements"),
                                   ("POST", "/api/v1/datasets/{name}/quality/aggregate")})


@pytest.mark.parametrize("actor,role,member", ACTORS + [("anonymous", None, False)])
def test_authorization_matrix(world, actor, role, member):
    server, admin, tokens = world
    spec = httpx.get(server.url + "/openapi.json", timeout=60).json()
    spec_paths = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    name = f"ds-{actor}"
    admin.create_dataset(name, SETTINGS)
    admin.import_records(name, [{"id": f"r{i}", "text": f"t{i}"} for i in range(3)])
    for other, _, is_member in ACTORS[1:]:
        if is_member:
            admin.add_member(name, other)
    # a submitted response to review, made by the member annotator
    ann = Client(server.url, tokens["annotator"])
    rec = ann.next_record(name)
    resp = ann.submit(name, rec.id, {"y": "a"})
    headers = {"Authorization": f"Bearer {tokens[actor]}"} if actor != "anonymous" else {}
    checked = 0
    for method, path, min_role, scoped in MATRIX:
        if (method, path) not in spec_paths:
            continue  # optional router not in this build
        if path.startswith("/api/v1/users/"):
            path_for_url = path.replace("{name}", "annotator_out")
        else:
            path_for_url = path
        url = (path_for_url.replace("{name}", name).replace("{record_id}", str(rec.id))
               .replace("{response_id}", str(resp.id)).replace("{user}", "annotator_out"))
        if "{token_id}" in url:  # a fresh token of annotator_out to revoke
            url = url.replace("{token_id}", str(admin._call(
                "POST", "/users/annotator_out/tokens")["id"]))
        if method == "DELETE" and path.endswith("/{name}"):
            admin.create_dataset(name + "-del", SETTINGS)
            for other, _, is_member in ACTORS[1:]:
                if is_member:
                    admin.add_member(name + "-del", other)
            url = url.replace(name, name + "-del")
        if method == "DELETE" and path.endswith("/members/{user}"):
            url = url.replace("annotator_out", "annotator")
        if path.endswith("/users") and method == "POST":
            kwargs = {"json": {"name": f"new-{actor}", "role": "annotator",
                               "password": "pw-123456"}}
        elif path.endswith("/datasets") and method == "POST":
            kwargs = {"json": {"name": f"created-{actor}", "settings": SETTINGS}}
        else:
            kwargs = _body(method, path)
        res = httpx.request(method, server.url + url, headers=headers, timeout=30, **kwargs)
        if min_role is None:
            allowed = True
        elif role is None:
            allowed = False
        elif role == "admin":
            allowed = True
        else:
            allowed = RANK[role] >= RANK[min_role] and (member or not scoped)
        if path.endswith("/records/{record_id}") and method == "GET" and role == "annotator" \
                and member:
            allowed = True  # annotators may open the record they hold / answered
        if "/tokens" in path and actor == "annotator_out":
            allowed = True  # users list, create and revoke their own API tokens
        if path.endswith("/auth/login"):
            assert res.status_code == 401  # public endpoint; wrong password on purpose
        elif path.endswith("/auth/password") and allowed:  # wrong current password
            assert res.status_code == 403, (actor, res.text)
            assert "current password" in res.json()["error"]["message"]
        elif allowed:
            assert res.status_code not in (401, 403), (actor, method, path, res.text)
            assert res.status_code < 500, (actor, method, path, res.text)
        else:
            expected = 401 if role is None else 403
            assert res.status_code == expected, (actor, method, path, res.status_code, res.text)
            assert res.json()["error"]["type"] in ("unauthorized", "forbidden")
        if method == "DELETE" and path.endswith("/members/{user}") and allowed:
            admin.add_member(name, "annotator")
        checked += 1
    assert checked >= 30


def test_cookie_session_needs_csrf(world):
    server, _, tokens = world
    server.make_user("cookie-user", "admin", password="cookie-pass-1")
    with httpx.Client(base_url=server.url) as web:
        bad = web.post("/api/v1/auth/login", json={"username": "cookie-user",
                                                   "password": "nope-nope"})
        assert bad.status_code == 401
        ok = web.post("/api/v1/auth/login", json={"username": "cookie-user",
                                                  "password": "cookie-pass-1"})
        assert ok.status_code == 200
        csrf = ok.json()["csrf_token"]
        assert web.get("/api/v1/auth/me").json()["name"] == "cookie-user"
        no_csrf = web.post("/api/v1/datasets", json={"name": "csrf-x", "settings": SETTINGS})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]["message"]
        with_csrf = web.post("/api/v1/datasets", json={"name": "csrf-x", "settings": SETTINGS},
                             headers={"X-CSRF-Token": csrf})
        assert with_csrf.status_code == 201


def test_annotator_loop_checks_cookie_csrf_and_token_before_the_dataset(world):
    """next and submit resolve the caller and the dataset in one statement
    (accord.store.access.caller_with_dataset): the checks keep their order."""
    server, admin, _ = world
    admin.create_dataset("loop-auth", SETTINGS)
    admin.import_records("loop-auth", [{"id": "r0", "text": "t0"}])
    server.make_user("cookie-ann", "annotator", password="cookie-pass-2")
    admin.add_member("loop-auth", "cookie-ann")
    with httpx.Client(base_url=server.url) as web:
        csrf = web.post(
            "/api/v1/auth/login", json={"username": "cookie-ann", "password": "cookie-pass-2"}
        ).json()["csrf_token"]
        no_csrf = web.post("/api/v1/datasets/loop-auth/next")
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]["message"]
        # a bearer header takes precedence over the cookie, as everywhere else
        bad_bearer = web.post("/api/v1/datasets/loop-auth/next",
                              headers={"Authorization": "Bearer acc_not-a-token"})
        assert bad_bearer.status_code == 401
        got = web.post("/api/v1/datasets/loop-auth/next", headers={"X-CSRF-Token": csrf})
        assert got.status_code == 200 and got.json()["external_id"] == "r0"
        rid = got.json()["id"]
        put = f"/api/v1/datasets/loop-auth/records/{rid}/response"
        body = {"values": {"y": "a"}, "status": "submitted"}
        assert web.put(put, json=body).status_code == 403
        done = web.put(put, json=body, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200 and done.json()["status"] == "submitted"
        missing = web.post("/api/v1/datasets/no-such-set/next", headers={"X-CSRF-Token": csrf})
        # the 404 names no other dataset (issue 18, item 9)
        assert missing.status_code == 404 and "loop-auth" not in missing.json()["error"]["message"]
    # a dead token gets 401 whether or not the dataset exists: no probing of names
    for name in ("loop-auth", "no-such-set"):
        r = httpx.post(f"{server.url}/api/v1/datasets/{name}/next",
                       headers={"Authorization": "Bearer acc_dead"})
        assert r.status_code == 401, r.text
    stranger = server.make_user("not-a-member", "annotator")
    r = httpx.post(f"{server.url}/api/v1/datasets/loop-auth/next",
                   headers={"Authorization": f"Bearer {stranger}"})
    assert r.status_code == 403 and "not a member" in r.json()["error"]["message"]


def test_login_rate_limit(world):
    """10 tries per client address (this test's own, 127.0.0.3: the matrix tests above
    spent some of 127.0.0.1's)."""
    server, _, _ = world
    server.make_user("victim", "annotator", password="right-pass-1")
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3")) as guesser:
        codes = [guesser.post(server.url + "/api/v1/auth/login",
                              json={"username": "victim", "password": f"wrong-{i}"}).status_code
                 for i in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        # even the right password waits while the address has no try left
        assert guesser.post(server.url + "/api/v1/auth/login",
                            json={"username": "victim", "password": "right-pass-1"}
                            ).status_code == 429


def test_tokens_are_not_logged_or_stored_in_clear(world):
    server, admin, _ = world
    token = admin.create_token("annotator")
    import sqlite3

    path = server.db_url.replace("sqlite:///", "")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT token_hash FROM api_tokens").fetchall()
        assert all(token not in r[0] for r in rows)
        audit = conn.execute("SELECT details FROM audit_log").fetchall()
        assert all(token not in (r[0] or "") for r in audit)
