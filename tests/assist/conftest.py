"""Fixtures for the assist tests: the fake LLM server, datasets and clients."""

from __future__ import annotations

from typing import Any

import pytest

from accord.assist import LLMClient, LLMConfig, ResponseCache
from accord.schema import parse_settings
from accord.store import write_scope
from accord.store.datasets import create_dataset
from accord.store.models import utcnow
from accord.store.records import RecordRow, upsert_records
from tests.assist.fake_llm import FakeLLM, schema_oracle

LABEL_SETTINGS = {
    "guidelines": "Is the review positive or negative?",
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "y", "type": "label", "labels": ["pos", "neg"], "required": True}],
}


@pytest.fixture
def fake_llm():
    """Start fake servers: ``fake_llm(oracle, **options)``; all stopped at the end."""
    servers: list[FakeLLM] = []

    def start(oracle=schema_oracle, **options: Any) -> FakeLLM:
        server = FakeLLM(oracle, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_client(tmp_path):
    """``make_client(fake, **config)``: an LLMClient with a cache in tmp_path; closed at the end."""
    clients: list[LLMClient] = []

    def make(fake: FakeLLM, *, cache: bool = True, **config: Any) -> LLMClient:
        cfg = LLMConfig(model=config.pop("model", "fake-1"), base_url=fake.url, **config)
        client = LLMClient(cfg, cache=ResponseCache(tmp_path / "cache") if cache else None)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def make_dataset(engine, name: str, settings: dict[str, Any],
                 records: list[dict[str, Any]]) -> int:
    """Create a dataset with records ``{"id": ..., **fields}``; returns its id."""
    with write_scope(engine) as s:
        ds = create_dataset(s, name, parse_settings(settings))
        upsert_records(s, ds.id, [RecordRow(str(r["id"]), {k: v for k, v in r.items()
                                                            if k != "id"}, {})
                                  for r in records], stamp=utcnow())
        return ds.id
