"""Credentials end to end on a real server, SQLite and PostgreSQL (issue 18, items 4
and 9): a password change or deactivation revokes the user's sessions and API
tokens, reactivation revives none of them, user names are unique ignoring case and
are not paths, and a missing dataset's 404 names no other dataset.

Before: a new password or deactivation left every session and token alive (a
deactivated user's tokens came back on reactivation), ``Alice`` and ``alice`` were
two users, ``../x`` was a user name, and ``GET /datasets/missing`` listed the names
of up to 20 datasets to any logged-in user.
"""

from __future__ import annotations

import httpx
import pytest

from accord.store import make_engine
from accord.store.engine import write_scope
from accord.store.users import create_user
from tests.conftest import run_cli
from tests.reliability.harness import Server, seed

PASSWORD = "Carol-Pa55-first"
NEW = "Carol-Pa55-second"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def served(db_url, tmp_path):
    w = seed(db_url, annotators=1)
    engine = make_engine(db_url)
    with write_scope(engine) as s:
        create_user(s, "carol", "annotator", PASSWORD)
        for name in ("secret-dataset-1", "secret-dataset-2"):
            from accord.schema import parse_settings
            from accord.store.datasets import create_dataset
            from tests.reliability.harness import SETTINGS

            create_dataset(s, name, parse_settings(SETTINGS))
    engine.dispose()
    server = Server(db_url, tmp_path / "server.log").start()
    yield server, w
    server.kill()


def _session(server: Server, password: str = PASSWORD) -> httpx.Client:
    web = httpx.Client(base_url=server.url + "/api/v1", timeout=60)
    r = web.post("/auth/login", json={"username": "carol", "password": password})
    assert r.status_code == 200, r.text
    web.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return web


def _token(server: Server, admin: str) -> str:
    r = httpx.post(f"{server.url}/api/v1/users/carol/tokens", headers=_h(admin), timeout=60)
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _me(server: Server, client: httpx.Client | None = None, token: str | None = None) -> int:
    if client is not None:
        return client.get("/auth/me").status_code
    return httpx.get(f"{server.url}/api/v1/auth/me", headers=_h(token or ""),
                     timeout=60).status_code


def test_an_admin_password_reset_revokes_sessions_and_tokens(served):
    server, w = served
    web, token = _session(server), _token(server, w.admin_token)
    assert _me(server, web) == 200 and _me(server, token=token) == 200
    r = httpx.patch(f"{server.url}/api/v1/users/carol", json={"password": NEW},
                    headers=_h(w.admin_token), timeout=60)
    assert r.status_code == 200, r.text
    assert _me(server, web) == 401 and _me(server, token=token) == 401
    assert _me(server, _session(server, NEW)) == 200


def test_changing_your_own_password_keeps_only_this_session(served):
    server, w = served
    here, elsewhere, token = _session(server), _session(server), _token(server, w.admin_token)
    wrong = here.post("/auth/password", json={"current_password": "not-it-at-all",
                                              "new_password": NEW})
    assert wrong.status_code == 403 and "current password" in wrong.json()["error"]["message"]
    weak = here.post("/auth/password", json={"current_password": PASSWORD,
                                             "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "password"
    assert _me(server, elsewhere) == 200 and _me(server, token=token) == 200  # nothing changed
    r = here.post("/auth/password", json={"current_password": PASSWORD, "new_password": NEW})
    assert r.status_code == 204, r.text
    assert _me(server, here) == 200
    assert _me(server, elsewhere) == 401 and _me(server, token=token) == 401
    bad = httpx.post(f"{server.url}/api/v1/auth/login",
                     json={"username": "carol", "password": PASSWORD})
    assert bad.status_code == 401
    # the Client method, with a bearer token: every session and token goes, that one too
    from accord import Client

    token = _token(server, w.admin_token)
    Client(server.url, token).change_password(NEW, PASSWORD)
    assert _me(server, token=token) == 401 and _me(server, here) == 401


def test_deactivation_revokes_and_reactivation_revives_nothing(served):
    server, w = served
    web, token = _session(server), _token(server, w.admin_token)
    admin = httpx.Client(base_url=server.url + "/api/v1", headers=_h(w.admin_token),
                         timeout=60)
    assert admin.patch("/users/carol", json={"active": False}).status_code == 200
    assert _me(server, web) == 401 and _me(server, token=token) == 401
    assert admin.patch("/users/carol", json={"active": True}).status_code == 200
    assert _me(server, web) == 401 and _me(server, token=token) == 401
    statuses = {t["id"]: t["revoked"] for t in admin.get("/users/carol/tokens").json()}
    assert statuses and all(statuses.values())
    assert _me(server, _session(server)) == 200  # a fresh login works


def test_the_cli_revokes_too(served):
    server, w = served
    token = _token(server, w.admin_token)
    res = run_cli("user", "set", "carol", "--password-stdin", "--db", server.db_url,
                  input=NEW + "\n")
    assert res.returncode == 0, res.stderr
    assert "revoked" in res.stdout and NEW not in res.stdout + res.stderr
    assert _me(server, token=token) == 401
    token = _token(server, w.admin_token)
    assert run_cli("user", "set", "carol", "--inactive", "--db", server.db_url).returncode == 0
    assert run_cli("user", "set", "carol", "--active", "--db", server.db_url).returncode == 0
    assert _me(server, token=token) == 401


@pytest.mark.parametrize("name", ["../admin", "a/b", "a\\b", "..", ".", "tab\there",
                                  "nul\x00x", "zero\u200bwidth", " padded"])
def test_user_names_are_not_paths(served, name):
    server, w = served
    r = httpx.post(f"{server.url}/api/v1/users", json={"name": name, "role": "annotator"},
                   headers=_h(w.admin_token), timeout=60)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "name"


def test_user_names_are_unique_ignoring_case(served):
    server, w = served
    for name in ("Carol", "CAROL", "cArOl"):
        r = httpx.post(f"{server.url}/api/v1/users", json={"name": name, "role": "annotator"},
                       headers=_h(w.admin_token), timeout=60)
        assert r.status_code == 409 and "'carol'" in r.json()["error"]["message"], r.text
    res = run_cli("user", "create", "CaRoL", "--role", "annotator", "--no-password",
                  "--db", server.db_url)
    assert res.returncode == 2 and "already exists" in res.stderr, res.stderr
    res = run_cli("user", "create", "x/../y", "--role", "annotator", "--no-password",
                  "--db", server.db_url)
    assert res.returncode == 2 and "not a path" in res.stderr, res.stderr
    # and the database refuses a second spelling even past the check (unique lower(name))
    engine = make_engine(server.db_url)
    from sqlalchemy.exc import IntegrityError

    from accord.store.models import User

    with pytest.raises(IntegrityError), write_scope(engine) as s:
        s.add(User(name="CAROL", role="annotator"))
        s.flush()
    engine.dispose()


def test_a_missing_dataset_names_no_other_dataset(served):
    server, w = served
    annotator = next(iter(w.annotators.values()))
    for token in (annotator, w.admin_token):
        for path in ("/datasets/missing", "/datasets/missing/stats",
                     "/datasets/missing/records/1/response"):
            r = httpx.get(f"{server.url}/api/v1{path}", headers=_h(token), timeout=60)
            assert r.status_code in (403, 404), (path, r.text)
            assert "secret-dataset" not in r.text and "'d'" not in r.text, (path, r.text)
        r = httpx.post(f"{server.url}/api/v1/datasets/missing/next", headers=_h(token),
                       timeout=60)
        assert r.status_code == 404 and "secret-dataset" not in r.text, r.text
