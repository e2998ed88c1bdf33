"""API token lifecycle end to end: create with an expiry, list without the secret,
revoke, expired and revoked tokens refused with 401, ``last_used_at`` kept at most a
minute stale, and the ``accord token`` commands; real server on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from accord.store import make_engine
from accord.store.engine import session_scope, write_scope
from accord.store.models import ApiToken, utcnow
from accord.store.users import create_user, parse_duration
from tests.conftest import run_cli
from tests.reliability.harness import Server, seed


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _me(server: Server, token: str) -> int:
    return httpx.get(f"{server.url}/api/v1/auth/me", headers=_h(token), timeout=30).status_code


def _token_row(url: str, token_id: int) -> ApiToken:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            return s.get(ApiToken, token_id)
    finally:
        engine.dispose()


@pytest.fixture
def served(db_url, tmp_path):
    w = seed(db_url, annotators=2)
    server = Server(db_url, tmp_path / "server.log").start()
    yield server, w
    server.kill()


def test_token_lifecycle_over_the_api(served):
    server, w = served
    api = httpx.Client(base_url=server.url + "/api/v1", timeout=30)
    (ann, ann_token), (other, other_token) = sorted(w.annotators.items())

    r = api.post(f"/users/{ann}/tokens", params={"label": "ci", "expires_in": "30d"},
                 headers=_h(w.admin_token))
    assert r.status_code == 201, r.text
    created = r.json()
    token, token_id = created["token"], created["id"]
    assert created["prefix"] == token[:8] and created["label"] == "ci"
    lifetime = datetime.fromisoformat(created["expires_at"]) - utcnow()
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)
    assert _me(server, token) == 200

    # the owner lists their tokens: metadata only, never the secret
    listed = api.get(f"/users/{ann}/tokens", headers=_h(ann_token))
    assert listed.status_code == 200, listed.text
    rows = {t["id"]: t for t in listed.json()}
    assert token_id in rows and len(rows) == 2  # seed's token and the new one
    assert set(rows[token_id]) == {"id", "prefix", "label", "created_at", "last_used_at",
                                   "expires_at", "revoked"}
    assert token not in listed.text and ann_token not in listed.text
    assert rows[token_id]["label"] == "ci" and rows[token_id]["expires_at"] is not None
    assert rows[token_id]["last_used_at"] is not None  # used once above

    # self-service creation; strangers may neither list, create nor revoke
    own = api.post(f"/users/{ann}/tokens", params={"label": "laptop"}, headers=_h(ann_token))
    assert own.status_code == 201 and own.json()["expires_at"] is None
    assert api.get(f"/users/{ann}/tokens", headers=_h(other_token)).status_code == 403
    assert api.post(f"/users/{ann}/tokens", headers=_h(other_token)).status_code == 403
    assert api.delete(f"/tokens/{token_id}", headers=_h(other_token)).status_code == 403
    assert api.get(f"/users/{ann}/tokens").status_code == 401
    assert _me(server, token) == 200

    # the owner revokes it: 401 at once, listed as revoked
    assert api.delete(f"/tokens/{token_id}", headers=_h(ann_token)).status_code == 204
    assert _me(server, token) == 401
    after = {t["id"]: t for t in api.get(f"/users/{ann}/tokens",
                                         headers=_h(w.admin_token)).json()}
    assert after[token_id]["revoked"] is True
    assert _me(server, own.json()["token"]) == 200 and _me(server, ann_token) == 200

    # the admin revokes another user's token; unknown ids are 404
    other_id = api.post(f"/users/{other}/tokens", headers=_h(w.admin_token)).json()["id"]
    assert api.delete(f"/tokens/{other_id}", headers=_h(w.admin_token)).status_code == 204
    missing = api.delete("/tokens/999999", headers=_h(w.admin_token))
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    bad = api.post(f"/users/{ann}/tokens", params={"expires_in": "soon"},
                   headers=_h(w.admin_token))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "expires_in"


def test_expired_token_is_refused(served):
    server, w = served
    ann = sorted(w.annotators)[0]
    r = httpx.post(f"{server.url}/api/v1/users/{ann}/tokens", params={"expires_in": "2s"},
                   headers=_h(w.admin_token))
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert _me(server, token) == 200
    time.sleep(2.5)
    expired = httpx.get(f"{server.url}/api/v1/auth/me", headers=_h(token))
    assert expired.status_code == 401
    assert expired.json()["error"]["type"] == "unauthorized"
    assert expired.headers["www-authenticate"] == "Bearer"


def test_last_used_is_written_at_most_once_a_minute(served):
    server, w = served
    ann, ann_token = sorted(w.annotators.items())[0]
    token_id = httpx.get(f"{server.url}/api/v1/users/{ann}/tokens",
                         headers=_h(w.admin_token)).json()[0]["id"]
    assert _me(server, ann_token) == 200
    first = _token_row(server.db_url, token_id).last_used_at
    assert first is not None and abs((utcnow() - first).total_seconds()) < 60
    for _ in range(5):
        assert _me(server, ann_token) == 200
    assert _token_row(server.db_url, token_id).last_used_at == first  # not rewritten
    engine = make_engine(server.db_url)
    with write_scope(engine) as s:  # pretend the last use was two minutes ago
        s.execute(update(ApiToken).where(ApiToken.id == token_id)
                  .values(last_used_at=first - timedelta(minutes=2)))
    engine.dispose()
    assert _me(server, ann_token) == 200
    assert _token_row(server.db_url, token_id).last_used_at > first


def test_token_commands(db_url, tmp_path):
    w = seed(db_url)
    engine = make_engine(db_url)
    with write_scope(engine) as s:
        create_user(s, "bot", "annotator")
    engine.dispose()
    done = run_cli("token", "create", "bot", "--expires-in", "30d", "--name", "nightly",
                   "--db", db_url)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("acc_") and len(token) > 40
    assert token[:8] in done.stderr and "expires" in done.stderr

    server = Server(db_url, tmp_path / "server.log").start()
    try:
        assert _me(server, token) == 200
        listing = run_cli("token", "list", "bot", "--db", db_url)
        assert listing.returncode == 0, listing.stderr
        assert token[:8] in listing.stdout and "nightly" in listing.stdout
        assert "active" in listing.stdout and token not in listing.stdout
        missing = run_cli("token", "revoke", "bot", "acc_zzzz", "--db", db_url)
        assert missing.returncode == 2 and "acc_zzzz" in missing.stderr
        revoked = run_cli("token", "revoke", "bot", token[:8], "--db", db_url)
        assert revoked.returncode == 0, revoked.stderr
        assert _me(server, token) == 401
        assert "revoked" in run_cli("token", "list", "bot", "--db", db_url).stdout
        assert _me(server, w.admin_token) == 200
    finally:
        server.kill()
    bad = run_cli("token", "create", "bot", "--expires-in", "forever", "--db", db_url)
    assert bad.returncode == 2 and "--expires-in" not in bad.stdout
    assert "forever" in bad.stderr


@pytest.mark.parametrize("text,seconds", [("30d", 30 * 86400), ("12h", 43200), ("90m", 5400),
                                          ("2w", 14 * 86400), ("45", 45), (" 5s ", 5)])
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "0d", "-1d", "1y", "d", "1.5h", "99999999d"])
def test_parse_duration_refuses(text):
    from accord.errors import InputError

    with pytest.raises(InputError) as info:
        parse_duration(text)
    assert info.value.field == "expires_in"


def test_listed_tokens_exclude_ui_sessions(db_url):
    """UI sessions are tokens too, but `token list` and the API show only API tokens."""
    from accord.store.users import create_token, get_user, list_tokens

    seed(db_url)
    engine = make_engine(db_url)
    with write_scope(engine) as s:
        admin = get_user(s, "admin")
        create_token(s, admin, kind="session", expires_at=utcnow() + timedelta(hours=1))
    with session_scope(engine) as s:
        kinds = {t.kind for t in list_tokens(s, get_user(s, "admin"))}
        assert kinds == {"api"}
        assert s.scalar(select(ApiToken.id).where(ApiToken.kind == "session")) is not None
    engine.dispose()


def test_client_token_methods(served):
    from accord import Client
    from accord.errors import AccordError

    server, w = served
    ann, ann_token = sorted(w.annotators.items())[0]
    me = Client(server.url, ann_token)
    token = me.create_token(ann, "script", expires_in="1h")
    listed = {t["prefix"]: t for t in me.tokens(ann)}
    assert token[:8] in listed and listed[token[:8]]["expires_at"] is not None
    Client(server.url, token).revoke_token(listed[token[:8]]["id"])  # revokes itself
    assert _me(server, token) == 401
    with pytest.raises(AccordError):
        Client(server.url, token).tokens(ann)

