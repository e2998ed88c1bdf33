"""Assignment rules: only records whose metadata match the annotator's attributes.

``assignment: {match: [{metadata: language, attribute: languages}]}`` hands an
annotator only records whose ``metadata.language`` (or any item of it, when it is
a list, e.g. expertise tags) is among their ``languages`` attribute; records
without that metadata key go to anyone, and an annotator without the attribute
gets only those. Values compare as strings.

Cost: the open-record lookup stays the index range scan on
``(dataset_id, queue_state, priority DESC, id)`` with the rule as a filter, so it
reads the open records that do not match before the first that does: about
``1 / share`` rows when matching records make up ``share`` of the open ones, and
every open record when none match (docs/settings.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from accord.schema import Settings
from accord.store.models import User
from accord.store.workforce import find_open_matching

__all__ = ["attribute_values", "match_rules", "open_record_finder", "record_matches"]


def attribute_values(attributes: dict[str, Any] | None, name: str) -> list[str]:
    """The user's attribute as a list of strings (a scalar becomes a one-item list).

    >>> attribute_values({"languages": ["en", "fr"], "locale": "en-GB"}, "locale")
    ['en-GB']
    >>> attribute_values(None, "languages")
    []
    """
    value = (attributes or {}).get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items]


def match_rules(settings: Settings, user: User) -> list[tuple[str, list[str]]]:
    """``[(metadata key, allowed values)]`` for ``user``; empty without rules."""
    if settings.assignment is None or user.role != "annotator":
        return []
    return [(rule.metadata, attribute_values(user.attributes, rule.attribute))
            for rule in settings.assignment.match]


def open_record_finder(settings: Settings, user: User) -> Callable[..., int | None] | None:
    """A drop-in for :func:`accord.store.queue.find_open_from_start` honouring the rules, or
    None when there are none (the plain queue lookup is then used)."""
    rules = match_rules(settings, user)
    if not rules:
        return None
    return partial(find_open_matching, rules=rules)


def record_matches(settings: Settings, user: User, metadata: dict[str, Any] | None) -> bool:
    """Whether the rules let ``user`` have a record with ``metadata`` (the same test as the
    queue's SQL filter, :func:`accord.store.workforce.find_open_matching`, on a loaded row).

    >>> from accord.schema import parse_settings
    >>> s = parse_settings({"fields": [{"name": "t", "type": "text"}], "questions": [
    ...     {"name": "y", "type": "label", "labels": ["a", "b"]}],
    ...     "assignment": {"match": [{"metadata": "language", "attribute": "languages"}]}})
    >>> fr = User(role="annotator", attributes={"languages": ["fr"]})
    >>> record_matches(s, fr, {"language": "fr"}), record_matches(s, fr, {"language": "en"})
    (True, False)
    >>> record_matches(s, fr, {}), record_matches(s, fr, {"language": ["en", "fr"]})
    (True, True)
    """
    for key, allowed in match_rules(settings, user):
        meta = metadata or {}
        if key not in meta:
            continue
        value = meta[key]
        items = value if isinstance(value, list) else [value]
        if not any(v is not None and str(v) in allowed for v in items):
            return False
    return True
