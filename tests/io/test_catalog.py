"""The format catalog is the one list of format names: the registries and the CLI follow it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from accord.errors import InputError
from accord.io import catalog
from accord.io.exporters import FORMATS, checked
from accord.io.importers import open_source
from accord.io.readers import FORMATS as READ_FORMATS
from tests.conftest import run_cli


def test_the_export_registry_is_the_catalog_in_its_order():
    assert tuple(FORMATS) == catalog.EXPORT_FORMATS
    assert all(f.name == name for name, f in FORMATS.items())


def test_every_container_is_used_and_every_used_container_is_known():
    used = {c for f in FORMATS.values() for c in f.containers}
    assert used == set(catalog.CONTAINERS)


def test_a_format_the_catalog_does_not_describe_is_refused():
    jsonl = FORMATS["jsonl"]
    with pytest.raises(RuntimeError, match="named 'jsonl', not 'csv'"):
        checked("csv", jsonl)
    with pytest.raises(RuntimeError, match="unknown container 'tar'"):
        checked("jsonl", dataclasses.replace(jsonl, containers=("jsonl", "tar")))


def test_every_migration_format_has_its_reader(tmp_path):
    import importlib

    for name, where in catalog.MIGRATION_SOURCES.items():
        module, cls = where.split(":")
        reader = getattr(importlib.import_module(f"accord.io.importers.{module}"), cls)
        assert callable(reader), name
    path = tmp_path / "x.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError) as err:
        open_source("prodigy", path)
    assert ", ".join(catalog.MIGRATION_FORMATS) in str(err.value)


def test_the_readers_read_the_catalog_formats():
    assert READ_FORMATS == catalog.READ_FORMATS


def test_the_cli_help_lists_every_format_and_container():
    export_help = run_cli("export", "--help").stdout
    flat = " ".join(export_help.split())
    for name in catalog.EXPORT_FORMATS:
        assert name in flat, name
    for name in catalog.CONTAINERS:
        assert f"{name} (" in flat, name
    import_help = " ".join(run_cli("import", "--help").stdout.split())
    for name in catalog.READ_FORMATS + catalog.MIGRATION_FORMATS:
        assert name in import_help, name


def test_the_catalog_imports_no_format_code():
    code = ("import sys, accord.io.catalog, accord.io.readers; "
            "print(sorted(m for m in sys.modules if m.startswith('accord.io.') and "
            "m not in ('accord.io.catalog', 'accord.io.readers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
