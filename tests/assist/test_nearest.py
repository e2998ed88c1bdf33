"""Nearest stored vectors: the exact search against a brute-force sort, and the HNSW index's
recall against the exact answer."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.assist.nearest import ExactIndex, HnswIndex, build_index


def _unit(rng: np.random.Generator, n: int, dim: int, centres: np.ndarray | None = None):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    if centres is not None:
        x = 0.5 * x + centres[rng.integers(0, len(centres), n)]
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), k=st.integers(1, 70), seed=st.integers(0, 2**16))
def test_exact_search_is_the_sorted_dot_product(n, k, seed):
    rng = np.random.default_rng(seed)
    matrix = _unit(rng, n, 8)
    ids = rng.permutation(10 * n)[:n] + 1
    query = _unit(rng, 1, 8)[0]
    got_ids, got_scores = ExactIndex(ids, matrix).search(query, k)
    scores = matrix @ query
    want = sorted(zip(-scores, ids))[:k]
    assert len(got_ids) == min(k, n)
    assert got_ids.tolist() == [int(i) for _, i in want]
    assert np.allclose(got_scores, [-s for s, _ in want], atol=1e-6)


def test_empty_index_finds_nothing():
    ids, scores = ExactIndex(np.empty(0), np.empty((0, 4))).search(np.ones(4), 5)
    assert ids.size == 0 and scores.size == 0


@pytest.mark.skipif(importlib.util.find_spec("hnswlib") is None,
                    reason="hnswlib (the similarity extra) not installed")
def test_hnsw_recall_at_10_against_exact_on_clustered_vectors():
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((40, 64)).astype(np.float32)
    matrix = _unit(rng, 3000, 64, centres)
    ids = np.arange(100, 3100)
    exact = ExactIndex(ids, matrix)
    hnsw = build_index(ids, matrix, exact_limit=1000)
    assert isinstance(hnsw, HnswIndex) and len(hnsw) == 3000
    assert isinstance(build_index(ids, matrix), ExactIndex)  # under the limit: exact
    hits = 0
    for q in _unit(rng, 50, 64, centres):
        want = set(exact.search(q, 10)[0].tolist())
        got, scores = hnsw.search(q, 10)
        hits += len(want & set(got.tolist()))
        assert np.all(np.diff(scores) <= 1e-6)  # best first
    assert hits / 500 >= 0.95


@pytest.mark.skipif(importlib.util.find_spec("hnswlib") is None,
                    reason="hnswlib (the similarity extra) not installed")
def test_similar_records_answers_exactly_while_the_hnsw_index_builds(sqlite_url, monkeypatch):
    import time

    from accord.assist import similarity
    from accord.schema import parse_settings
    from accord.store import make_engine, session_scope, write_scope
    from accord.store.datasets import create_dataset
    from accord.store.models import utcnow
    from accord.store.records import RecordRow, upsert_records
    from accord.store.vectors import set_vectors
    from tests.dbs import migrated

    monkeypatch.setattr(similarity, "EXACT_LIMIT", 100)
    engine = make_engine(migrated(sqlite_url))
    try:
        with write_scope(engine) as s:
            ds = create_dataset(s, "sim", parse_settings({
                "fields": [{"name": "text", "type": "text"}],
                "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]}))
            upsert_records(s, ds.id, [RecordRow(f"r{i}", {"text": str(i)}, {})
                                      for i in range(300)], stamp=utcnow())
        rng = np.random.default_rng(3)
        matrix = _unit(rng, 300, 16, rng.standard_normal((10, 16)).astype(np.float32))
        with write_scope(engine) as s:
            set_vectors(s, ds.id, "m", {i + 1: matrix[i] for i in range(300)})

        def search():  # type: ignore[no-untyped-def]
            with session_scope(engine) as s:
                return similarity.similar_records(s, ds.id, "sim", record_id=1, k=5)

        first = search()
        assert first["index"] == "exact" and len(first["hits"]) == 5
        deadline = time.monotonic() + 60
        while (found := search())["index"] != "hnsw":
            assert time.monotonic() < deadline, "the HNSW index was never swapped in"
            time.sleep(0.05)
        assert [i for i, _ in found["hits"]][:3] == [i for i, _ in first["hits"]][:3]
        with write_scope(engine) as s:  # new vectors: exact again until rebuilt
            set_vectors(s, ds.id, "m", {2: matrix[0]})
        again = search()
        assert again["hits"][0][0] == 2 and again["hits"][0][1] == pytest.approx(1.0, abs=1e-5)
    finally:
        engine.dispose()
