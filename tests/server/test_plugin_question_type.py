"""A toy question type, registered by a test, is picked up everywhere without touching
other files: settings and value validation, GET /api/v1/meta, and an export role.

The type is ``haiku`` (tests/plugins/haiku_question.py), with the export role
``sft_target``: its answers become the completions of an SFT export.
"""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from accord import Client
from accord.errors import InputError
from accord.io.exporters.options import ExportOptions
from accord.io.exporters.plan import question_types_for, resolve_plan
from accord.schema import parse_settings, validate_values
from accord.schema.questions import question_type, unregister
from tests.server.conftest import start_server, stop_server

PLUGIN = "tests.plugins.haiku_question"
HAIKU = "old pond\na frog jumps in\nthe sound of water"
SETTINGS = {"fields": [{"name": "prompt", "type": "text"}],
            "questions": [{"name": "poem", "type": "haiku", "required": True}]}


@pytest.fixture
def haiku():
    module = sys.modules.get(PLUGIN)
    # importing registers it; a reload registers it again after an earlier unregister
    module = importlib.reload(module) if module else importlib.import_module(PLUGIN)
    yield module.TYPE
    unregister("haiku")


def test_unknown_before_registration():
    with pytest.raises(Exception, match="unknown type 'haiku'"):
        parse_settings(SETTINGS)


def test_registered_type_validates_and_plays_its_export_role(haiku):
    settings = parse_settings(SETTINGS)
    assert question_type("haiku") is haiku
    assert validate_values(settings, {"poem": HAIKU}) == {"poem": HAIKU}
    with pytest.raises(InputError) as exc:
        validate_values(settings, {"poem": "one line"})
    assert str(exc.value) == "field 'poem': expected three lines, got 1"
    assert "haiku" in question_types_for("sft")
    plan = resolve_plan(settings, "sft", ExportOptions(fmt="sft-messages"))
    assert plan.question.name == "poem" and plan.prompt == "prompt"
    assert "alpha does not apply to haiku questions" in haiku.metric_refusal("alpha")


def test_a_plugin_module_is_served_and_exported_by_a_real_server(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_PLUGINS", PLUGIN)
    server = start_server(f"sqlite:///{tmp_path / 'accord.db'}")
    try:
        admin = Client(server.url, server.admin_token)
        meta = admin.meta()
        types = {t["name"]: t for t in meta["question_types"]}
        assert types["haiku"]["title"] == "Haiku"
        assert types["haiku"]["export_roles"] == ["sft_target"]
        sft = {f["name"]: f for f in meta["export_formats"]}["sft-messages"]
        assert "haiku" in sft["question_types"]

        admin.create_dataset("poems", SETTINGS)
        admin.import_records("poems", [{"id": "p1", "prompt": "Write about a frog."}])
        admin.add_member("poems", "admin")
        rec = admin.next_record("poems")
        with pytest.raises(InputError, match="field 'poem': expected three lines, got 2"):
            admin.submit("poems", rec.id, {"poem": "two\nlines"})
        admin.submit("poems", rec.id, {"poem": HAIKU})

        out = admin.export("poems", "sft-messages", tmp_path / "sft.jsonl")
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert rows == [{"messages": [{"role": "user", "content": "Write about a frog."},
                                      {"role": "assistant", "content": HAIKU}]}]
    finally:
        stop_server(server)
