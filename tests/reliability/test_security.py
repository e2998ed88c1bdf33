"""Security properties against a real server on SQLite and PostgreSQL.

Path traversal (upload file names, export and report paths, symlinks),
injection through the record filters, secrets never written to logs, tokens and
passwords hashed at rest, and the password policy. The authorization matrix,
CSRF and the login rate limit are in tests/server/test_authorization.py;
docs/security.md collects all of them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from accord.io.importer import import_rows
from accord.store import make_engine
from accord.store.engine import session_scope
from accord.store.models import ApiToken, AuditEntry, User
from tests.conftest import run_cli
from tests.reliability.harness import SETTINGS, Server, seed


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory):
    """A running server with dataset ``d`` (public records) and ``secret`` (others)."""
    tmp = tmp_path_factory.mktemp(f"sec-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'accord.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"sec_{os.getpid()}")
    w = seed(url, annotators=1)
    engine = make_engine(url)
    import_rows(engine, "d", [
        (1, {"id": "p1", "text": "100% sure", "src": "web", 'a"b': "1"}),
        (2, {"id": "p2", "text": "snake_case here", "src": "mail"}),
        (3, {"id": "p3", "text": "plain text", "src": "web"})])
    from accord.schema import parse_settings
    from accord.store.datasets import create_dataset
    from accord.store.engine import write_scope

    with write_scope(engine) as s:
        create_dataset(s, "secret", parse_settings(SETTINGS))
    import_rows(engine, "secret", ((i + 1, {"id": f"s{i}", "text": f"TOPSECRET {i} ' OR 1=1",
                                            "src": "web"}) for i in range(5)))
    tmpdir = tmp / "server-tmp"
    tmpdir.mkdir()
    server = Server(url, tmp / "server.log", env={"TMPDIR": str(tmpdir)}).start()
    yield server, w, engine, tmpdir
    server.kill()
    engine.dispose()


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- path traversal --------------------------------------------------------------------

@pytest.mark.parametrize("filename", ["../../../../tmp/accord-evil-{n}.jsonl",
                                      "/tmp/accord-evil-{n}.jsonl",
                                      "..\\..\\accord-evil-{n}.jsonl",
                                      "sub/../../accord-evil-{n}.jsonl"])
def test_upload_filename_cannot_choose_where_the_file_goes(world, filename):
    server, w, _, tmpdir = world
    name = filename.format(n=os.getpid())
    target = Path("/tmp") / Path(name.replace("\\", "/")).name
    target.unlink(missing_ok=True)
    r = httpx.post(f"{server.url}/api/v1/datasets/d/records/upload", headers=_h(w.admin_token),
                   files={"file": (name, b'{"id": "up1", "text": "uploaded"}\n')}, timeout=60)
    assert r.status_code == 200, r.text
    assert not target.exists(), f"the upload's file name wrote {target}"
    assert list(tmpdir.rglob("*")) == [], "the upload left files in the server's TMPDIR"


def test_export_does_not_write_through_a_symlink(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    seed(url)
    engine = make_engine(url)
    import_rows(engine, "d", [(1, {"id": "r1", "text": "x"})])
    engine.dispose()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.jsonl"
    link.symlink_to(victim)
    done = run_cli("export", "d", "-o", str(link), "--db", url)
    assert done.returncode == 2 and "symbolic link" in done.stderr, done.stderr
    assert victim.read_text() == "precious"
    assert link.is_symlink()  # refused, not followed and not replaced


@pytest.mark.parametrize("args,needle", [
    (["import", "d", "{tmp}/missing/../../nope.jsonl"], "nope.jsonl"),
    (["export", "d", "-o", "{tmp}/no-such-dir/out.jsonl"], "no-such-dir"),
    (["import", "d", "{tmp}/data.txt"], "data.txt"),
])
def test_cli_bad_paths_exit_2_naming_the_file(tmp_path, args, needle):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    seed(url)
    (tmp_path / "data.txt").write_text("not a known format\n")
    done = run_cli(*[a.format(tmp=tmp_path) for a in args], "--db", url)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert needle in done.stderr and "Traceback" not in done.stderr


# -- injection through filters ---------------------------------------------------------

PAYLOADS = ["' OR 1=1 --", "' OR '1'='1", '" OR ""="', "%' OR 1=1 --", "%", "_", "\\",
            "'); DROP TABLE records; --", "1; SELECT * FROM api_tokens", "$.text", "$[0]",
            "*", "TOPSECRET", "' UNION SELECT id, name FROM datasets --", "\x00", "a\x00b",
            "é🙂", "' || (SELECT token_hash FROM api_tokens LIMIT 1) || '"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_filters_bind_sql_metacharacters(world, payload):
    server, w, _, _ = world
    queries = [{"q": payload}, {f"metadata.{payload}": "web"}, {"metadata.src": payload},
               {"response.label": payload}, {"q": payload, "metadata.src": payload}]
    for params in queries:
        r = httpx.get(f"{server.url}/api/v1/datasets/d/records", params=params,
                      headers=_h(w.admin_token), timeout=60)
        assert r.status_code in (200, 422), (params, r.status_code, r.text[:500])
        if r.status_code == 200:
            ids = {rec["external_id"] for rec in r.json()["records"]}
            assert ids <= {"p1", "p2", "p3", "up1"}, f"{params} leaked {ids}"
            assert "TOPSECRET" not in r.text
        else:
            assert r.json()["error"]["type"] == "input_error"
    tables = httpx.get(f"{server.url}/api/v1/datasets/secret", headers=_h(w.admin_token))
    assert tables.json()["counts"]["records"] == 5  # nothing was dropped


def test_filters_match_metacharacters_literally(world):
    server, w, _, _ = world

    def ids(**params: str) -> set[str]:
        r = httpx.get(f"{server.url}/api/v1/datasets/d/records", params=params,
                      headers=_h(w.admin_token))
        assert r.status_code == 200, r.text
        return {rec["external_id"] for rec in r.json()["records"]}

    # text search is by whole words: LIKE's wildcards and FTS syntax are plain text
    assert ids(q="100%") == {"p1"}
    assert ids(q="10%") == set()          # as a LIKE pattern, 10% would match "100%"
    assert ids(q="snake_case") == {"p2"}
    assert ids(q="s_ake") == set()        # as a LIKE pattern, s_ake would match "snake"
    assert ids(q="' OR 1=1 --") == set()
    for no_word in ("%", "_", "*", '"'):  # nothing to search for: a 422 naming q
        r = httpx.get(f"{server.url}/api/v1/datasets/d/records", params={"q": no_word},
                      headers=_h(w.admin_token))
        assert r.status_code == 422 and r.json()["error"]["field"] == "q", r.text
    assert ids(**{"metadata.src": "web"}) == {"p1", "p3"}


@pytest.mark.parametrize("key,value,expected", [
    ('a"b', "1", {"p1"}), ('a"b', "2", set()), ('"', "web", set()), ('a"b"', "1", set()),
    ("src", "web", {"p1", "p3"}), ("a.b", "1", set())])
def test_metadata_key_with_a_quote_matches(world, key, value, expected):
    """``metadata.KEY`` for a key holding a double quote finds the record on both
    backends (SQLite's JSON path cannot quote it: bug 6), and only that record."""
    server, w, _, _ = world
    r = httpx.get(f"{server.url}/api/v1/datasets/d/records", params={f"metadata.{key}": value},
                  headers=_h(w.admin_token))
    assert r.status_code == 200, r.text
    assert {rec["external_id"] for rec in r.json()["records"]} == expected


# -- secrets ---------------------------------------------------------------------------

def test_secrets_never_logged(db_url, tmp_path):
    """A debug-level server and the CLI: no password, token, session or DB password
    appears in their output, and none is stored in clear."""
    db_password = "Db-Pa55word-XYZ"
    if db_url.startswith("postgresql"):  # trust auth ignores it, but it is in the URL
        db_url = db_url.replace("postgres@", f"postgres:{db_password}@")
    w = seed(db_url, admin_password="Admin-Pa55-XYZ")
    secrets = {"Admin-Pa55-XYZ", db_password, w.admin_token}
    server = Server(db_url, tmp_path / "server.log", log_level="debug", cli=True).start()
    try:
        api = httpx.Client(base_url=server.url + "/api/v1", headers=_h(w.admin_token))
        r = api.post("/users", json={"name": "eve", "role": "annotator",
                                     "password": "Eve-Pa55-XYZ"})
        assert r.status_code == 201, r.text
        secrets.add("Eve-Pa55-XYZ")
        token = api.post("/users/eve/tokens", params={"label": "t"}).json()["token"]
        secrets.add(token)
        assert httpx.get(server.url + "/api/v1/auth/me", headers=_h(token)).status_code == 200
        assert api.patch("/users/eve", json={"password": "Eve-New-Pa55"}).status_code == 200
        secrets.add("Eve-New-Pa55")
        assert httpx.post(server.url + "/api/v1/auth/login", json={
            "username": "eve", "password": "Wrong-Pa55-XYZ"}).status_code == 401
        secrets.add("Wrong-Pa55-XYZ")
        web = httpx.Client(base_url=server.url)
        ok = web.post("/api/v1/auth/login", json={"username": "eve", "password": "Eve-New-Pa55"})
        assert ok.status_code == 200
        secrets.update({web.cookies["accord_session"], ok.json()["csrf_token"]})
        assert web.get("/api/v1/auth/me").status_code == 200
        assert httpx.get(server.url + "/api/v1/auth/me",
                         headers=_h("acc_not-a-real-token-XYZ")).status_code == 401
        secrets.add("acc_not-a-real-token-XYZ")
        # a client that puts credentials into the URL: the access log must not keep them
        leaky = httpx.get(server.url + "/api/v1/datasets",
                          params={"token": token, "access_token": token, "limit": "5",
                                  "password": "Query-Pa55-XYZ", "api_key": "Key-XYZ-123"},
                          headers=_h(w.admin_token))  # eve's token died with her password
        assert leaky.status_code == 200
        assert httpx.get(f"{server.url}/api/v1/{token}/x").status_code == 404
        secrets.update({"Query-Pa55-XYZ", "Key-XYZ-123"})
        api.close()
        web.close()
    finally:
        server.stop()
    outputs = {"server log": server.log()}
    for args in (["dataset", "list"], ["db", "current"], ["user", "list"]):
        done = run_cli(*args, "--db", db_url)
        outputs[" ".join(args)] = done.stdout + done.stderr
    done = run_cli("user", "create", "fred", "--role", "annotator", "--password-stdin",
                   "--db", db_url, input="Fred-Pa55-XYZ\n")
    assert done.returncode == 0, done.stderr
    secrets.add("Fred-Pa55-XYZ")
    outputs["user create"] = done.stdout + done.stderr
    done = run_cli("user", "create", "gus", "--role", "annotator", "--password-stdin",
                   "--db", db_url, input="Sh0rt!Q\n")  # refused by the policy, not echoed
    assert done.returncode == 2 and "at least 8 characters" in done.stderr
    secrets.add("Sh0rt!Q")
    outputs["user create (refused)"] = done.stdout + done.stderr
    token_cli = run_cli("token", "create", "fred", "--db", db_url)
    assert token_cli.returncode == 0, token_cli.stderr
    fred_token = token_cli.stdout.strip().splitlines()[-1]
    secrets.add(fred_token)
    listing = run_cli("token", "list", "fred", "--db", db_url)
    outputs["token list"] = listing.stdout + listing.stderr
    assert fred_token[:8] in listing.stdout
    if db_url.startswith("postgresql"):
        bad = db_url.rsplit(":", 1)[0] + ":1/nowhere"  # a closed port: the error names the DB
        done = run_cli("dataset", "list", "--db", bad)
        assert done.returncode == 2
        outputs["connection error"] = done.stdout + done.stderr
    assert "GET /api/v1/auth/me" in outputs["server log"], "the debug log is not being captured"
    assert "access_token=***" in outputs["server log"] and "limit=5" in outputs["server log"]
    for where, text in outputs.items():
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{where} contains {leaked}"
    _check_at_rest(db_url, secrets)


def _check_at_rest(db_url: str, secrets: set[str]) -> None:
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            tokens = s.execute(select(ApiToken.token_hash, ApiToken.prefix, ApiToken.name,
                                      ApiToken.kind)).all()
            users = s.execute(select(User.name, User.password_hash)).all()
            audit = [str(row) for row in s.execute(select(AuditEntry.object_id,
                                                          AuditEntry.details)).all()]
    finally:
        engine.dispose()
    stored = " ".join(str(row) for row in tokens + users) + " ".join(audit)
    assert not [x for x in secrets if x in stored], "a secret is stored in clear"
    assert {k for *_, k in tokens} == {"api", "session"}
    assert all(len(h) == 64 and len(p) <= 8 for h, p, *_ in tokens)
    hashed = {h for h, *_ in tokens}
    assert hashlib.sha256(next(s for s in secrets if s.startswith("acc_") and "not-a-real"
                                 not in s).encode()).hexdigest() in hashed
    assert all(ph is None or ph.startswith("$argon2id$") for _, ph in users)


# -- password policy -------------------------------------------------------------------

@pytest.mark.parametrize("password,ok", [
    ("short7!", False), ("eve-user", False), ("EVE-USER", False), ("aaaaaaaaaa", False),
    ("abababab", False), ("abcabcab", True), ("correct horse", True)])
def test_password_policy(world, password, ok):
    server, w, _, _ = world
    name = "eve-user"
    api = httpx.Client(base_url=server.url + "/api/v1", headers=_h(w.admin_token))
    if api.get("/users").json() and name not in {u["name"] for u in api.get("/users").json()}:
        assert api.post("/users", json={"name": name, "role": "annotator",
                                        "password": "Initial-Pa55"}).status_code == 201
    r = api.patch(f"/users/{name}", json={"password": password})
    assert (r.status_code == 200) == ok, r.text
    if not ok:
        assert r.status_code == 422 and r.json()["error"]["field"] == "password"
    if password.lower() != name:  # the name rule applies to the user's own name only
        created = api.post("/users", json={"name": f"pp-{abs(hash(password))}",
                                           "role": "annotator", "password": password})
        assert (created.status_code == 201) == ok, created.text
    api.close()
