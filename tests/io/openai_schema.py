"""A line-by-line validator of OpenAI's fine-tuning JSONL schemas (chat and preference/DPO).

Written from OpenAI's documented rules: every line is one JSON object;
chat lines have exactly ``messages``, a list of ``{role, content}`` messages
(optional ``name`` and, for assistant messages, ``weight`` 0 or 1) with
roles ``system``, ``user``, ``assistant``, string content and at least one
assistant message; preference lines have ``input`` (``{"messages": [...]}``,
ending with a user message), ``preferred_output`` and
``non_preferred_output``, each a list of exactly one assistant message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["chat_errors", "dpo_errors", "validate_file"]

_ROLES = {"system", "user", "assistant"}


def _message_errors(m: Any, where: str) -> list[str]:
    if not isinstance(m, dict):
        return [f"{where}: not an object"]
    errors = []
    unknown = set(m) - {"role", "content", "name", "weight"}
    if unknown:
        errors.append(f"{where}: unrecognized keys {sorted(unknown)}")
    if m.get("role") not in _ROLES:
        errors.append(f"{where}: role {m.get('role')!r} not in {sorted(_ROLES)}")
    if not isinstance(m.get("content"), str):
        errors.append(f"{where}: content must be a string")
    if "weight" in m and (m.get("role") != "assistant" or m["weight"] not in (0, 1)):
        errors.append(f"{where}: weight must be 0 or 1 on assistant messages")
    return errors


def chat_errors(obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return ["line is not a JSON object"]
    errors = []
    extra = set(obj) - {"messages", "tools", "parallel_tool_calls"}
    if extra:
        errors.append(f"unrecognized keys {sorted(extra)}")
    messages = obj.get("messages")
    if not isinstance(messages, list) or not messages:
        return errors + ["missing messages list"]
    for i, m in enumerate(messages):
        errors += _message_errors(m, f"messages[{i}]")
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        errors.append("no assistant message")
    return errors


def dpo_errors(obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return ["line is not a JSON object"]
    errors = []
    extra = set(obj) - {"input", "preferred_output", "non_preferred_output"}
    if extra:
        errors.append(f"unrecognized keys {sorted(extra)}")
    inp = obj.get("input")
    messages = inp.get("messages") if isinstance(inp, dict) else None
    if not isinstance(messages, list) or not messages:
        errors.append("input.messages must be a non-empty list")
    else:
        for i, m in enumerate(messages):
            errors += _message_errors(m, f"input.messages[{i}]")
        if isinstance(messages[-1], dict) and messages[-1].get("role") != "user":
            errors.append("input.messages must end with a user message")
    for key in ("preferred_output", "non_preferred_output"):
        out = obj.get(key)
        if not isinstance(out, list) or len(out) != 1:
            errors.append(f"{key} must hold exactly one message")
            continue
        errors += _message_errors(out[0], f"{key}[0]")
        if isinstance(out[0], dict) and out[0].get("role") != "assistant":
            errors.append(f"{key}[0] must be an assistant message")
    return errors


def validate_file(path: Path, kind: str) -> list[str]:
    """Every error as ``line N: message`` (empty when the file is valid)."""
    check = chat_errors if kind == "chat" else dpo_errors
    errors = []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: not JSON ({exc.msg})")
            continue
        errors += [f"line {n}: {e}" for e in check(obj)]
    return errors
