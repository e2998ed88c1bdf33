from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

SETTINGS_YAML = """
fields:
  - {name: prompt, type: text}
questions:
  - {name: y, type: label, labels: [a, b]}
"""


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "settings.yaml").write_text(SETTINGS_YAML)
    return tmp_path


def _db(workdir):
    return f"sqlite:///{workdir / 'accord.db'}"


def _snapshot(workdir) -> str:
    res = run_cli("dataset", "list", "--db", _db(workdir))
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_happy_path_create_import_export_token(workdir):
    db = _db(workdir)
    assert run_cli("dataset", "create", "d", "--settings", str(workdir / "settings.yaml"),
                   "--db", db).returncode == 0
    data = workdir / "d.jsonl"
    data.write_text("".join(json.dumps({"id": i, "instruction": f"p{i}", "src": "x"}) + "\n"
                            for i in range(50)))
    res = run_cli("import", "d", str(data), "--map", "prompt=instruction", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "50 inserted, 0 updated, 0 rejected" in res.stdout
    out = workdir / "out.jsonl"
    res = run_cli("export", "d", "--format", "jsonl", "-o", str(out), "--db", db)
    assert res.returncode == 0, res.stderr
    first = json.loads(out.read_text().splitlines()[0])
    assert first["fields"] == {"prompt": "p0"} and first["metadata"] == {"src": "x"}
    res = run_cli("user", "create", "alice", "--role", "annotator", "--password-stdin",
                  "--db", db, input="long-enough-pw\n")
    assert res.returncode == 0, res.stderr
    res = run_cli("token", "create", "alice", "--db", db)
    assert res.returncode == 0
    assert res.stdout.strip().splitlines()[-1].startswith("acc_")
    show = run_cli("dataset", "show", "d", "--json", "--db", db)
    assert json.loads(show.stdout)["counts"]["records"] == 50


def test_import_create_in_one_command(workdir, shared_data):
    res = run_cli("import", "sst2", str(shared_data / "sst2" / "dev.jsonl"), "--create",
                  "--db", _db(workdir))
    assert res.returncode == 0, res.stderr
    assert "872 inserted" in res.stdout


def _bad_inputs(workdir):
    big = workdir / "big.jsonl"
    with open(big, "w") as fh:
        fh.write(json.dumps({"id": 1, "prompt": "ok"}) + "\n")
        fh.write(json.dumps({"id": 2, "prompt": "x" * (50 * 1024 * 1024)}) + "\n")
    cases = {
        "malformed_json": (b'{"id": 1, "prompt": "a"}\n{"id": 2, "prompt": \n', [":2:",
                           "not valid JSON"]),
        "invalid_utf8": (b'{"id": 1, "prompt": "a"}\n{"id": 2, "prompt": "\xff"}\n',
                         [":2:", "UTF-8"]),
        "missing_mapped_column": (b'{"id": 1, "text": "a"}\n', [":1:", "field 'prompt'",
                                  "missing column 'instruction'"]),
        "duplicate_id": (b'{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\n',
                         [":2:", "external_id", "duplicate external_id '1'"]),
        "empty_file": (b"", ["has no records"]),
    }
    out = []
    for name, (content, expected) in cases.items():
        path = workdir / f"{name}.jsonl"
        path.write_bytes(content)
        extra = ["--map", "prompt=instruction"] if name == "missing_mapped_column" else []
        out.append((name, ["import", "d", str(path), *extra], [str(path), *expected]))
    out.append(("field_50mb", ["import", "d", str(big)],
                [str(big), ":2:", "field 'prompt'", "more than the limit"]))
    bad_type = workdir / "bad_type.yaml"
    bad_type.write_text("fields: [{name: t, type: text}]\nquestions:\n"
                        "  - {name: q, type: vote}\n")
    out.append(("settings_unknown_type", ["dataset", "create", "e", "--settings", str(bad_type)],
                [str(bad_type), "questions[0].type", "unknown type 'vote'"]))
    dup = workdir / "dup.yaml"
    dup.write_text("fields: [{name: t, type: text}]\nquestions:\n"
                   "  - {name: q, type: rating}\n  - {name: q, type: rating}\n")
    out.append(("settings_duplicate_question", ["dataset", "create", "e", "--settings", str(dup)],
                [str(dup), "questions[1].name", "duplicate question name 'q'"]))
    return out


def test_bad_input_table(workdir):
    db = _db(workdir)
    assert run_cli("dataset", "create", "d", "--settings", str(workdir / "settings.yaml"),
                   "--db", db).returncode == 0
    good = workdir / "good.jsonl"
    good.write_text('{"id": "keep", "prompt": "kept"}\n')
    assert run_cli("import", "d", str(good), "--db", db).returncode == 0
    before = _snapshot(workdir)
    for name, args, expected in _bad_inputs(workdir):
        res = run_cli(*args, "--db", db)
        assert res.returncode == 2, (name, res.stdout, res.stderr)
        for text in expected:
            assert text in res.stderr, (name, text, res.stderr)
        assert "Traceback" not in res.stderr, name
        assert _snapshot(workdir) == before, name


@pytest.mark.parametrize("url,expected", [
    ("sqlite:////nonexistent-dir/sub/accord.db", "directory '/nonexistent-dir/sub' does not exist"),
    ("postgresql://nobody@127.0.0.1:1/none", "cannot open database"),
    ("mysql://x@y/z", "unsupported database 'mysql'"),
    ("not a url", "cannot parse database URL"),
])
def test_database_that_cannot_be_opened(url, expected):
    res = run_cli("dataset", "list", "--db", url)
    assert res.returncode == 2, res.stderr
    assert expected in res.stderr and "--db" in res.stderr
    assert "Traceback" not in res.stderr


def test_env_var_selects_database(workdir):
    res = run_cli("dataset", "create", "viaenv", "--settings", str(workdir / "settings.yaml"),
                  env={"ACCORD_DB": _db(workdir)})
    assert res.returncode == 0, res.stderr
    assert "viaenv" in _snapshot(workdir)


@pytest.mark.parametrize("args", [["db", "current"], ["dataset", "list"], ["user", "list"]])
def test_a_command_closes_its_database_connections(db_url, args):
    """run_cli runs the CLI in this process, where an engine left open is a ResourceWarning
    (an error in this suite) when it is collected; ``db current`` on PostgreSQL left one
    (the dispose hook was registered on a click context that typer's own copy of click
    never closes)."""
    import gc
    import warnings

    from tests.dbs import migrated

    url = migrated(db_url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done = run_cli(*args, "--db", url)
        gc.collect()
    assert done.returncode == 0, done.stderr
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], \
        [str(w.message) for w in caught]
