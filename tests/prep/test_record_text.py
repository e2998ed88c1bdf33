"""Text slots: default discovery, configured fields, chat messages."""

from __future__ import annotations

import pytest

from accord.prep.record_text import SlotTypeError, find_text_slots, set_slot_text, slot_name


def test_default_slots_skip_ids_private_keys_and_non_strings() -> None:
    rec = {
        "id": "r1",
        "external_id": "x",
        "_pii": "x",
        "prompt": "Hi",
        "n": 3,
        "tags": ["a"],
        "meta": {"a": "b"},
    }
    assert [s.name for s in find_text_slots(rec)] == ["prompt"]


def test_chat_lists_give_one_slot_per_message_and_text_part() -> None:
    rec = {
        "messages": [
            {"role": "user", "content": "hello"},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "url": "x"}],
            },
            {"role": "tool", "content": None},
        ]
    }
    slots = find_text_slots(rec)
    assert [(s.name, s.text) for s in slots] == [
        ("messages[0].content", "hello"),
        ("messages[1].content[0].text", "hi"),
    ]
    set_slot_text(rec, slots[1].path, "HI")
    assert rec["messages"][1]["content"][0]["text"] == "HI"


def test_configured_fields_in_order_and_missing_ones_skipped() -> None:
    rec = {"b": "two", "a": "one", "c": None}
    assert [s.text for s in find_text_slots(rec, ["a", "b", "c", "missing"])] == ["one", "two"]


def test_configured_field_with_a_number_is_an_error_naming_the_field() -> None:
    with pytest.raises(SlotTypeError) as info:
        find_text_slots({"text": 3}, ["text"])
    assert info.value.field == "text"
    assert "got int" in str(info.value)


def test_a_list_that_is_not_chat_is_not_text() -> None:
    assert find_text_slots({"x": [{"role": "user"}], "y": []}) == []
    assert slot_name(("a", 0, "b", 2)) == "a[0].b[2]"
