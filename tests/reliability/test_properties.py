"""Hypothesis properties of the untrusted-input parsers.

- ``accord.schema.parse_settings``: any mapping -> Settings or SettingsError, nothing else;
  accepted settings round-trip through ``to_dict``.
- ``accord.io.importer.import_file`` (JSONL, JSON array, CSV): any file -> summary or
  InputError, nothing else; an InputError leaves the dataset exactly as it was (no
  half-written import); a success writes exactly what the summary says.
"""

from __future__ import annotations

import itertools
import json
import string
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from accord.errors import InputError, SettingsError
from accord.io.importer import ImportOptions, import_file
from accord.schema import parse_settings
from accord.store import make_engine, upgrade
from accord.store.datasets import create_dataset, get_dataset
from accord.store.engine import session_scope, write_scope
from accord.store.models import Record

_PROFILE = settings(
    max_examples=int(__import__("os").environ.get("ACCORD_PROP_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- settings --------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                     st.floats(allow_nan=True), st.text(max_size=12))
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
_names = st.sampled_from(["text", "prompt", "a", "b", "candidates", "x y", "", "1bad", "text"])
_field = st.fixed_dictionaries(
    {"name": st.one_of(_names, _names, _names, _json), "type": st.one_of(st.sampled_from(
        ["text", "chat", "markdown", "image", "audio", "json", "video"]), _json)},
    optional={"required": _json, "title": _json, "extra": _json})
_question_keys = {
    "labels": st.one_of(st.lists(st.one_of(st.text(max_size=5), _json), max_size=4),
                        st.dictionaries(st.text(max_size=5), _json, max_size=3), _json),
    "field": st.one_of(_names, _json), "fields": st.one_of(st.lists(_names, max_size=3), _json),
    "min": _json, "max": _json, "allow_ties": _json, "allow_tie": _json,
    "max_strength": _json, "severities": _json, "min_length": _json, "required": _json,
    "allow_overlap": _json, "use_markdown": _json, "title": _json}
_question = st.fixed_dictionaries(
    {"name": st.one_of(_names, _names, _names, _json), "type": st.one_of(st.sampled_from(
        ["label", "multi_label", "span", "rating", "ranking", "pairwise", "text", "flags",
         "bbox"]), _json)}, optional=_question_keys)
_settings = st.fixed_dictionaries(
    {"fields": st.one_of(st.lists(_field, max_size=4), _json)},
    optional={"questions": st.one_of(st.lists(_question, max_size=4), _json),
              "distribution": st.one_of(st.fixed_dictionaries({}, optional={
                  "overlap": _json, "lease_seconds": _json, "gold_rate": _json}), _json),
              "guidelines": _json, "assist": st.one_of(st.fixed_dictionaries({}, optional={
                  "auto_accept": _json, "thresholds": st.dictionaries(
                      st.text(max_size=5), _json, max_size=2)}), _json),
              "unknown": _json})


@st.composite
def _mutated_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid settings mapping with at most one key replaced by arbitrary JSON."""
    fields = [{"name": "text", "type": "text"}, {"name": "a", "type": "text"},
              {"name": "b", "type": "markdown"}, {"name": "candidates", "type": "json"}]
    questions = [{"name": "y", "type": "label", "labels": ["p", "q"]},
                 {"name": "m", "type": "multi_label", "labels": {"p": "P"}},
                 {"name": "s", "type": "span", "field": "text", "labels": ["X"]},
                 {"name": "r", "type": "rating", "min": 1, "max": 7},
                 {"name": "k", "type": "ranking", "field": "candidates"},
                 {"name": "w", "type": "pairwise", "fields": ["a", "b"]},
                 {"name": "t", "type": "text", "field": "a"},
                 {"name": "f", "type": "flags", "labels": ["pii"]}]
    data: dict[str, Any] = {
        "fields": draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique_by=str)),
        "questions": draw(st.lists(st.sampled_from(questions), max_size=5, unique_by=str)),
        "distribution": {"overlap": draw(st.integers(1, 5))}}
    target = draw(st.sampled_from(["none", "fields", "questions", "distribution"]))
    if target == "none":
        return data
    items = data[target]
    if isinstance(items, list):
        if items:
            i = draw(st.integers(0, len(items) - 1))
            key = draw(st.sampled_from(sorted(items[i]) + ["extra"]))
            items[i] = {**items[i], key: draw(_json)}
    else:
        data[target] = {**data[target], draw(st.sampled_from(
            ["overlap", "lease_seconds", "gold_rate", "extra"])): draw(_json)}
    return data


@_PROFILE
@given(data=st.one_of(_settings, _json, _mutated_valid()))
def test_parse_settings_raises_only_settings_error(data: Any) -> None:
    try:
        parsed = parse_settings(data)
    except SettingsError as exc:
        event("settings: SettingsError")
        assert exc.problems and all(isinstance(m, str) for _, m in exc.problems)
        str(exc)  # renders
        return
    event("settings: valid")
    again = parse_settings(parsed.to_dict())
    assert again == parsed


# -- importers -------------------------------------------------------------------------

_SETTINGS = {"fields": [{"name": "text", "type": "text"},
                        {"name": "chat", "type": "chat", "required": False}],
             "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]}
_ids = st.one_of(st.text(max_size=6), st.integers(-5, 5), st.none(), _json)
_good = st.fixed_dictionaries({"id": st.text(string.ascii_letters, min_size=1, max_size=4),
                               "text": st.text(max_size=20)})
_row = st.one_of(
    _good,
    st.fixed_dictionaries({"id": _ids}, optional={"text": _json, "chat": _json,
                                                  "external_id": _ids, "meta": _json}),
    _json)
_line = st.one_of(
    _row.map(lambda v: json.dumps(v).encode()),  # big ints, NaN and Infinity included
    st.binary(max_size=20), st.sampled_from([b"", b"   ", b"{", b"\xff\xfe{}", b"[1,2]",
                                             b'{"id": "x", "text": "\xc3\x28"}',
                                             b'{"id": "dup", "text": "a"}']))


@pytest.fixture(scope="module")
def import_engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('props') / 'p.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


_counter = itertools.count()


def _fresh_dataset(engine) -> str:
    """A dataset holding three known records, so 'unchanged' means something."""
    name = f"p{next(_counter)}"
    with write_scope(engine) as s:
        create_dataset(s, name, parse_settings(_SETTINGS))
    import_file(engine, name, _write(Path(_tmp()) / f"{name}.seed.jsonl",
                                     [orjson.dumps({"id": f"seed{i}", "text": f"seed {i}"})
                                      for i in range(3)]))
    return name


def _tmp() -> str:
    import tempfile

    return tempfile.gettempdir()


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _snapshot(engine, dataset: str) -> dict[str, tuple[Any, Any]]:
    with session_scope(engine) as s:
        ds = get_dataset(s, dataset)
        return {ext: (fields, meta) for ext, fields, meta in s.execute(
            select(Record.external_id, Record.fields, Record.meta)
            .where(Record.dataset_id == ds.id))}


def _check_import(engine, path: Path, options: ImportOptions) -> None:
    name = _fresh_dataset(engine)
    before = _snapshot(engine, name)
    try:
        summary = import_file(engine, name, path, options)
    except InputError as exc:
        event("import: InputError")
        assert str(exc)
        assert _snapshot(engine, name) == before, "a failed import changed the dataset"
        return
    event(f"import: ok ({'some' if summary.inserted + summary.updated else 'no'} rows)")
    after = _snapshot(engine, name)
    new = set(after) - set(before)
    assert len(new) == summary.inserted
    assert summary.updated <= len(before) and len(after) == len(before) + summary.inserted
    if options.on_error == "fail":
        assert summary.rejected == 0


@_PROFILE
@given(lines=st.lists(_line, max_size=12), skip=st.booleans())
def test_jsonl_import_is_all_or_nothing(import_engine, tmp_path, lines, skip) -> None:
    path = _write(tmp_path / f"in{next(_counter)}.jsonl", lines)
    _check_import(import_engine, path, ImportOptions(on_error="skip" if skip else "fail"))


@_PROFILE
@given(rows=st.one_of(st.lists(_row, max_size=8), _json))
def test_json_array_import_is_all_or_nothing(import_engine, tmp_path, rows) -> None:
    path = tmp_path / f"in{next(_counter)}.json"
    path.write_text(json.dumps(rows))
    _check_import(import_engine, path, ImportOptions())


@_PROFILE
@given(text=st.text(alphabet=st.sampled_from(list('id,text"\n\r x\x00é;')), max_size=80),
       raw=st.binary(max_size=40), use_raw=st.booleans())
def test_csv_import_is_all_or_nothing(import_engine, tmp_path, text, raw, use_raw) -> None:
    path = tmp_path / f"in{next(_counter)}.csv"
    path.write_bytes(raw if use_raw else ("id,text\n" + text).encode())
    _check_import(import_engine, path, ImportOptions())
