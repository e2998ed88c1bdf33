"""OpenAI chat fine-tuning JSONL (``{"messages": [...]}`` per line) as chat records.

The messages go to the dataset's chat field (``messages``, or its only chat
field); every other key (``tools``, ``functions``, ``parallel_tool_calls``,
...) goes to metadata. Message keys besides ``role`` and ``content``
(``weight``, ``name``) are kept. A dataset created by the import has the one
chat field and no questions yet: add the questions with a settings update.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from accord.errors import InputError
from accord.io.importers.migration import MigratedRecord
from accord.io.readers import read_rows
from accord.schema import Settings, parse_settings

__all__ = ["OpenAIChatSource"]


class OpenAIChatSource:
    format = "openai-chat"

    def __init__(self, path: str | Path, fmt: str | None = None) -> None:
        self.path = Path(path)
        self.fmt = fmt

    def infer_settings(self) -> Settings:
        return parse_settings({"fields": [{"name": "messages", "type": "chat"}]})

    def records(self, settings: Settings) -> Iterator[MigratedRecord]:
        src = str(self.path)
        chats = [f.name for f in settings.fields if f.type == "chat"]
        target = "messages" if "messages" in chats else (chats[0] if len(chats) == 1 else None)
        if target is None:
            raise InputError(f"importing OpenAI chat needs a chat field named 'messages' or a "
                             f"single chat field; chat fields are {chats}", path=src,
                             field="fields")
        for line, row in read_rows(self.path, self.fmt):
            if not isinstance(row.get("messages"), list):
                yield MigratedRecord(line, {}, error=InputError(
                    "expected a 'messages' list", path=src, line=line, field="messages"))
                continue
            ids = {k: row[k] for k in ("id", "external_id") if k in row}
            extra = {k: v for k, v in row.items() if k not in ("messages", "id", "external_id")}
            yield MigratedRecord(line, {target: row["messages"], **ids}, extra)
