"""The optional ``assist`` section of dataset settings."""

from __future__ import annotations

import pytest

from accord.errors import SettingsError
from accord.schema import parse_settings
from accord.schema.settings import Assist

BASE = {"fields": [{"name": "t", "type": "text"}],
        "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]},
                      {"name": "r", "type": "rating"}]}


def test_absent_by_default_and_round_trips():
    s = parse_settings(BASE)
    assert s.assist is None
    assert "assist" not in s.to_dict()  # settings without it are stored as before
    s2 = parse_settings({**BASE, "assist": {"auto_accept": "response",
                                            "thresholds": {"y": 0.9, "r": 0.75}}})
    assert s2.assist == Assist(auto_accept="response", thresholds={"y": 0.9, "r": 0.75})
    assert parse_settings(s2.to_dict()) == s2


def test_defaults():
    s = parse_settings({**BASE, "assist": {}})
    assert s.assist.auto_accept == "off" and s.assist.thresholds == {}


@pytest.mark.parametrize("assist, path, message", [
    ({"auto_accept": "yes"}, "assist.auto_accept", "'off', 'response' or 'prefill'"),
    ({"thresholds": {"y": 1.5}}, "assist.thresholds", "between 0 and 1, got 1.5"),
    ({"thresholds": {"y": -0.1}}, "assist.thresholds", "between 0 and 1"),
    ({"thresholds": {"nope": 0.5}}, "assist.thresholds.nope", "unknown question 'nope'"),
    ({"mode": "x"}, "assist.mode", "unknown key"),
])
def test_errors_name_the_path(assist, path, message):
    with pytest.raises(SettingsError) as info:
        parse_settings({**BASE, "assist": assist})
    paths = dict(info.value.problems)
    assert path in paths, info.value.problems
    assert message in paths[path]
