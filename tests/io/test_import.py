from __future__ import annotations

import json

import orjson
import pytest
from sqlalchemy import Text, cast, func, select

from accord.errors import InputError, NotFound
from accord.io import ImportOptions, export_jsonl, import_file
from accord.schema import parse_settings
from accord.store import session_scope, write_scope
from accord.store.datasets import create_dataset, get_dataset
from accord.store.models import Record

SETTINGS = parse_settings({"fields": [{"name": "prompt", "type": "text"},
                                      {"name": "conversation", "type": "chat", "required": False}]})


def _count(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Record))


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_jsonl_import_maps_id_fields_and_metadata(engine, tmp_path):
    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    f = _write_jsonl(tmp_path / "a.jsonl", [
        {"id": 1, "prompt": "hi", "source": "x", "conversation": [{"role": "user",
                                                                   "content": "hey"}]},
        {"id": 2, "prompt": "yo", "source": "y"}])
    summary = import_file(engine, "d", f)
    assert (summary.inserted, summary.updated, summary.rejected) == (2, 0, 0)
    summary = import_file(engine, "d", f)  # re-import updates, never duplicates
    assert (summary.inserted, summary.updated) == (0, 2)
    assert _count(engine) == 2
    with session_scope(engine) as s:
        rec = s.scalar(select(Record).where(Record.external_id == "1"))
        assert rec.fields["conversation"][0]["content"] == "hey"
        assert rec.meta == {"source": "x"}


def test_map_option_and_content_hash_ids(engine, tmp_path):
    f = _write_jsonl(tmp_path / "a.jsonl", [{"instruction": "a", "k": 1}, {"instruction": "b"}])
    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    opts = ImportOptions(mapping={"prompt": "instruction", "metadata.kind": "k"},
                         on_error="skip")
    s1 = import_file(engine, "d", f, opts)
    assert s1.inserted == 1 and s1.rejected == 1  # 2nd line lacks column k
    assert "metadata.kind" in s1.rejects[0][1]
    s2 = import_file(engine, "d", f, opts)
    assert s2.updated == 1 and s2.inserted == 0  # content hash ids are stable


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "hf"])
def test_other_formats(engine, tmp_path, fmt):
    rows = [{"id": f"r{i}", "prompt": f"text {i}", "lang": "en"} for i in range(10)]
    if fmt == "csv":
        path = tmp_path / "a.csv"
        path.write_text("id,prompt,lang\n" + "".join(f"{r['id']},{r['prompt']},en\n"
                                                      for r in rows))
    elif fmt == "json":
        path = tmp_path / "a.json"
        path.write_text(json.dumps(rows))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "a.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        datasets = pytest.importorskip("datasets")
        path = tmp_path / "hfds"
        datasets.Dataset.from_list(rows).save_to_disk(str(path))
    summary = import_file(engine, "d", path, ImportOptions(create=True))
    assert summary.inserted == 10 and summary.created_dataset
    with session_scope(engine) as s:
        rec = s.scalar(select(Record).where(Record.external_id == "r3"))
        assert rec.fields == {"prompt": "text 3", "lang": "en"}


def test_failed_import_leaves_database_unchanged(engine, tmp_path):
    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    good = [{"id": i, "prompt": "p"} for i in range(12000)]
    f = tmp_path / "a.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in good) + "{broken\n")
    with pytest.raises(InputError) as info:
        import_file(engine, "d", f, ImportOptions(batch_size=1000))
    assert info.value.line == 12001 and "not valid JSON" in str(info.value)
    assert _count(engine) == 0


def test_create_rolls_back_with_the_import(engine, tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\n')
    with pytest.raises(InputError, match="duplicate external_id '1'"):
        import_file(engine, "new", f, ImportOptions(create=True))
    with session_scope(engine) as s, pytest.raises(NotFound):
        get_dataset(s, "new")


def test_skip_mode_reports_every_bad_line(engine, tmp_path):
    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    f = tmp_path / "a.jsonl"
    lines = [b'{"id": 1, "prompt": "ok"}', b'{"id": 2, "prompt": "ok", "conversation": "hi"}',
             b"not json", b'{"id": 3, "prompt": "\xff\xfe"}', b'{"id": 1, "prompt": "dup"}',
             b'{"id": 4}', b'{"id": 5, "prompt": "fine"}']
    f.write_bytes(b"\n".join(lines) + b"\n")
    summary = import_file(engine, "d", f, ImportOptions(on_error="skip", batch_size=2))
    assert summary.inserted == 2
    assert [line for line, _ in summary.rejects] == [2, 3, 4, 5, 6]
    reasons = dict(summary.rejects)
    assert "expected list of {role, content}, got str" in reasons[2]
    assert "UTF-8" in reasons[4]
    assert "duplicate external_id" in reasons[5]
    assert "required field" in reasons[6]


def test_round_trip_every_shared_jsonl(engine, tmp_path, shared_data):
    files = sorted(shared_data.rglob("*.jsonl"))
    assert len(files) >= 6
    for i, path in enumerate(files):
        name = f"ds{i}"
        summary = import_file(engine, name, path, ImportOptions(create=True))
        out = tmp_path / f"{name}.jsonl"
        n = export_jsonl(engine, name, out)
        originals = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
        assert n == len(originals) == summary.inserted, path
        exported = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        for orig, exp in zip(originals, exported):
            id_key = "external_id" if "external_id" in orig else "id" if "id" in orig else None
            if id_key:
                assert exp["external_id"] == str(orig[id_key])
            rebuilt = {**exp["fields"], **exp["metadata"]}
            expected = {k: v for k, v in orig.items() if k != id_key}
            assert rebuilt == expected, (path, orig)


@pytest.mark.parametrize("on_error", ["fail", "skip"])
def test_parallel_path_matches_serial(engine, tmp_path, on_error):
    """The helper-process JSONL path gives the same records, errors and line numbers."""
    with write_scope(engine) as s:
        create_dataset(s, "serial", SETTINGS)
        create_dataset(s, "parallel", SETTINGS)
    lines = [json.dumps({"id": i, "prompt": f"p{i}", "k": i}) for i in range(2500)]
    if on_error == "skip":
        lines[700] = "{bad json"
        lines[1900] = json.dumps({"id": 5, "prompt": "dup"})
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(lines) + "\n")
    base = dict(on_error=on_error, batch_size=300)
    a = import_file(engine, "serial", f, ImportOptions(**base))
    b = import_file(engine, "parallel", f, ImportOptions(**base, parallel=True,
                                                          parallel_min_bytes=0))
    assert (a.inserted, a.updated, a.rejects) == (b.inserted, b.updated, b.rejects)
    with session_scope(engine) as s:
        rows = {}
        for name in ("serial", "parallel"):
            ds = get_dataset(s, name)
            rows[name] = [(r.external_id, r.fields, r.meta) for r in s.scalars(
                select(Record).where(Record.dataset_id == ds.id).order_by(Record.id))]
        assert rows["serial"] == rows["parallel"] and len(rows["serial"]) == a.inserted


def test_parallel_path_fails_like_serial(engine, tmp_path):
    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    f = tmp_path / "a.jsonl"
    f.write_text("".join(json.dumps({"id": i, "prompt": "p"}) + "\n" for i in range(3000))
                 + '{"id": 9999, "conversation": "not a chat", "prompt": "x"}\n')
    with pytest.raises(InputError) as info:
        import_file(engine, "d", f, ImportOptions(parallel=True, parallel_min_bytes=0,
                                                  batch_size=500))
    assert info.value.line == 3001 and info.value.field == "conversation"
    assert _count(engine) == 0


def test_import_with_prep_drops_duplicates_and_reports_them(engine, tmp_path):
    pytest.importorskip("ftfy")
    from accord.io.prep_import import load_prep_config

    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    f = tmp_path / "a.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": 1, "prompt": "caf\u00c3\u00a9 is open"},      # mojibake repaired by ftfy
        {"id": 2, "prompt": "Hello   world"},
        {"id": 3, "prompt": "hello world"},                  # exact duplicate after normalizing
        {"id": 4, "prompt": "mail me at jane@example.com"}]))
    cfg = load_prep_config({"pii": "redact", "text_fields": ["prompt"], "workers": 1})
    summary = import_file(engine, "d", f, ImportOptions(prep=cfg, on_error="skip"))
    assert summary.inserted == 3 and summary.rejected == 1
    assert summary.rejects[0][0] == 3 and "prep dedupe_exact" in summary.rejects[0][1]
    with session_scope(engine) as s:
        texts = {r.external_id: r.fields["prompt"] for r in s.scalars(select(Record))}
    assert texts["1"] == "café is open"
    assert "jane@example.com" not in texts["4"] and "<EMAIL_ADDRESS>" in texts["4"]
    with pytest.raises(InputError, match="unknown prep option 'colour'"):
        load_prep_config({"colour": "red"})
    # a file: YAML and encoding errors name it and the line, through accord's one YAML read
    broken = tmp_path / "prep.yaml"
    broken.write_text("pii: redact\nworkers: [1\n")
    with pytest.raises(InputError) as err:
        load_prep_config(broken)
    assert (err.value.path, err.value.line) == (str(broken), 3)
    broken.write_bytes(b"pii: redact\ntext_fields: [caf\xe9]\n")
    with pytest.raises(InputError, match=r"prep.yaml:2: not valid UTF-8 at byte 29"):
        load_prep_config(broken)


def test_stored_json_is_orjsons_text_in_file_order(engine, tmp_path):
    """The batch insert (one statement, rows as one JSON array on SQLite) stores each
    record's fields and metadata as orjson's compact text, ids in file order, on a new
    import and on the update of a re-import."""
    hostile = {"quote": 'a "b" \\ c', "ctl": "\n\t\x01\x1f", "uni": "café \u2028 \U0001f600",
               "big": 2**63 - 1, "neg": -(2**63), "small": 1e-7, "huge": 1.5e300, "z": -0.0,
               "nested": {"l": [1, [2, {"k": None}]], "t": True}, "esc": "\\u0000 as text"}
    rows = [{"id": f"r{i}", "prompt": f"p{i} {hostile['uni']}", **hostile, "i": i}
            for i in (5, 3, 9, 1, 7)]
    with write_scope(engine) as s:
        ds_id = create_dataset(s, "d", SETTINGS).id
    f = tmp_path / "a.jsonl"
    for round_, suffix in enumerate(["", " again"]):
        f.write_bytes(b"".join(orjson.dumps({**r, "prompt": r["prompt"] + suffix}) + b"\n"
                               for r in rows))
        summary = import_file(engine, "d", f, ImportOptions(batch_size=2))
        assert (summary.inserted, summary.updated) == ((5, 0), (0, 5))[round_]
        with session_scope(engine) as s:
            table = Record.__table__
            stored = s.execute(select(table.c.external_id, cast(table.c.fields, Text),
                                      cast(table.c.metadata, Text)).where(
                table.c.dataset_id == ds_id).order_by(table.c.id)).all()
        assert [ext for ext, _, _ in stored] == [r["id"] for r in rows]
        for (_, fields, meta), row in zip(stored, rows, strict=True):
            expected_meta = {k: v for k, v in row.items() if k not in ("id", "prompt")}
            assert orjson.loads(fields) == {"prompt": row["prompt"] + suffix}
            assert orjson.loads(meta) == expected_meta
            if engine.dialect.name == "sqlite":  # PostgreSQL's jsonb keeps its own form
                assert fields == orjson.dumps({"prompt": row["prompt"] + suffix}).decode()
                assert meta == orjson.dumps(expected_meta).decode()


def test_skip_mode_rejects_in_line_order_across_chunks(engine, tmp_path):
    """Reader errors, mapping errors, unstorable values and duplicates, spread over
    chunks the read-ahead thread maps while the previous one is written."""
    with write_scope(engine) as s:
        create_dataset(s, "d", SETTINGS)
    lines = [json.dumps({"id": i, "prompt": f"p{i}"}) for i in range(40)]
    lines[3] = "{not json"
    lines[11] = json.dumps({"id": 11, "prompt": "a\x00b"})
    lines[12] = '{"id": 12, "prompt": "x", "deep": ' + "[" * 120 + "]" * 120 + "}"
    lines[20] = json.dumps({"id": 2, "prompt": "dup of line 3"})
    lines[27] = "[1, 2]"
    lines[33] = json.dumps({"id": 33, "k": 2**64})
    lines[34] = ""
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(lines) + "\n")
    summary = import_file(engine, "d", f, ImportOptions(on_error="skip", batch_size=4))
    assert [line for line, _ in summary.rejects] == [4, 12, 13, 21, 28, 34]
    reasons = dict(summary.rejects)
    assert "not valid JSON" in reasons[4] and "NUL" in reasons[12]
    assert "nested more than" in reasons[13] and "duplicate external_id" in reasons[21]
    assert "expected a JSON object" in reasons[28] and "out of range" in reasons[34]
    assert summary.inserted == 40 - 7 and _count(engine) == 33
