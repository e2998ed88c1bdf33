"""TRL-style DPO/preference JSONL (and OpenAI DPO JSONL) as a pairwise dataset.

Accepted lines:

- explicit prompt: ``{"prompt", "chosen", "rejected"}``, strings or lists of
  messages (TRL's standard and conversational preference formats);
- implicit prompt: ``{"chosen", "rejected"}`` holding whole conversations
  (e.g. Anthropic HH-RLHF's ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``); the
  prompt is their common beginning, cut after the last ``Assistant:`` it
  contains, else after its last whitespace (messages: the common leading
  messages);
- OpenAI DPO: ``{"input": {"messages"}, "preferred_output",
  "non_preferred_output"}``.

Each line becomes a record with fields ``prompt`` (text or chat),
``response_a`` and ``response_b``, and a pairwise question ``preference``.
Which side is A is drawn from a hash of the content (so the position gives
nothing away, and re-imports are stable); the file's preference is stored as
a submitted response of the user ``imported:trl``. Other keys (``id``
excepted) go to metadata. ``prompt + response`` gives back the original
``chosen``/``rejected`` text exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord, MigratedResponse
from accord.io.readers import read_rows
from accord.schema import Settings, parse_settings

__all__ = ["USER", "TrlDpoSource", "split_prompt"]

USER = "imported:trl"
_KNOWN = {"prompt", "chosen", "rejected", "input", "preferred_output", "non_preferred_output",
          "id", "external_id"}


def split_prompt(chosen: Any, rejected: Any) -> tuple[Any, Any, Any]:
    """``(prompt, chosen completion, rejected completion)`` from two whole examples.

    Examples
    --------
    >>> split_prompt("\\n\\nHuman: hi\\n\\nAssistant: hello", "\\n\\nHuman: hi\\n\\nAssistant: go")
    ('\\n\\nHuman: hi\\n\\nAssistant:', ' hello', ' go')
    >>> split_prompt("The sky is blue.", "The sky is green.")
    ('The sky is ', 'blue.', 'green.')
    """
    if isinstance(chosen, list) and isinstance(rejected, list):
        n = 0
        while n < min(len(chosen), len(rejected)) - 1 and chosen[n] == rejected[n]:
            n += 1
        return chosen[:n], chosen[n:], rejected[n:]
    a, b = str(chosen), str(rejected)
    n = 0
    limit = min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    prefix = a[:n]
    marker = prefix.rfind("Assistant:")
    if marker >= 0:
        cut = marker + len("Assistant:")
    else:
        spaces = [i for i, ch in enumerate(prefix) if ch.isspace()]
        cut = spaces[-1] + 1 if spaces else 0
    return a[:cut], a[cut:], b[cut:]


def _completion(value: Any) -> Any:
    """A completion as text when it is one assistant message, else as it is."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return str(value[0].get("content", ""))
    return value


def _parse(row: dict[str, Any], src: str, line: int) -> tuple[Any, Any, Any, dict[str, Any],
                                                             dict[str, Any]]:
    if "input" in row and "preferred_output" in row:
        inp = row.get("input")
        prompt = inp.get("messages") if isinstance(inp, dict) else None
        chosen, rejected = row.get("preferred_output"), row.get("non_preferred_output")
    elif "chosen" in row and "rejected" in row:
        chosen, rejected = row["chosen"], row["rejected"]
        if "prompt" in row:
            prompt = row["prompt"]
        else:
            prompt, chosen, rejected = split_prompt(chosen, rejected)
    else:
        raise InputError(f"expected prompt/chosen/rejected, chosen/rejected or "
                         f"input/preferred_output/non_preferred_output; got keys {sorted(row)}",
                         path=src, line=line)
    if prompt is None or chosen is None or rejected is None:
        raise InputError("prompt, chosen and rejected must not be null", path=src, line=line)
    ids = {k: row[k] for k in ("id", "external_id") if k in row}
    extra = {k: v for k, v in row.items() if k not in _KNOWN}
    return prompt, _completion(chosen), _completion(rejected), ids, extra


class TrlDpoSource:
    format = "trl-dpo"

    def __init__(self, path: str | Path, fmt: str | None = None) -> None:
        self.path = Path(path)
        self.fmt = fmt

    def _parsed(self) -> Iterator[tuple[int, Any]]:
        """``(line, parsed)`` with parsed ``(prompt, chosen, rejected, ids, extra)`` or the
        InputError of a bad line."""
        for line, row in read_rows(self.path, self.fmt):
            try:
                yield line, _parse(row, str(self.path), line)
            except InputError as exc:
                yield line, exc

    def infer_settings(self) -> Settings:
        first = next((p for _, p in self._parsed() if not isinstance(p, InputError)), None)
        if first is None:
            raise InputError("the file has no readable records", path=str(self.path))
        prompt, chosen, _, _, _ = first
        side = "chat" if isinstance(chosen, list) else "text"
        return parse_settings({
            "guidelines": "Which response is better? (imported preferences: 'imported:trl')",
            "fields": [{"name": "prompt", "type": "chat" if isinstance(prompt, list) else "text",
                        "required": False},
                       {"name": "response_a", "type": side}, {"name": "response_b", "type": side}],
            "questions": [{"name": "preference", "type": "pairwise",
                           "fields": ["response_a", "response_b"], "required": True}]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        question, prompt_field = _roles(settings, str(self.path))
        a_field, b_field = question.fields
        for line, parsed in self._parsed():
            if isinstance(parsed, InputError):
                yield MigratedRecord(line, {}, error=parsed)
                continue
            prompt, chosen, rejected, ids, extra = parsed
            digest = hashlib.blake2b(orjson.dumps([prompt, chosen, rejected]),
                                     digest_size=8).digest()
            swap = digest[0] & 1
            a, b = (rejected, chosen) if swap else (chosen, rejected)
            row = {prompt_field: prompt, a_field: a, b_field: b, **ids}
            yield MigratedRecord(line, row, extra, [MigratedResponse(
                USER, {question.name: {"choice": "b" if swap else "a"}})])


def _roles(settings: Settings, src: str) -> tuple[Any, str]:
    pairwise = [q for q in settings.questions if q.type == "pairwise"]
    if len(pairwise) != 1:
        raise InputError(f"importing preferences needs exactly one pairwise question; the "
                         f"dataset has {[q.name for q in pairwise]}", path=src, field="questions")
    q = pairwise[0]
    others = [f.name for f in settings.fields if f.name not in q.fields
              and f.type in ("text", "markdown", "chat")]
    prompt = "prompt" if "prompt" in others else (others[0] if len(others) == 1 else None)
    if prompt is None:
        raise InputError(f"cannot tell which field takes the prompt; candidates are {others}",
                         path=src, field="fields")
    return q, prompt
