"""Where the text of a record lives: text slots.

A *record* is a plain JSON object (``dict``). Prep steps read and rewrite its
text through *text slots*: a path into the record (``("text",)``,
``("messages", 2, "content")``) and the string found there.

Which slots a record has:

- with configured text fields (``--text-field NAME``, repeatable), those
  top-level keys, in the order given;
- otherwise every top-level string value, except keys starting with ``_``
  (prep's own annotations such as ``_pii``) and the identifier keys ``id`` and
  ``external_id`` (an identifier is not text and would defeat exact dedupe);
- a key holding a chat conversation, a list of ``{role, content}`` messages,
  contributes one slot per message ``content`` (or per ``{"type": "text",
  "text": ...}`` part when the content is a list of parts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "IDENTIFIER_KEYS",
    "SlotTypeError",
    "TextSlot",
    "find_text_slots",
    "set_slot_text",
    "slot_name",
]

IDENTIFIER_KEYS = frozenset({"id", "external_id"})

PathPart = str | int


@dataclass(frozen=True, slots=True)
class TextSlot:
    """One piece of text inside a record.

    Attributes
    ----------
    path : tuple of str or int
        Keys and list positions leading from the record to the string.
    text : str
        The string at ``path``.
    """

    path: tuple[PathPart, ...]
    text: str

    @property
    def name(self) -> str:
        """The path written as ``messages[2].content``."""
        return slot_name(self.path)


class SlotTypeError(ValueError):
    """A configured text field holds something that is not text.

    Attributes
    ----------
    field : str
        The configured field name.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def slot_name(path: Sequence[PathPart]) -> str:
    """Render a slot path as ``key[3].content``.

    Examples
    --------
    >>> slot_name(("messages", 2, "content"))
    'messages[2].content'
    >>> slot_name(("text",))
    'text'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _is_chat(value: Any) -> bool:
    """True for a non-empty list whose items are all ``{role, content}`` dicts."""
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(m, dict) and "role" in m and "content" in m for m in value)
    )


def _chat_slots(key: str, messages: list[dict[str, Any]]) -> list[TextSlot]:
    slots: list[TextSlot] = []
    for i, message in enumerate(messages):
        content = message["content"]
        if isinstance(content, str):
            slots.append(TextSlot((key, i, "content"), content))
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if (
                    isinstance(part, dict)
                    and part.get("type") == "text"
                    and isinstance(part.get("text"), str)
                ):
                    slots.append(TextSlot((key, i, "content", j, "text"), part["text"]))
    return slots


def find_text_slots(record: dict[str, Any], fields: Sequence[str] = ()) -> list[TextSlot]:
    """List the text slots of a record.

    Parameters
    ----------
    record : dict
        A JSON object.
    fields : sequence of str, default ()
        Configured text fields. Empty means every top-level string value
        (see the module docstring for the exceptions).

    Returns
    -------
    list of TextSlot
        In field order, then message order.

    Raises
    ------
    SlotTypeError
        A configured field holds something other than a string, a chat list or
        ``null``.

    Examples
    --------
    >>> rec = {"id": "r1", "prompt": "Hi", "chat": [{"role": "user", "content": "Yo"}], "n": 3}
    >>> [s.name for s in find_text_slots(rec)]
    ['prompt', 'chat[0].content']
    >>> [s.text for s in find_text_slots(rec, ["chat"])]
    ['Yo']
    """
    slots: list[TextSlot] = []
    if fields:
        for key in fields:
            value = record.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                slots.append(TextSlot((key,), value))
            elif _is_chat(value):
                slots.extend(_chat_slots(key, value))
            else:
                raise SlotTypeError(
                    key,
                    "expected text or a list of {role, content} messages, "
                    f"got {type(value).__name__}",
                )
        return slots
    for key, value in record.items():
        if key.startswith("_") or key in IDENTIFIER_KEYS:
            continue
        if isinstance(value, str):
            slots.append(TextSlot((key,), value))
        elif _is_chat(value):
            slots.extend(_chat_slots(key, value))
    return slots


def set_slot_text(record: dict[str, Any], path: Sequence[PathPart], text: str) -> None:
    """Write ``text`` at ``path`` inside ``record`` (in place).

    Examples
    --------
    >>> rec = {"chat": [{"role": "user", "content": "a"}]}
    >>> set_slot_text(rec, ("chat", 0, "content"), "b")
    >>> rec["chat"][0]["content"]
    'b'
    """
    target: Any = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = text
