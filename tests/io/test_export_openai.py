"""OpenAI fine-tuning JSONL (chat and DPO), checked line by line against the documented schema."""

from __future__ import annotations

import json

from tests.io.export_data import export, pairwise_dataset, read_jsonl, setup
from tests.io.openai_schema import chat_errors, dpo_errors, validate_file


def test_validator_catches_schema_errors():
    good = {"messages": [{"role": "user", "content": "hi"},
                         {"role": "assistant", "content": "yo", "weight": 1}]}
    assert chat_errors(good) == []
    assert chat_errors({"messages": [{"role": "user", "content": "hi"}]}) == [
        "no assistant message"]
    assert chat_errors({"messages": [{"role": "bot", "content": 1}]})[:2] == [
        "messages[0]: role 'bot' not in ['assistant', 'system', 'user']",
        "messages[0]: content must be a string"]
    assert "unrecognized keys ['prompt']" in chat_errors({**good, "prompt": "x"})
    assert dpo_errors({"input": {"messages": [{"role": "assistant", "content": "a"}]},
                       "preferred_output": [{"role": "user", "content": "b"}],
                       "non_preferred_output": []}) == [
        "input.messages must end with a user message",
        "preferred_output[0] must be an assistant message",
        "non_preferred_output must hold exactly one message"]


def test_openai_chat_export_is_valid(engine, tmp_path):
    pairwise_dataset(engine, n=3)
    export(engine, "pw", tmp_path / "chat.jsonl", "openai-chat", system_prompt="Be kind.")
    assert validate_file(tmp_path / "chat.jsonl", "chat") == []
    rows = read_jsonl(tmp_path / "chat.jsonl")
    assert len(rows) == 3
    assert [m["role"] for m in rows[0]["messages"]] == ["system", "user", "assistant"]
    assert rows[0]["messages"][2]["content"] == "u1 rewrote 0"


def test_openai_chat_from_chat_field_drops_extra_roles(engine, tmp_path):
    setup(engine, "c", {"fields": [{"name": "messages", "type": "chat"}]}, [
        {"id": "1", "messages": [{"role": "user", "content": "q"},
                                 {"role": "tool", "content": "t"},
                                 {"role": "assistant", "content": "a"}]}])
    export(engine, "c", tmp_path / "chat.jsonl", "openai-chat")
    assert validate_file(tmp_path / "chat.jsonl", "chat") == []
    assert [m["role"] for m in read_jsonl(tmp_path / "chat.jsonl")[0]["messages"]] == [
        "user", "assistant"]


def test_openai_dpo_export_is_valid(engine, tmp_path):
    pairwise_dataset(engine, n=4)
    export(engine, "pw", tmp_path / "dpo.jsonl", "openai-dpo")
    assert validate_file(tmp_path / "dpo.jsonl", "dpo") == []
    first = json.loads((tmp_path / "dpo.jsonl").read_text().splitlines()[0])
    assert first == {"input": {"messages": [{"role": "user", "content": "Question 0?"}]},
                     "preferred_output": [{"role": "assistant", "content": "good answer 0"}],
                     "non_preferred_output": [{"role": "assistant", "content": "bad answer 0"}]}
